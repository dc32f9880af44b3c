import SwarmModel

/// The results file's schema, in one place: every root attribute and every column of every
/// table with its type, unit and meaning. The writer refuses a table that does not match it,
/// and `docs/results-schema.md` embeds `markdown()` (a test fails if they differ), so code,
/// files and documentation cannot drift apart.
public enum ResultsSchema {
    /// The schema version written to, and required in, the `schema_version` root attribute.
    public static let version: Int64 = 1

    /// The storage type of a column (little-endian native types, as HDF5 stores them).
    public enum ColumnType: String, Sendable, Codable {
        case uint8, uint16, int32, uint32, int64, float64
        /// Bytes per value.
        public var size: Int {
            switch self { case .uint8: 1; case .uint16: 2; case .int32, .uint32: 4; case .int64, .float64: 8 }
        }
    }

    /// One column: snake_case name, type, unit ("s", "J", "W", "1" for counts, "code" for
    /// enumerations) and meaning.
    public struct Column: Sendable {
        public var name: String, type: ColumnType, unit: String, meaning: String
    }

    /// One table (an HDF5 compound dataset) of a run's group.
    public struct Table: Sendable {
        public var name: String
        /// What one row is.
        public var rows: String
        public var columns: [Column]
        /// String attributes on the dataset mapping codes to names (index = code).
        public var lookups: [(attribute: String, meaning: String)] = []
    }

    /// One root attribute.
    public struct Attribute: Sendable {
        public var name: String, type: String, meaning: String
    }

    public static let rootAttributes: [Attribute] = [
        .init(name: "schema_version", type: "int64", meaning: "1; readers refuse other versions"),
        .init(name: "swarmlab_version", type: "string", meaning: "Swarmlab's version"),
        .init(name: "git_commit", type: "string", meaning: "commit Swarmlab was built from (`-dirty` if modified, `unknown` if not known)"),
        .init(name: "scenario", type: "string", meaning: "the scenario file's text, verbatim"),
        .init(name: "scenario_name", type: "string", meaning: "the scenario's name"),
        .init(name: "seed", type: "int64", meaning: "the scenario's seed"),
        .init(name: "host", type: "string", meaning: "host name of the machine that ran it (merged files: every host, comma-separated)"),
        .init(name: "wall_time", type: "float64", meaning: "seconds of wall time the runs took (merged files: the sum)"),
        .init(name: "created", type: "string", meaning: "when the file was written, ISO 8601 UTC"),
        .init(name: "calibration_profile", type: "string", meaning: "calibration profile the cost model used, or `none`"),
        .init(name: "merged_from", type: "string", meaning: "merged files only: the shard files, one per line"),
        .init(name: "merged_commits", type: "string", meaning: "merged files whose shards were built from different commits only: `COMMIT: SHARD` per line (`git_commit` is then the first shard's)"),
    ]

    public static let kernelNames = ["seconds", "gemm", "conv2d", "attention", "elementwise", "reduction", "sequence"]
    /// The kernel code of a task's work (index into `kernelNames`).
    public static func kernelCode(_ work: TaskWork) -> UInt8 {
        switch work {
        case .seconds: return 0
        case .kernel(let k):
            switch k {
            case .gemm: return 1
            case .conv2d: return 2
            case .attention: return 3
            case .elementwise: return 4
            case .reduction: return 5
            case .sequence: return 6
            }
        }
    }

    static func s(_ name: String, _ meaning: String) -> Column { Column(name: name, type: .float64, unit: "s", meaning: meaning) }

