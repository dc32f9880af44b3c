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
    }

    /// Runs each policy; `progress` gets a line per finished policy, and `live` (when given)
    /// a status line at most twice a second while a policy runs — simulated time reached,
    /// events/s, an estimate of the time left.
    public static func run(_ scenario: Scenario, registry: PolicyRegistry = .builtin, resultsPath: String?,
                           progress: (String) -> Void = { _ in }, live: ((String) -> Void)? = nil) throws -> [PolicyResult] {
        try scenario.checkMemory()
        let run = try scenario.materialize()
        let fleet = run.fleet, tasks = run.tasks
        let writer = try resultsPath.map { p throws(ResultsError) in try ResultsWriter(path: p) }
        try writer?.setAttribute("scenario", scenario.text)
        try writer?.setAttribute("seed", Int64(scenario.seed))
        try writer?.setAttribute("host", ProcessInfo.processInfo.hostName)
        try writer?.setAttribute("swarmlab_version", swarmlabVersion)
        var results: [PolicyResult] = []
        for name in scenario.policies {
            // Each policy gets a fresh configuration (its jitter stream starts over).
            let configuration = scenario.configuration(seed: scenario.seed)
            let policy = try registry.make(name, context: run.policyContext)
            let start = monotonicSeconds()
            let engine = WorkEngine(fleet: fleet, tasks: tasks, policy: policy, seed: scenario.seed,
                                    configuration: configuration, sim: Simulation(expectedPending: fleet.count))
            let horizon = SimTime.zero + .seconds(scenario.duration)
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
            progress("\(name): \(engine.metrics.tasksDone) of \(tasks.count) tasks in \(String(format: "%.2f", wall)) s")
            results.append(PolicyResult(policy: name, metrics: engine.metrics, events: engine.sim.eventsProcessed,
                                        wallSeconds: wall, finished: finished, tasks: tasks.count))
            if let w = writer {
                try w.createGroup(name)
                try w.write(run: engine, group: name)
            }
        }
        try writer?.setAttribute("wall_time", results.reduce(0) { $0 + $1.wallSeconds })
        try writer?.commit()
        return results
    }

    /// A table comparing the policies, for a terminal.
    public static func summary(_ results: [PolicyResult]) -> String {
        var rows = [["policy", "tasks done", "makespan", "P50", "P95", "P99", "wasted", "energy", "cloud cost", "wall"]]
        for r in results {
            let m = r.metrics
            rows.append([r.policy, "\(m.tasksDone)/\(r.tasks)", SimDuration(seconds: m.makespan).description,
                         SimDuration(seconds: m.p50.value.isNaN ? 0 : m.p50.value).description,
                         SimDuration(seconds: m.p95.value.isNaN ? 0 : m.p95.value).description,
                         SimDuration(seconds: m.p99.value.isNaN ? 0 : m.p99.value).description,
                         "\(fixed(m.wastedSeconds / 3600, 1)) h", "\(fixed(m.energyJoules / 3.6e6, 1)) kWh",
                         "$\(fixed(m.money, 2))", "\(fixed(r.wallSeconds, 2)) s"])
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

    /// Parses `path`, runs it and returns the summary to print.
    public static func runFile(_ path: String, output: String?, progress: (String) -> Void,
                               live: ((String) -> Void)? = nil) throws -> String {
        let s: Scenario
        do {
            s = try Scenario.read(path: path, policies: PolicyRegistry.builtin.entries.map(\.name))
            try s.checkMemory()
        } catch { throw FileError(description: error.description) }
        let resultsPath = output == "none" ? nil : (output ?? s.outputs.results)
        let results = try run(s, resultsPath: resultsPath, progress: progress, live: live)
        let taskCount = results.first?.tasks ?? 0
        var text = "\n\(s.name): \(s.fleet.reduce(0) { $0 + $1.count }) devices, \(taskCount) tasks, "
        text += "\(SimDuration(seconds: s.duration)) simulated, seed \(s.seed)\n\n"
        text += summary(results) + "\n"
        if let p = resultsPath { text += "\nResults written to \(p)\n" }
        return text
    }

    /// Parses `path` and says what it describes and the memory it needs (refusing it when
    /// that exceeds the machine's); with `explain`, the scenario with every default filled in.
    public static func checkFile(_ path: String, explain: Bool = false) throws -> String {
        let s: Scenario
        do {
            s = try Scenario.read(path: path, policies: PolicyRegistry.builtin.entries.map(\.name))
            try s.checkMemory()
        } catch {
            throw FileError(description: error.description)
        }
        do {
            if explain { return "# \(path), every default filled in; memory: \(s.memoryEstimate)\n" + s.explained }
            var text = "\(path): ok — \(s.name): \(s.regions.count) regions, \(s.deviceCount) devices, "
                + "\(s.workloads.count) workloads (\(s.taskCount) tasks), \(SimDuration(seconds: s.duration)), policies \(s.policies.joined(separator: ", "))"
            if s.replications > 1 { text += ", \(s.replications) replications" }
            if !s.sweep.isEmpty { text += ", sweep over \(s.sweep.map(\.path).joined(separator: " × ")) (\(s.sweep.reduce(1) { $0 * $1.values.count }) points)" }
            return text + "\nmemory: \(s.memoryEstimate)\n"
        }
    }
}
