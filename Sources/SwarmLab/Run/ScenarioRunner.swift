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
        /// Money, energy and carbon over [0, duration]: provisioned time, egress, volunteer
        /// energy (`RunBill`).
        public var bill: RunBill
    }

    /// Runs each policy; `progress` gets a line per finished policy, and `live` (when given)
    /// a status line at most twice a second while a policy runs — simulated time reached,
    /// events/s, an estimate of the time left. `timelineInterval` sets the results file's
    /// timeline sampling (default: the scenario's `outputs.timeline_interval`).
    public static func run(_ scenario: Scenario, registry: PolicyRegistry = .builtin, resultsPath: String?,
                           timelineInterval: SimDuration? = nil,
                           progress: (String) -> Void = { _ in }, live: ((String) -> Void)? = nil) throws -> [PolicyResult] {
        try scenario.checkMemory()
        let writer = try resultsPath.map { p throws(ResultsError) in try ResultsWriter(path: p) }
        if let writer { try Provenance.write(to: writer, scenario: scenario) }
        // Fleet and tasks are built once and shared by the policies (each engine copies them).
        let model = try scenario.materialize()
        var results: [PolicyResult] = []
        let held = HeldTime()
        for name in scenario.policies {
            if let writer { try writer.createGroup(name) }
            let r = try runPolicy(scenario, policy: name, registry: registry, writer: writer, group: name,
                                  timelineInterval: timelineInterval, live: live, materialized: model, heldTime: held)
            progress("\(name): \(r.metrics.tasksDone) of \(r.tasks) tasks in \(String(format: "%.2f", r.wallSeconds)) s")
            results.append(r)
        }
        try writer?.setAttribute("wall_time", results.reduce(0) { $0 + $1.wallSeconds })
        try writer?.commit()
        return results
    }

    /// Runs `scenario` under one policy and, given a writer, writes its tables into `group`
    /// (which must exist). The fleet and tasks depend only on the scenario and its seed;
    /// `materialized`, when given, is that fleet and those tasks already built.
    public static func runPolicy(_ scenario: Scenario, policy name: String, registry: PolicyRegistry = .builtin,
                                 writer: ResultsWriter?, group: String, timelineInterval: SimDuration? = nil,
                                 live: ((String) -> Void)? = nil, materialized: MaterializedScenario? = nil,
                                 heldTime: HeldTime? = nil) throws -> PolicyResult {
        var run = try materialized ?? scenario.materialize()
        // Each run gets a fresh configuration: its latency jitter stream starts over.
        if materialized != nil { run.configuration = scenario.configuration(seed: run.seed) }
        let fleet = run.fleet, tasks = run.tasks
        let policy = try registry.make(name, context: run.policyContext)
        let start = monotonicSeconds()
        let engine = WorkEngine(fleet: fleet, tasks: tasks, policy: policy, seed: scenario.seed,
                                configuration: run.configuration, sim: Simulation(expectedPending: fleet.count))
        let horizon = SimTime.zero + .seconds(scenario.duration)
        // The results file's recorder watches the run (none when no file is written).
        let recorder = writer == nil ? nil : RunRecorder(engine: engine, horizon: .seconds(scenario.duration),
                                                            interval: timelineInterval ?? .seconds(scenario.outputs.timelineInterval))
        // The bill's meter: per-device busy time and bytes leaving each region.
        let meter = UsageMeter(engine: engine)
        var finished = false
        if let live {
            // Run in slices so a status line can be shown between them.
            var lastShown = start
            for k in 1...200 where !finished {
                finished = engine.run(until: SimTime(ticks: horizon.ticks / 200 * Int64(k)))
                let now = monotonicSeconds()
                if now - lastShown >= 0.5 {
                    lastShown = now
                    let rate = Double(engine.sim.eventsProcessed) / max(now - start, 1e-9)
                    let eta = (now - start) * Double(200 - k) / Double(k)
                    live("\(name): \(engine.sim.now) of \(SimDuration(seconds: scenario.duration)) simulated, "
                         + "\(formatRate(rate)) events/s, \(engine.metrics.tasksDone)/\(tasks.count) tasks, ~\(Int(eta.rounded())) s left")
                }
            }
            if !finished { finished = engine.run(until: horizon) }
        } else {
            finished = engine.run(until: horizon)
        }
        let wall = monotonicSeconds() - start
        meter.finish(at: engine.sim.now)
        // The fleet is held, and billed, for the whole duration: a run that stopped early
        // (its work settled) takes each device's online time over [0, duration] from its
        // availability timeline — the same for every policy, so walked once per scenario.
        var online = meter.onlineSeconds
        if engine.sim.now < horizon {
            if heldTime?.seconds == nil {
                heldTime?.seconds = RunBill.onlineSeconds(fleet: fleet, seed: scenario.seed, until: horizon)
            }
            online = heldTime?.seconds ?? RunBill.onlineSeconds(fleet: fleet, seed: scenario.seed, until: horizon)
        }
        let bill = RunBill.compute(fleet: fleet, onlineSeconds: online, busySeconds: meter.busySeconds,
                                   bytesLeaving: meter.billedBytesLeaving, tariffs: scenario.regionTariffs)
        if let writer, let recorder {
            try writer.write(run: engine, recorder: recorder, group: group, jobKinds: scenario.workloads.map(Provenance.kind(of:)),
                             bill: bill)
        }
        return PolicyResult(policy: name, metrics: engine.metrics, events: engine.sim.eventsProcessed,
                            wallSeconds: wall, finished: finished, tasks: tasks.count, bill: bill)
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
        return rows.map { row in row.enumerated().map { $1.padding(toLength: widths[$0] + 2, withPad: " ", startingAt: 0) }.joined() }
            .joined(separator: "\n")
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
        /// Scenario, seed, fleet and task counts, results path and one entry per policy.
        public var jsonObject: [String: Any]
    }

    /// Parses `path`, runs it and returns the summary to print.
    public static func runFile(_ path: String, output: String?, timelineInterval: Double? = nil, progress: (String) -> Void,
                               live: ((String) -> Void)? = nil) throws -> FileReport {
        let s = try load(path)
        try s.checkMemory()
        let resultsPath = output == "none" ? nil : (output ?? s.outputs.results)
        let results = try run(s, resultsPath: resultsPath, timelineInterval: timelineInterval.map { SimDuration(seconds: $0) },
                              progress: progress, live: live)
        let taskCount = results.first?.tasks ?? 0
        let devices = s.fleet.reduce(0) { $0 + $1.count }
        var text = "\n\(s.name): \(devices) devices, \(taskCount) tasks, "
        text += "\(SimDuration(seconds: s.duration)) simulated, seed \(s.seed)\n\n"
        text += summary(results) + "\n"
        if let p = resultsPath { text += "\nResults written to \(p)\n" }
        let json: [String: Any] = [
            "scenario": path, "name": s.name, "seed": s.seed, "devices": devices, "tasks": taskCount,
            "duration_s": s.duration, "results": resultsPath ?? NSNull(), "swarmlab_version": swarmlabVersion,
            "policies": results.map(jsonObject),
        ]
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
    public static func checkFile(_ path: String, explain: Bool = false) throws -> String {
        let s = try load(path)
        try s.checkMemory()
        do {
            if explain {
                return "# \(path), every default filled in; memory: \(s.memoryEstimate)\n" + s.explained
                    + "# The classes the fleet uses:\n" + s.classSummary + "\n"
            }
            var text = "\(path): ok — \(s.name): \(s.regions.count) regions, \(s.deviceCount) devices, "
                + "\(s.workloads.count) workloads (\(s.taskCount) tasks), \(SimDuration(seconds: s.duration)), policies \(s.policies.joined(separator: ", "))"
            if s.replications > 1 { text += ", \(s.replications) replications" }
            if !s.sweep.isEmpty { text += ", sweep over \(s.sweep.map(\.path).joined(separator: " × ")) (\(s.sweep.reduce(1) { $0 * $1.values.count }) points)" }
            return text + "\nmemory: \(s.memoryEstimate)\n"
        }
    }
}