    public static let tasks = Table(name: "tasks", rows: "one per attempt, in the order attempts started; then one (attempt 0) per task that never got an attempt", columns: [
        .init(name: "task", type: .uint32, unit: "1", meaning: "task id (index in the run's task list)"),
        .init(name: "job", type: .uint32, unit: "1", meaning: "job id (the workload's index in the scenario)"),
        .init(name: "tenant", type: .uint16, unit: "1", meaning: "tenant id"),
        .init(name: "kernel", type: .uint8, unit: "code", meaning: "the task's work: " + kernelNames.enumerated().map { "\($0) \($1)" }.joined(separator: ", ")),
        .init(name: "device", type: .int32, unit: "1", meaning: "device id (−1: no attempt)"),
        .init(name: "attempt", type: .uint16, unit: "1", meaning: "attempt number of the task, from 1 (0: no attempt)"),
        .init(name: "outcome", type: .uint8, unit: "code", meaning: AttemptOutcome.allCases.map { "\($0.rawValue) \($0.name)" }.joined(separator: ", ")),
        s("arrival", "the task arrived"),
        s("ready", "the task was (last) queued before this attempt: arrived with its parents done, or re-queued"),
        s("assigned", "the attempt was placed on its device; input transfer starts"),
        s("input_done", "input transfer done (NaN if not reached)"),
        s("compute_start", "compute started (the simulator starts computing as the input lands: = input_done)"),
        s("compute_end", "compute done; output transfer starts (NaN if not reached)"),
        s("output_returned", "the result came back (NaN unless outcome is accepted or returned)"),
        s("end", "the attempt ended, however (NaN while running)"),
        .init(name: "bytes", type: .float64, unit: "B", meaning: "bytes the attempt moved: its input once landed, its output once returned"),
    ], lookups: [("kernel_names", "name of each kernel code"), ("outcome_names", "name of each outcome code")])

    public static let devices = Table(name: "devices", rows: "one per device, by device id", columns: [
        .init(name: "device", type: .uint32, unit: "1", meaning: "device id"),
        .init(name: "class", type: .uint8, unit: "code", meaning: "device class (index into `class_names`)"),
        .init(name: "region", type: .uint16, unit: "code", meaning: "region (index into `region_names`)"),
        s("online_time", "time online during the run"),
        s("busy_time", "time running attempts (any outcome; still-running ones up to the run's end)"),
        s("idle_time", "time online, not busy and not blacklisted"),
        .init(name: "attempts", type: .uint32, unit: "1", meaning: "attempts started"),
        .init(name: "attempts_lost", type: .uint32, unit: "1", meaning: "attempts lost when the device went offline"),
        .init(name: "tasks", type: .uint32, unit: "1", meaning: "tasks accepted with this device's result"),
        .init(name: "energy", type: .float64, unit: "J", meaning: "busy_time·busy watts + idle_time·idle watts of its class"),
        .init(name: "bytes", type: .float64, unit: "B", meaning: "bytes its attempts moved (inputs landed, outputs returned)"),
    ], lookups: [("class_names", "name of each device class"), ("region_names", "name of each region")])

    public static let jobs = Table(name: "jobs", rows: "one per job", columns: [
        .init(name: "job", type: .uint32, unit: "1", meaning: "job id"),
        .init(name: "kind", type: .uint8, unit: "code", meaning: "workload kind (index into `kind_names`)"),
        .init(name: "tasks", type: .uint32, unit: "1", meaning: "tasks in the job"),
        .init(name: "done", type: .uint32, unit: "1", meaning: "tasks accepted"),
        .init(name: "dropped", type: .uint32, unit: "1", meaning: "tasks dropped by quorum barriers"),
        s("first_arrival", "earliest arrival of its tasks"),
        s("finish", "last acceptance, once every task is settled with at least one accepted (NaN otherwise)"),
        s("makespan", "finish − first_arrival (NaN if not finished)"),
    ], lookups: [("kind_names", "name of each workload kind")])

    public static let timeline = Table(name: "timeline", rows: "one per sampling instant t_k = k·interval, k ≥ 1, up to the run's end; a last row at the end covers a shorter interval when the run ends between instants", columns: [
        s("time", "the instant t_k"),
        .init(name: "online", type: .uint32, unit: "1", meaning: "devices online at t_k"),
        .init(name: "busy", type: .uint32, unit: "1", meaning: "devices running an attempt at t_k"),
        .init(name: "queued", type: .uint32, unit: "1", meaning: "tasks waiting for an attempt to be placed at t_k"),
        .init(name: "throughput", type: .float64, unit: "tasks/s", meaning: "tasks accepted in (t_{k−1}, t_k], over its length"),
        .init(name: "power", type: .float64, unit: "W", meaning: "mean power of the fleet over (t_{k−1}, t_k]: busy devices at busy watts, idle ones at idle watts"),
    ])

