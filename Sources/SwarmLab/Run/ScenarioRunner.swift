import Foundation
import SwarmKernel
import SwarmModel
import SwarmPolicies
import SwarmResults
import SwarmScenario

/// Runs a scenario once per policy it names, on the same fleet, tasks and seed, and writes
/// one results file with a group per policy.
public enum ScenarioRunner {
    public struct PolicyResult: Sendable {
        public var policy: String
        public var metrics: RunMetrics
        public var events: UInt64
        public var wallSeconds: Double
        public var finished: Bool
        /// Tasks the scenario's workloads generated.
        public var tasks: Int
        /// The run's seed, and its replication number (from 0: the index of the seed in the
        /// scenario's `seeds`).
        public var seed: UInt64
        public var replication: Int = 0
        /// Money, energy and carbon over [0, duration]: provisioned time, egress, volunteer
        /// energy (`RunBill`).
        public var bill: RunBill
        /// Each elastic pool's bill and moves (empty without pools).
        public var pools: [PoolBill] = []
        /// The `storage` section's outcome (nil without one).
        public var storage: StorageReport? = nil
    }

    /// Runs each policy under each of the scenario's seeds (`seeds`, or `seed`, `seed + 1`, …
    /// for `replications`); `progress` gets a line per finished run, and `live` (when given)
    /// a status line at most twice a second while a policy runs — simulated time reached,
    /// events/s, an estimate of the time left. `timelineInterval` sets the results file's
    /// timeline sampling (default: the scenario's `outputs.timeline_interval`).
    ///
    /// With one seed the results file has a group per policy; with several it has the layout
    /// of a sweep's file (`runReplications`). A scenario with `sweep` axes is refused: it is
    /// `swarmlab sweep`'s to run.
    ///
    /// `threads` is how many threads one run uses: 2 records the run for its results file on a
    /// second thread beside the engine (`RecordPipe`), 1 records inline; the results are
    /// bit-identical either way. nil: `defaultThreads`.
    public static func run(_ scenario: Scenario, registry: PolicyRegistry = .builtin, resultsPath: String?,
                           timelineInterval: SimDuration? = nil, threads: Int? = nil,
                           progress: (String) -> Void = { _ in }, live: ((String) -> Void)? = nil) throws -> [PolicyResult] {
        try refuseSweep(scenario)
        try scenario.checkMemory()
        let threads = threads ?? defaultThreads
        if scenario.seeds.count > 1 {
            return try runReplications(scenario, registry: registry, resultsPath: resultsPath, timelineInterval: timelineInterval,
                                       threads: threads, progress: progress, live: live)
        }
        let writer = try resultsPath.map { p throws(ResultsError) in try ResultsWriter(path: p) }
        if let writer { try Provenance.write(to: writer, scenario: scenario) }
        // Fleet and tasks are built once and shared by the policies (each engine copies them).
        let model = try scenario.materialize()
        var results: [PolicyResult] = []
        let held = HeldTime()
        for name in scenario.policies {
            if let writer { try writer.createGroup(name) }
            let r = try runPolicy(scenario, policy: name, registry: registry, writer: writer, group: name,
                                  timelineInterval: timelineInterval, threads: threads, live: live, materialized: model, heldTime: held)
            progress("\(name): \(r.metrics.tasksDone) of \(r.tasks) tasks in \(String(format: "%.2f", r.wallSeconds)) s")
            results.append(r)
        }
        try writer?.setAttribute("wall_time", results.reduce(0) { $0 + $1.wallSeconds })
        try writer?.commit()
        return results
    }

