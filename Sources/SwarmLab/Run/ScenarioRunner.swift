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
    /// events/s, an estimate of the time left. `timelineInterval` sets the results file's
    /// timeline sampling (default: from the duration, at most 2,000 samples).
    public static func run(_ scenario: Scenario, registry: PolicyRegistry = .builtin, resultsPath: String?,
                           timelineInterval: SimDuration? = nil,
                           progress: (String) -> Void = { _ in }, live: ((String) -> Void)? = nil) throws -> [PolicyResult] {
        let fleet = try Fleet(classes: DeviceClass.builtin, regions: scenario.regions, mix: scenario.fleet)
        var tasks = TaskTable()
        let streams = RandomStreams(seed: scenario.seed)
        for (job, w) in scenario.workloads.enumerated() { w.generate(into: &tasks, job: job, streams: streams) }
        let writer = try resultsPath.map { p throws(ResultsError) in try ResultsWriter(path: p) }
        if let w = writer { try Provenance.write(to: w, scenario: scenario) }
        let jobKinds = scenario.workloads.map(Provenance.kind(of:))
        var results: [PolicyResult] = []
        for name in scenario.policies {
            let context = PolicyContext(streams: streams)
            let policy = try registry.make(name, context: context)
            let start = monotonicSeconds()
            let engine = WorkEngine(fleet: fleet, tasks: tasks, policy: policy, seed: scenario.seed,
                                    configuration: .init(heartbeatTimeout: .seconds(scenario.heartbeatTimeout)),
                                    sim: Simulation(expectedPending: fleet.count))
            let horizon = SimTime.zero + .seconds(scenario.duration)
            // The results file's recorder watches the run (none when no file is written).
            let recorder = writer == nil ? nil : RunRecorder(engine: engine, horizon: .seconds(scenario.duration), interval: timelineInterval)
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
            if let w = writer, let recorder {
                try w.createGroup(name)
                try w.write(run: engine, recorder: recorder, group: name, jobKinds: jobKinds)
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
    public static func runFile(_ path: String, output: String?, timelineInterval: Double? = nil, progress: (String) -> Void,
                               live: ((String) -> Void)? = nil) throws -> String {
        let s: Scenario
        do { s = try Scenario.read(path: path, policies: PolicyRegistry.builtin.entries.map(\.name)) }
        catch { throw FileError(description: error.description) }
        let resultsPath = output == "none" ? nil : (output ?? "results/\(s.name).h5")
        let results = try run(s, resultsPath: resultsPath, timelineInterval: timelineInterval.map { SimDuration(seconds: $0) }, progress: progress, live: live)
        let taskCount = results.first?.tasks ?? 0
        var text = "\n\(s.name): \(s.fleet.reduce(0) { $0 + $1.count }) devices, \(taskCount) tasks, "
        text += "\(SimDuration(seconds: s.duration)) simulated, seed \(s.seed)\n\n"
        text += summary(results) + "\n"
        if let p = resultsPath { text += "\nResults written to \(p)\n" }
        return text
    }

    /// Seconds of a `--timeline-interval` value such as "10s" or "2min"; a clear error if it
    /// is not a positive duration.
    public static func timelineInterval(_ text: String) throws -> Double {
        let seconds: Double
        do { seconds = try UnitParser.duration(text) } catch { throw FileError(description: "--timeline-interval: \(error.description)") }
        guard seconds > 0 else { throw FileError(description: "--timeline-interval must be positive (got \(text))") }
        return seconds
    }

    /// Parses `path` and says what it describes.
    public static func checkFile(_ path: String) throws -> String {
        do {
            let s = try Scenario.read(path: path, policies: PolicyRegistry.builtin.entries.map(\.name))
            return "\(path): ok — \(s.name): \(s.regions.count) regions, \(s.fleet.reduce(0) { $0 + $1.count }) devices, "
                + "\(s.workloads.count) workloads, \(SimDuration(seconds: s.duration)), policies \(s.policies.joined(separator: ", "))"
        } catch {
            throw FileError(description: error.description)
        }
    }
}