    public static let tenants = Table(name: "tenants", rows: "one per tenant", columns: [
        .init(name: "tenant", type: .uint32, unit: "1", meaning: "tenant id"),
        .init(name: "busy_time", type: .float64, unit: "s", meaning: "device time spent on the tenant's attempts"),
        .init(name: "tasks_done", type: .uint32, unit: "1", meaning: "the tenant's tasks accepted"),
    ])

    public static let summary = Table(name: "summary", rows: "one: every metric of `RunMetrics` (formulas in `models/lifecycle.md`)", columns: [
        .init(name: "tasks", type: .float64, unit: "1", meaning: "tasks in the run"),
        .init(name: "tasks_done", type: .float64, unit: "1", meaning: "tasks accepted"),
        .init(name: "tasks_dropped", type: .float64, unit: "1", meaning: "stragglers dropped by quorum barriers"),
        .init(name: "attempts_lost", type: .float64, unit: "1", meaning: "attempts lost to churn"),
        .init(name: "refused_placements", type: .float64, unit: "1", meaning: "placements the engine refused"),
        .init(name: "tasks_unplaceable", type: .float64, unit: "1", meaning: "tasks no device of the fleet can hold in memory (dropped at the start)"),
        s("first_arrival", "earliest arrival of an accepted task (NaN if none)"),
        s("last_finish", "latest acceptance (NaN if none)"),
        s("makespan", "last_finish − first_arrival"),
        .init(name: "throughput", type: .float64, unit: "tasks/s", meaning: "tasks_done / makespan"),
        s("latency_mean", "mean of finish − arrival over accepted tasks"),
        s("latency_sd", "its sample standard deviation"),
        s("latency_min", "its minimum (NaN if none)"),
        s("latency_max", "its maximum (NaN if none)"),
        s("latency_p50", "its median (P² estimate)"),
        s("latency_p95", "its 95th percentile (P² estimate)"),
        s("latency_p99", "its 99th percentile (P² estimate)"),
        .init(name: "with_deadline", type: .float64, unit: "1", meaning: "accepted tasks that had a deadline"),
        .init(name: "met_deadline", type: .float64, unit: "1", meaning: "of those, accepted by their deadline"),
        .init(name: "slo_attainment", type: .float64, unit: "1", meaning: "met_deadline / with_deadline (NaN if none)"),
        s("busy_time", "device time on attempts that ended"),
        s("idle_time", "device time online, idle, not blacklisted"),
        .init(name: "utilisation", type: .float64, unit: "1", meaning: "busy_time / (busy_time + idle_time)"),
        s("wasted_work", "device time on attempts lost to churn"),
        s("redundant_work", "device time on attempts beyond the accepted one"),
        s("dropped_work", "device time on attempts of dropped stragglers"),
        .init(name: "bytes_moved", type: .float64, unit: "B", meaning: "bytes delivered by transfers: inputs landed, outputs returned"),
        .init(name: "wan_bytes", type: .float64, unit: "B", meaning: "of those, bytes between a task's data region and a device in another region"),
        .init(name: "accepted_errors", type: .float64, unit: "1", meaning: "tasks accepted with a wrong result"),
        .init(name: "spot_checks", type: .float64, unit: "1", meaning: "spot checks run"),
        .init(name: "blacklisted", type: .float64, unit: "1", meaning: "devices blacklisted"),
        .init(name: "backup_attempts", type: .float64, unit: "1", meaning: "speculative backup attempts"),
        .init(name: "energy", type: .float64, unit: "J", meaning: "Σ busy·busy watts + idle·idle watts"),
        .init(name: "cloud_cost", type: .float64, unit: "USD", meaning: "provider_cost + egress_cost: what the study pays its provider (docs/models/energy-cost.md)"),
        .init(name: "volunteer_hours", type: .float64, unit: "h", meaning: "busy hours of unpriced devices"),
        .init(name: "busy_cost", type: .float64, unit: "USD", meaning: "Σ price per hour · busy hours of priced devices (the work's share of the bill)"),
        .init(name: "provisioned_hours", type: .float64, unit: "h", meaning: "device-hours priced devices were online in [0, duration], busy or not"),
        .init(name: "provider_cost", type: .float64, unit: "USD", meaning: "Σ price per hour · provisioned hours of priced devices (elastic pools: pool_cost)"),
        .init(name: "pool_hours", type: .float64, unit: "h", meaning: "device-hours leased by elastic pools, request to release (leases open at the end held to `duration`); in provisioned_hours"),
        .init(name: "pool_billed_hours", type: .float64, unit: "h", meaning: "Σ over leases of the lease rounded up to its pool's billing_granularity"),
        .init(name: "pool_cost", type: .float64, unit: "USD", meaning: "Σ over pools of billed hours · the pool class's price; in provider_cost"),
        .init(name: "egress", type: .float64, unit: "B", meaning: "billed bytes that left a region for another: inputs from their data region, outputs sent by priced devices"),
        .init(name: "egress_cost", type: .float64, unit: "USD", meaning: "Σ over regions of bytes leaving / 1e9 · the region's egress_price"),
        .init(name: "provider_energy", type: .float64, unit: "J", meaning: "Σ over priced devices of idle watts · (online − busy) + busy watts · busy"),
        .init(name: "volunteer_energy", type: .float64, unit: "J", meaning: "the same over unpriced devices (paid by their owners)"),
        .init(name: "volunteer_electricity_cost", type: .float64, unit: "USD", meaning: "Σ volunteer energy in kWh · its region's electricity_price"),
        .init(name: "carbon", type: .float64, unit: "g", meaning: "Σ over all devices of energy in kWh · its region's carbon_intensity (grams CO₂)"),
        .init(name: "volunteer_carbon", type: .float64, unit: "g", meaning: "the unpriced devices' part of carbon"),
        .init(name: "events", type: .float64, unit: "1", meaning: "kernel events handled"),
        .init(name: "finished", type: .float64, unit: "1", meaning: "1 if every task settled before the horizon, else 0"),
        s("end", "simulated time the run ended"),
        s("timeline_interval", "the timeline's sampling interval"),
        .init(name: "cost_per_day", type: .float64, unit: "USD/day", meaning: "cloud_cost / duration · 86,400 s: the bill as a daily rate (the `cost_per_day` target)"),
    ] + RunTarget.Metric.allCases.flatMap { m -> [Column] in [
        .init(name: m.name + "_target", type: .float64, unit: m.unit, meaning: "the scenario's `targets.\(m.name)`: \(m.name) must be \(m.atLeast ? "≥" : "≤") this (NaN: no such target)"),
        .init(name: m.name + "_met", type: .float64, unit: "1", meaning: "1 if \(m.name) met its target, 0 if not\(m == .makespan ? " (a run that did not finish does not)" : ""), NaN without one"),
    ] } + [
        .init(name: "targets_met", type: .float64, unit: "1", meaning: "1 if every target was met, 0 if one was not, NaN without targets"),
    ])