    /// Runs `scenario` under one policy — `name` is a label of its `policies` (the entry's
    /// parameters apply) or a bare registered name — and, given a writer, writes its tables into `group`
    /// (which must exist). The fleet and tasks depend only on the scenario and its seed;
    /// `materialized`, when given, is that fleet and those tasks already built. With `threads`
    /// ≥ 2 and a writer, the recorder runs on a second thread (`RecordPipe`); sweeps, which
    /// already run points in parallel, keep the default of 1.
    public static func runPolicy(_ scenario: Scenario, policy name: String, registry: PolicyRegistry = .builtin,
                                 writer: ResultsWriter?, group: String, timelineInterval: SimDuration? = nil,
                                 threads: Int = 1,
                                 live: ((String) -> Void)? = nil, materialized: MaterializedScenario? = nil,
                                 heldTime: HeldTime? = nil) throws -> PolicyResult {
        var run = try materialized ?? scenario.materialize()
        // Each run gets a fresh configuration: its latency jitter stream starts over.
        if materialized != nil { run.configuration = scenario.configuration(seed: run.seed) }
        let fleet = run.fleet, tasks = run.tasks
        // `name` is a `policies` label: the entry's policy with the parameters the file gave it.
        let policy = try registry.make(scenario.policyChoice(name), context: run.policyContext)
        let start = monotonicSeconds()
        let engine = WorkEngine(fleet: fleet, tasks: tasks, policy: policy, seed: scenario.seed,
                                configuration: run.configuration, sim: Simulation(expectedPending: fleet.count))
        let horizon = SimTime.zero + .seconds(scenario.duration)
        // Stored objects some tasks read share the run's simulation (`input_object`), and so do
        // their repairs when transfers are flows on a shared network.
        let sharedStorage = attachStorage(scenario, to: engine, fleet: fleet, seed: scenario.seed, latency: run.latency,
                                          sharedNetwork: run.configuration.network != nil)
        // The results file's recorder watches the run (none when no file is written).
        // With two threads the engine only copies each record into a `RecordPipe` chunk; the
        // recorder applies them on the second thread, in the same order.
        let recorder = writer == nil ? nil : RunRecorder(engine: engine, horizon: .seconds(scenario.duration),
                                                            interval: timelineInterval ?? .seconds(scenario.outputs.timelineInterval),
                                                            observe: threads < 2)
        let pipe = recorder.flatMap { r in threads < 2 ? nil : RecordPipe(consume: r.record) }
        if let pipe { engine.addObserver(pipe.send) }
        // Every record applied before anything reads the recorder, and the thread ended on any exit.
        defer { pipe?.finish() }
        // With two threads, the held time (below) is walked on the second core while the
        // engine runs — it depends only on the fleet and the seed — and finished on both
        // after; dropped if the run reaches the horizon (nothing left to walk then).
        let walk = threads >= 2 && heldTime?.seconds == nil && fleet.count >= 2 * RunBill.onlineBlock
            ? OnlineWalk(fleet: fleet, seed: scenario.seed, until: horizon) : nil
        walk?.startHelper()
        var walkUsed = false
        defer { if !walkUsed { walk?.cancel() } }
        // The bill's meter: per-device busy time and bytes leaving each region.
        let meter = UsageMeter(engine: engine)
        var finished = false
        if let live {
            // Run in slices so a status line can be shown between them.
            var lastShown = start
            // A run whose work is over may still be scaling its pools down.
            var over = false
            for k in 1...200 where !over {
                finished = engine.run(until: SimTime(ticks: horizon.ticks / 200 * Int64(k)))
                over = finished && engine.elasticPools?.quiescent ?? true
                let now = monotonicSeconds()
                if now - lastShown >= 0.5 {
                    lastShown = now
                    let rate = Double(engine.sim.eventsProcessed) / max(now - start, 1e-9)
                    let eta = (now - start) * Double(200 - k) / Double(k)
                    live("\(name): \(engine.sim.now) of \(SimDuration(seconds: scenario.duration)) simulated, "
                         + "\(formatRate(rate)) events/s, \(engine.metrics.tasksDone)/\(tasks.count) tasks, ~\(Int(eta.rounded())) s left")
                }
            }
            if !over { finished = engine.run(until: horizon) }
        } else {
            finished = engine.run(until: horizon)
        }
        // The recorder has every record before anything reads it (the wall time includes the wait).
        pipe?.finish()
        let wall = monotonicSeconds() - start
        // The work's figures now: a shared storage engine runs the simulation on afterwards.
        let workMetrics = engine.metrics, workEvents = engine.sim.eventsProcessed
        meter.finish(at: engine.sim.now)
        // The fleet is held, and billed, for the whole duration: a run that stopped early
        // (its work settled) takes each device's online time over [0, duration] from its
        // availability timeline — the same for every policy, so walked once per scenario.
        var online = meter.onlineSeconds
        if engine.sim.now < horizon {
            // Devices' timelines are independent: walked on `threads` threads, same bits.
            var walked: [Double]?
            if let walk { walked = walk.finish(); walkUsed = true }
            if heldTime?.seconds == nil {
                heldTime?.seconds = walked ?? RunBill.onlineSeconds(fleet: fleet, seed: scenario.seed, until: horizon, threads: threads)
            }
            online = heldTime?.seconds ?? walked ?? RunBill.onlineSeconds(fleet: fleet, seed: scenario.seed, until: horizon, threads: threads)
        }
        // A pool's devices are online while up, not over their class's timeline; what is
        // provisioned when the run stops is held, and billed, until the horizon.
        var poolBills: [PoolBill] = []
        if let elastic = engine.elasticPools {
            poolBills = elastic.bills(until: horizon)
            let first = elastic.pools[0].firstDevice
            for (s, seconds) in elastic.upSeconds(until: horizon).enumerated() { online[first + s] = seconds }
        }
        let bill = RunBill.compute(fleet: fleet, onlineSeconds: online, busySeconds: meter.busySeconds,
                                   bytesLeaving: meter.billedBytesLeaving, tariffs: scenario.regionTariffs,
                                   pools: engine.elasticPools?.pools ?? [], poolBills: poolBills)
        if let writer, let recorder {
            try writer.write(run: engine, recorder: recorder, group: group, jobKinds: scenario.workloads.map(Provenance.kind(of:)),
                             bill: bill, targets: scenario.targets, duration: scenario.duration)
            try writer.writeAccess(tenants: scenario.tenants, ownership: run.ownership, refused: scenario.access, group: group)
            if let elastic = engine.elasticPools { try writer.writeElastic(elastic, bills: poolBills, group: group) }
        }
        var storage: StorageReport?
        if let shared = sharedStorage {
            shared.run(until: horizon)   // on after the work settled, to the horizon
            storage = report(shared, spec: scenario.storage!, wallSeconds: 0)
        } else {
            storage = runStorage(scenario, fleet: fleet, seed: scenario.seed, latency: run.latency)
        }
        if let writer, let storage {
            try writer.writeStorage(objects: storage.objects, timeline: storage.timeline,
                                    kinds: scenario.storage!.objects.map(\.name), group: group)
        }
        return PolicyResult(policy: name, metrics: workMetrics, events: workEvents,
                            wallSeconds: wall, finished: finished, tasks: tasks.count, seed: scenario.seed, bill: bill,
                            pools: poolBills, storage: storage)
    }