    /// Every table of a run's group, in the order the schema page lists them.
    public static let runTables: [Table] = [summary, tasks, devices, jobs, timeline, tenants]

    /// Written by scenario runs (`swarmlab run`, sweeps) beside `runTables`: what each
    /// tenant's role let it do, and the actions it refused (`Permission`).
    public static let access = Table(name: "access", rows: "one per tenant (scenario runs)", columns: [
        .init(name: "tenant", type: .uint32, unit: "1", meaning: "tenant id"),
        .init(name: "role", type: .uint8, unit: "code", meaning: "the tenant's role (index into `role_names`)"),
        .init(name: "devices_owned", type: .uint32, unit: "1", meaning: "devices the tenant lends (`fleet[].owner`)"),
    ] + Permission.allCases.map { p in
        .init(name: "refused_\(p.columnName)", type: .uint32, unit: "1", meaning: "`\(p.rawValue)` actions refused to the tenant (its role does not grant it)")
    }, lookups: [("role_names", "name of each role code")])

    /// Written by scenario runs with elastic pools (`pools`): one row per scale event.
    public static let elastic = Table(name: "elastic", rows: "one per scale event of an elastic pool, in time order (scenario runs with `pools`)", columns: [
        s("time", "when the event happened"),
        .init(name: "pool", type: .uint16, unit: "code", meaning: "the pool (index into `pool_names`, the scenario's `pools` order)"),
        .init(name: "event", type: .uint8, unit: "code", meaning: ElasticPools.Event.allCases.map { "\($0.rawValue) \($0.name)" }.joined(separator: ", ") + ": devices requested (booting), one device online after its provisioning delay, idle devices released"),
        .init(name: "devices", type: .uint32, unit: "1", meaning: "devices the event requested, brought online or released"),
        .init(name: "size", type: .uint32, unit: "1", meaning: "the pool's size after it: devices booting or up"),
        .init(name: "up", type: .uint32, unit: "1", meaning: "of those, devices up (online to the scheduler)"),
        .init(name: "desired", type: .uint32, unit: "1", meaning: "the size the rule asked for (scale events); the size (ready events)"),
    ], lookups: [("pool_names", "name of each pool"), ("event_names", "name of each event code")])

    /// Written beside `elastic`: one row per pool, its bill.
    public static let pools = Table(name: "pools", rows: "one per elastic pool (scenario runs with `pools`)", columns: [
        .init(name: "pool", type: .uint16, unit: "code", meaning: "the pool (index into `pool_names`)"),
        .init(name: "min", type: .uint32, unit: "1", meaning: "its `min`"),
        .init(name: "max", type: .uint32, unit: "1", meaning: "its `max`"),
        .init(name: "peak", type: .uint32, unit: "1", meaning: "the largest size (booting + up) reached"),
        .init(name: "scale_ups", type: .uint32, unit: "1", meaning: "scale-up events"),
        .init(name: "scale_downs", type: .uint32, unit: "1", meaning: "scale-down events"),
        .init(name: "provisioned_hours", type: .float64, unit: "h", meaning: "Σ leases, request to release (open ones held to `duration`)"),
        .init(name: "billed_hours", type: .float64, unit: "h", meaning: "Σ leases each rounded up to `billing_granularity`"),
        .init(name: "cost", type: .float64, unit: "USD", meaning: "billed_hours · the class's price per hour"),
    ], lookups: [("pool_names", "name of each pool")])

    // MARK: Sweep files (`swarmlab sweep`, docs/sweeps.md)

    /// The `/summary` metrics a sweep compares, with their units: the per-run columns of
    /// `/sweep_runs` and the `_mean` / `_ci95` columns of `/sweep_summary`.
    public static let sweepMetrics: [(name: String, unit: String)] = [
        ("tasks_done", "1"), ("makespan", "s"), ("throughput", "tasks/s"), ("latency_p50", "s"),
        ("latency_p95", "s"), ("latency_p99", "s"), ("wasted_work", "s"), ("utilisation", "1"),
        ("energy", "J"), ("cloud_cost", "USD"), ("carbon", "g"),
    ]

    /// Root attributes a sweep's file adds to the provenance ones.
    public static let sweepRootAttributes: [Attribute] = [
        .init(name: "sweep_points", type: "string", meaning: "`ID: path=value, …` per grid point, one per line (`ID: (base)` without axes)"),
        .init(name: "sweep_policies", type: "string", meaning: "`ID: policy` per policy, one per line, sorted by name"),
        .init(name: "replications", type: "int64", meaning: "replications per point and policy"),
    ]