    /// Each device's online seconds over a scenario's whole duration, computed by the first
    /// policy run that needs them and shared with the next (availability does not depend on
    /// the policy).
    public final class HeldTime {
        public var seconds: [Double]?
        public init() {}
    }

    /// A table comparing the policies, for a terminal.
    public static func summary(_ results: [PolicyResult]) -> String {
        var rows = [["policy", "tasks done", "makespan", "P50", "P95", "P99", "wasted", "energy", "cloud cost", "CO2", "wall"]]
        for r in results {
            let m = r.metrics
            rows.append([r.policy, "\(m.tasksDone)/\(r.tasks)", SimDuration(seconds: m.makespan).description,
                         SimDuration(seconds: m.p50.value.isNaN ? 0 : m.p50.value).description,
                         SimDuration(seconds: m.p95.value.isNaN ? 0 : m.p95.value).description,
                         SimDuration(seconds: m.p99.value.isNaN ? 0 : m.p99.value).description,
                         "\(fixed(m.wastedSeconds / 3600, 1)) h", "\(fixed(m.energyJoules / 3.6e6, 1)) kWh",
                         "$\(fixed(r.bill.cloudUSD, 2))", "\(fixed(r.bill.carbonGrams / 1000, 1)) kg",
                         "\(fixed(r.wallSeconds, 2)) s"])
        }
        let widths = rows[0].indices.map { c in rows.map { $0[c].count }.max()! }
        var table = rows.map { row in row.enumerated().map { $1.padding(toLength: widths[$0] + 2, withPad: " ", startingAt: 0) }.joined() }
            .joined(separator: "\n")
        if let unplaceable = results.map(\.metrics.tasksUnplaceable).max(), unplaceable > 0 {
            table += "\nwarning: \(unplaceable) tasks need more memory than any device of the fleet holds: dropped at the start, never run (tasks_unplaceable)"
        }
        return table
    }
}

/// This build's version, recorded in every results file.
public let swarmlabVersion = "0.1.0"

extension ScenarioRunner {
    /// What went wrong with a scenario file, ready to print.
    public struct FileError: Error, CustomStringConvertible { public var description: String }

    /// What `runFile` did: the table to print, and the same as JSON.
    public struct FileReport {
        public var text: String
        /// Scenario, seeds, fleet and task counts, results path and one entry per policy: its
        /// metrics with one seed; with several, each metric's mean and 95% interval (and every
        /// run under `runs`).
        public var jsonObject: [String: Any]
    }

    /// Parses `path`, runs it and returns the summary to print.
    /// `threads`: as `run(_:…)`'s (nil: `defaultThreads`).
    public static func runFile(_ path: String, output: String?, timelineInterval: Double? = nil, allowedPaths: [String] = [],
                               threads: Int? = nil,
                               progress: (String) -> Void, live: ((String) -> Void)? = nil) throws -> FileReport {
        let s = try load(path, allowedPaths: allowedPaths)
        try s.checkMemory()
        let resultsPath = output == "none" ? nil : (output ?? s.outputs.results)
        let results = try run(s, resultsPath: resultsPath, timelineInterval: timelineInterval.map { SimDuration(seconds: $0) },
                              threads: threads, progress: progress, live: live)
        let taskCount = results.first?.tasks ?? 0
        let devices = s.fleet.reduce(0) { $0 + $1.count }
        var text = "\n\(s.name): \(devices) devices, \(taskCount) tasks, \(SimDuration(seconds: s.duration)) simulated, "
        var json: [String: Any] = [
            "scenario": path, "name": s.name, "seed": s.seed, "seeds": s.seeds, "devices": devices, "tasks": taskCount,
            "duration_s": s.duration, "results": resultsPath ?? NSNull(), "swarmlab_version": swarmlabVersion,
        ]
        if s.seeds.count == 1 {
            text += "seed \(s.seed)\n\n" + summary(results) + "\n" + poolSummary(results)
            if let storage = results.first?.storage { text += storageSummary(storage) }
            json["policies"] = results.map(jsonObject)
        } else {
            // Several seeds: per policy, the mean and 95% interval over the runs; each run in "runs".
            let stats = replicationSummary(replicationPlan(s), results)
            text += "seeds \(s.seeds.map(String.init).joined(separator: ", ")): mean ± 95% CI half-width over \(s.seeds.count) runs per policy\n\n"
            text += replicationTable(stats) + "\n"
            json["policies"] = stats.jsonObject().map { row in row.filter { $0.key != "point" } }
            json["runs"] = results.map { r in jsonObject(r).merging(["seed": r.seed, "replication": r.replication]) { $1 } }
        }
        text += targetLines(s, results)
        if !s.targets.isEmpty { json["targets"] = targetJSON(s, results) }
        if !s.accessNotes.isEmpty {
            // Refused actions are part of the outcome: say them, and count them in the JSON.
            text += "\nRefused by the tenants' roles:\n" + s.accessNotes.map { "  \($0)\n" }.joined()
        }
        json["refused_actions"] = s.tenants.indices.flatMap { k in
            Permission.allCases.compactMap { p -> [String: Any]? in
                let n = s.access.refused(p, to: k)
                return n == 0 ? nil : ["tenant": s.tenants[k].name, "action": p.rawValue, "count": n]
            }
        }
        if let p = resultsPath { text += "\nResults written to \(p)\n" }
        return FileReport(text: text, jsonObject: json)
    }

    /// Seconds of a `--timeline-interval` value such as "10s" or "2min"; a clear error if it
    /// is not a positive duration.
    public static func timelineInterval(_ text: String) throws -> Double {
        let seconds: Double
        do { seconds = try UnitParser.duration(text) } catch { throw FileError(description: "--timeline-interval: \(error.description)") }
        guard seconds > 0 else { throw FileError(description: "--timeline-interval must be positive (got \(text))") }
        return seconds
    }

    /// Parses `path` and says what it describes and the memory it needs (refusing it when
    /// that exceeds the machine's); with `explain`, the scenario with every default filled in.
    public static func checkFile(_ path: String, explain: Bool = false, allowedPaths: [String] = []) throws -> String {
        let s = try load(path, allowedPaths: allowedPaths)
        try s.checkMemory()
        do {
            if explain {
                return "# \(path), every default filled in; memory: \(s.memoryEstimate)\n" + s.explained
                    + "# The classes the fleet uses:\n" + s.classSummary + "\n"
            }
            var text = "\(path): ok — \(s.name): \(s.regions.count) regions, \(s.deviceCount) devices, "
                + "\(s.workloads.count) workloads (\(s.taskCount) tasks), \(SimDuration(seconds: s.duration)), policies \(s.policies.joined(separator: ", "))"
            if s.replications > 1 { text += ", \(s.replications) replications" }
            if !s.pools.isEmpty { text += ", elastic pools " + s.pools.map { "\($0.name) (\($0.minSize)…\($0.maxSize))" }.joined(separator: ", ") }
            if s.access.total > 0 { text += ", \(s.access.total) action(s) refused by the tenants' roles" }
            if !s.targets.isEmpty { text += ", targets \(s.targets.map { "\($0.metric.name) \($0.relation) \(formatTarget($0.metric, $0.limit))" }.joined(separator: ", "))" }
            if let z = s.sizing { text += ", sizing over \(z.axes.map { "\($0.path) \($0.values[0])…\($0.values.last!)" }.joined(separator: " × ")) (`swarmlab size`)" }
            if !s.sweep.isEmpty { text += ", sweep over \(s.sweep.map(\.path).joined(separator: " × ")) (\(s.sweep.reduce(1) { $0 * $1.values.count }) points)" }
            text += "\nmemory: \(s.memoryEstimate)\n"
            // Tasks no device can hold are dropped by the run: say so before it (a scenario
            // of millions of tasks is not generated twice just for this).
            if s.taskCount <= 2_000_000 {
                for u in s.unplaceableTasks() {
                    text += "warning: workloads[\(u.workload)]: \(u.tasks) tasks need \(formatBytes(u.largestWorkingSet)) in memory, more than any device of the fleet holds; the run drops them (tasks_unplaceable)\n"
                }
            }
            return text + s.accessNotes.map { "refused: \($0)\n" }.joined()
        }
    }
}