    /// Attributes on each run's group (`/run-NNNN`) of a sweep's file.
    public static let sweepRunAttributes: [Attribute] = [
        .init(name: "scenario", type: "string", meaning: "the scenario text of the run's point (its values substituted)"),
        .init(name: "seed", type: "int64", meaning: "the run's seed: the r-th of the scenario's `seeds`, or `seed` + r, for replication r"),
        .init(name: "policy", type: "string", meaning: "the run's policy"),
        .init(name: "replication", type: "int64", meaning: "replication number, from 0"),
        .init(name: "sweep_point", type: "string", meaning: "the point's `path=value, …`"),
    ]

    static func metricMeaning(_ name: String) -> String { summary.columns.first { $0.name == name }?.meaning ?? name }

    public static let sweepRuns = Table(name: "sweep_runs", rows: "one per run, in run order", columns: [
        .init(name: "run", type: .uint32, unit: "1", meaning: "run number (group `run-NNNN`)"),
        .init(name: "point", type: .uint32, unit: "sweep_points id", meaning: "grid point (an id of `sweep_points`)"),
        .init(name: "policy", type: .uint32, unit: "sweep_policies id", meaning: "policy (an id of `sweep_policies`)"),
        .init(name: "replication", type: .uint32, unit: "1", meaning: "replication number, from 0"),
        .init(name: "seed", type: .int64, unit: "1", meaning: "the run's seed"),
    ] + sweepMetrics.map { .init(name: $0.name, type: .float64, unit: $0.unit, meaning: "the run's `/summary` \($0.name): " + metricMeaning($0.name)) })

    public static let sweepSummary = Table(name: "sweep_summary", rows: "one per (point, policy), in plan order", columns: [
        .init(name: "point", type: .uint32, unit: "sweep_points id", meaning: "grid point (an id of `sweep_points`)"),
        .init(name: "policy", type: .uint32, unit: "sweep_policies id", meaning: "policy (an id of `sweep_policies`)"),
        .init(name: "replications", type: .uint32, unit: "1", meaning: "runs summarised"),
    ] + sweepMetrics.flatMap { m -> [Column] in [
        .init(name: m.name + "_mean", type: .float64, unit: m.unit, meaning: "mean of \(m.name) over the replications"),
        .init(name: m.name + "_ci95", type: .float64, unit: m.unit, meaning: "half-width of its 95% Student-t interval (NaN with one replication)"),
    ] })

    /// The tables at the root of a sweep's file.
    public static let sweepTables: [Table] = [sweepRuns, sweepSummary]

    /// The tables and root attributes as Markdown (embedded in `docs/results-schema.md`).
    public static func markdown() -> String {
        var out = "## Root attributes\n\n| name | type | meaning |\n|---|---|---|\n"
        for a in rootAttributes { out += "| `\(a.name)` | \(a.type) | \(a.meaning) |\n" }
        for t in runTables + [access, elastic, pools, objects, storageTimeline] {
            out += "\n## `/<run>/\(t.name)` — \(t.rows)\n\n| field | type | unit | meaning |\n|---|---|---|---|\n"
            for c in t.columns { out += "| `\(c.name)` | \(c.type.rawValue) | \(c.unit) | \(c.meaning) |\n" }
            if !t.lookups.isEmpty {
                out += "\nLookup attributes (arrays of strings, index = code): "
                out += t.lookups.map { "`\($0.attribute)` (\($0.meaning))" }.joined(separator: ", ") + ".\n"
            }
        }
        out += "\n## Sweep files (`swarmlab sweep`, `sweeps.md`)\n\nRoot attributes, besides the ones above:\n\n| name | type | meaning |\n|---|---|---|\n"
        for a in sweepRootAttributes { out += "| `\(a.name)` | \(a.type) | \(a.meaning) |\n" }
        out += "\nAttributes of each run's group `/run-NNNN`:\n\n| name | type | meaning |\n|---|---|---|\n"
        for a in sweepRunAttributes { out += "| `\(a.name)` | \(a.type) | \(a.meaning) |\n" }
        for t in sweepTables {
            out += "\n### `/\(t.name)` — \(t.rows)\n\n| field | type | unit | meaning |\n|---|---|---|---|\n"
            for c in t.columns { out += "| `\(c.name)` | \(c.type.rawValue) | \(c.unit) | \(c.meaning) |\n" }
        }
        out += "\n## Size files (`swarmlab size`, `sizing.md`)\n\nRoot attributes, besides the provenance ones:\n\n| name | type | meaning |\n|---|---|---|\n"
        for a in sizeRootAttributes { out += "| `\(a.name)` | \(a.type) | \(a.meaning) |\n" }
        for t in sizeTables {
            out += "\n### `/\(t.name)` — \(t.rows)\n\n| field | type | unit | meaning |\n|---|---|---|---|\n"
            for c in t.columns { out += "| `\(c.name)` | \(c.type.rawValue) | \(c.unit) | \(c.meaning) |\n" }
        }
        return out
    }

    // MARK: Size files (`swarmlab size`, docs/sizing.md)

    /// Root attributes of a size file, besides the provenance ones.
    public static let sizeRootAttributes: [Attribute] = [
        .init(name: "size_axes", type: "string", meaning: "`axis_K: path` per axis, one per line (the `axis_K` columns of `/size_candidates`)"),
        .init(name: "size_policy", type: "string", meaning: "the policy every candidate ran under"),
        .init(name: "size_confidence", type: "float64", meaning: "level of each target's two-sided Student-t interval"),
        .init(name: "replications", type: "int64", meaning: "runs per candidate (replication r has seed `seed` + r for every candidate)"),
        .init(name: "size_answer", type: "string", meaning: "the cheapest candidate meeting every target, `path=value, …`; `none` when refused"),
    ]

    /// The tables of a size file. `/size_candidates` has one `axis_K` column per axis and three
    /// columns per target of the scenario (shown for a target METRIC).
    public static let sizeTables: [Table] = [
        Table(name: "size_candidates", rows: "one per candidate, in the order the search ran them", columns: [
            .init(name: "candidate", type: .uint32, unit: "1", meaning: "candidate number, from 0 (`/size_runs.candidate`)"),
            .init(name: "axis_K", type: .int64, unit: "1", meaning: "one column per axis (K from 0, `size_axes`): the field's value"),
            .init(name: "price", type: .float64, unit: "USD/h", meaning: "list price of the candidate's fleet (Σ count · class price; an axis's `unit_price`): the search's cost order"),
            .init(name: "replications", type: .uint32, unit: "1", meaning: "runs of the candidate (more than `replications` when `sizing.max_replications` let an undecided one grow)"),
            .init(name: "met", type: .float64, unit: "1", meaning: "1 if every target was met"),
            .init(name: "METRIC_mean", type: .float64, unit: "its unit", meaning: "per target: mean of METRIC over the replications"),
            .init(name: "METRIC_ci", type: .float64, unit: "its unit", meaning: "per target: half-width of its Student-t interval at `size_confidence` (NaN if a run had no value)"),
            .init(name: "METRIC_met", type: .float64, unit: "1", meaning: "per target: 1 if the whole interval is on the target's side of the limit"),
        ]),
        Table(name: "size_runs", rows: "one per run, by candidate then replication", columns: [
            .init(name: "candidate", type: .uint32, unit: "1", meaning: "the candidate (`/size_candidates.candidate`)"),
            .init(name: "replication", type: .uint32, unit: "1", meaning: "replication number, from 0"),
            .init(name: "seed", type: .int64, unit: "1", meaning: "the run's seed"),
        ] + RunTarget.Metric.allCases.map { m in
            .init(name: m.name, type: .float64, unit: m.unit, meaning: "the run's `/summary` \(m.name)")
        } + [
            .init(name: "settled", type: .float64, unit: "1", meaning: "1 if every task settled before the horizon (a makespan target needs it)"),
        ]),
    ]
}
