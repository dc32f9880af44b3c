import Foundation
import Synchronization
import SwarmModel
import SwarmPolicies
import SwarmResults
import SwarmScenario

/// Runs a sweep: every run of a `SweepPlan`, several at once, each into its own part file
/// (`OUTPUT.parts/run-0007.h5`, written to a temporary file and renamed), then joins the parts
/// into `OUTPUT` with a `/sweep_runs` table and a `/sweep_summary` table of means and 95% intervals.
///
/// Why part files: a sweep interrupted after hours resumes from the runs it finished (a part
/// that exists is complete, because it appears only by rename); and the same mechanism splits a
/// sweep over machines — each Slurm array task or Kubernetes Indexed Job pod runs one shard into
/// the shared parts folder, and a last `swarmlab sweep` without `--shard` finds every part done
/// and only joins them. Each run is a pure function of its scenario point, policy and seed, so
/// the datasets are the same whatever the number of parallel jobs or shards.
public enum SweepRunner {
    public struct Options: Sendable {
        /// Runs at once (threads); default: the number of cores.
        public var jobs: Int
        /// The joined results file.
        public var output: String
        /// Run only shard `index` of `count` and do not join (see `SweepPlan.shard`).
        public var shard: (index: Int, count: Int)?
        /// Replications per (point, policy); nil: the scenario's.
        public var replications: Int?
        public init(jobs: Int = ProcessInfo.processInfo.activeProcessorCount, output: String,
                    shard: (index: Int, count: Int)? = nil, replications: Int? = nil) {
            self.jobs = jobs; self.output = output; self.shard = shard; self.replications = replications
        }
    }

    /// What a sweep did.
    public struct Outcome: Sendable {
        public var plan: SweepPlan
        /// Runs this invocation covered (its shard, or all), finished now or resumed.
        public var results: [SweepRunResult]
        /// The summary over `results`; complete only for a whole sweep.
        public var summary: SweepSummary
        /// The joined file, when the whole sweep is done (nil for a shard).
        public var output: String?
    }

    /// A run that failed, with the reason (the other runs go on; the sweep reports all).
    public struct RunFailure: Error, CustomStringConvertible {
        public var failures: [(run: SweepRun, message: String)]
        public var description: String {
            "\(failures.count) run(s) failed:\n" + failures.map { "  \($0.run.group) (point \($0.run.point), \($0.run.policy), replication \($0.run.replication)): \($0.message)" }
                .joined(separator: "\n")
        }
    }

    /// Progress after each finished run: runs done, runs in total, and a one-line status.
    public typealias Progress = @Sendable (_ done: Int, _ total: Int, _ line: String) -> Void

    /// Runs the sweep `scenario` describes.
    public static func run(_ scenario: Scenario, registry: PolicyRegistry = .builtin, options: Options,
                           progress: Progress = { _, _, _ in }) throws -> Outcome {
        let plan = SweepPlan(scenario, replications: options.replications)
        let mine = options.shard.map { plan.shard($0.index, of: $0.count) } ?? plan.runs
        // Every point is checked before anything runs: a value invalid at one point, or a
        // point too big for this machine, is reported at once rather than hours in.
        var points: [Int: Scenario] = [:]
        var largest = 0.0
        for k in Set(mine.map(\.point)).sorted() {
            let point = try scenario.with(plan.points[k].map { (path: $0.path, value: $0.value) })
            try point.checkMemory()
            largest = max(largest, point.memoryEstimate.total)
            points[k] = point
        }
        let pointScenarios = points
        // As many runs at once as fit in memory beside each other.
        let fitting = max(1, Int(physicalMemoryBytes() / max(largest, 1)))
        let parts = options.output + ".parts"
        try FileManager.default.createDirectory(atPath: parts, withIntermediateDirectories: true)

        let state = Mutex(Shared())
        let start = monotonicSeconds()
        let workers = max(1, min(options.jobs, mine.count, fitting))
        if workers < min(options.jobs, mine.count) {
            progress(0, mine.count, "running \(workers) at once, not \(options.jobs): the largest point needs about "
                     + "\(Int(largest / 1_048_576)) MiB and this machine has \(Int(physicalMemoryBytes() / 1_073_741_824)) GiB")
        }
        DispatchQueue.concurrentPerform(iterations: workers) { _ in
            while true {
                let next: SweepRun? = state.withLock { s in
                    guard s.next < mine.count else { return nil }
                    defer { s.next += 1 }
                    return mine[s.next]
                }
                guard let run = next else { return }
                let outcome: Result<SweepRunResult, Error> = Result { try runOne(run, of: plan, scenario: scenario, point: pointScenarios[run.point]!,
                                                                                   registry: registry, parts: parts) }
                let line: (Int, String) = state.withLock { s in
                    s.done += 1
                    switch outcome {
                    case .success(let r):
                        s.results.append(r)
                        if !r.resumed { s.fresh += 1 }
                        let elapsed = monotonicSeconds() - start
                        let eta = s.fresh > 0 ? elapsed / Double(s.fresh) * Double(mine.count - s.done) / Double(workers) : 0
                        let what = r.resumed ? "already done" : "\(fixed(r.wallSeconds, 2)) s"
                        return (s.done, "\(run.group) \(plan.describe(point: run.point)), \(run.policy), replication \(run.replication): \(what)"
                                + (s.done < mine.count ? "; ~\(Int(eta.rounded())) s left" : ""))
                    case .failure(let e):
                        s.failures.append((run, "\(e)"))
                        return (s.done, "\(run.group): failed: \(e)")
                    }
                }
                progress(line.0, mine.count, line.1)
            }
        }
        let finished = state.withLock { $0 }
        if !finished.failures.isEmpty {
            throw RunFailure(failures: finished.failures.sorted { $0.run.index < $1.run.index })
        }
        let results = finished.results.sorted { $0.run.index < $1.run.index }
        let summary = SweepSummary(plan: plan, results: results)
        guard options.shard == nil else { return Outcome(plan: plan, results: results, summary: summary, output: nil) }
        try join(plan: plan, scenario: scenario, results: results, summary: summary, parts: parts, into: options.output)
        return Outcome(plan: plan, results: results, summary: summary, output: options.output)
    }

    struct Shared: Sendable {
        var next = 0
        var done = 0
        /// Runs finished by this invocation (not resumed from parts): the basis of the estimate.
        var fresh = 0
        var results: [SweepRunResult] = []
        var failures: [(run: SweepRun, message: String)] = []
    }

    static func partPath(_ parts: String, _ run: SweepRun) -> String { "\(parts)/\(run.group).h5" }

    /// Runs one point (or reads it back when its part file exists) and returns its metrics.
    ///
    /// A part's root attributes are the sweep's (its scenario text, base seed), so parts join;
    /// the run's own scenario point, seed, policy and replication are attributes of its group.
    static func runOne(_ run: SweepRun, of plan: SweepPlan, scenario: Scenario, point: Scenario, registry: PolicyRegistry,
                       parts: String) throws -> SweepRunResult {
        let path = partPath(parts, run)
        if FileManager.default.fileExists(atPath: path) {
            let reader = try ResultsReader(path: path)
            let group = "/" + run.group
            guard reader.string("scenario") == scenario.text, reader.attribute("seed", on: group) == .int(Int64(bitPattern: run.seed)),
                  reader.attribute("policy", on: group) == .string(run.policy) else {
                throw ScenarioRunner.FileError(description: "\(path) belongs to another sweep (delete \(parts) to start over)")
            }
            return SweepRunResult(run: run, values: try metrics(reader, group: run.group), wallSeconds: 0, resumed: true)
        }
        var point = point
        point.seed = run.seed
        let writer = try ResultsWriter(path: path)
        try Provenance.write(to: writer, scenario: scenario)
        try createRunGroup(run, of: plan, scenarioText: point.text, in: writer)
        // A point that sets a policy's parameters (`policies[0].parameters.choices`) relabels it:
        // run the point's own entry at the same position.
        let label = scenario.policies.firstIndex(of: run.policy).flatMap { $0 < point.policies.count ? point.policies[$0] : nil } ?? run.policy
        let result = try ScenarioRunner.runPolicy(point, policy: label, registry: registry, writer: writer, group: run.group)
        try writer.setAttribute("wall_time", result.wallSeconds)
        try writer.commit()
        return SweepRunResult(run: run, values: try metrics(try ResultsReader(path: path), group: run.group),
                              wallSeconds: result.wallSeconds, resumed: false)
    }

    /// The sweep metrics of `group/summary` in a results file.
    static func metrics(_ reader: ResultsReader, group: String) throws -> [Double] {
        try sweepMetrics.map { try reader.column("\(group)/summary", $0.name).first ?? .nan }
    }

    /// Joins the part files into `output` with the `/sweep_runs` and `/sweep_summary` tables, then removes
    /// the parts.
    static func join(plan: SweepPlan, scenario: Scenario, results: [SweepRunResult], summary: SweepSummary,
                     parts: String, into output: String) throws {
        let extra = try ResultsWriter(path: output + ".sweep-tables.h5")
        try Provenance.write(to: extra, scenario: scenario)
        try writeSweepTables(plan: plan, results: results, summary: summary, to: extra)
        try extra.commit()
        defer { try? FileManager.default.removeItem(atPath: output + ".sweep-tables.h5") }
        _ = try ResultsMerge.merge(into: output, shards: [output + ".sweep-tables.h5"] + results.map { partPath(parts, $0.run) })
        try FileManager.default.removeItem(atPath: parts)
    }

    /// Creates run `run`'s group (`/run-NNNN`) with the attributes of `ResultsSchema.sweepRunAttributes`.
    static func createRunGroup(_ run: SweepRun, of plan: SweepPlan, scenarioText: String, in writer: ResultsWriter) throws(ResultsError) {
        try writer.createGroup(run.group)
        let group = "/" + run.group
        try writer.setAttribute("scenario", scenarioText, on: group)
        try writer.setAttribute("seed", Int64(bitPattern: run.seed), on: group)
        try writer.setAttribute("policy", run.policy, on: group)
        try writer.setAttribute("replication", Int64(run.replication), on: group)
        try writer.setAttribute("sweep_point", plan.describe(point: run.point), on: group)
    }

    /// Writes the sweep root attributes (`ResultsSchema.sweepRootAttributes`) and the
    /// `/sweep_runs` and `/sweep_summary` tables of `results` into `extra`. Used by sweeps and
    /// by `swarmlab run` with several seeds, so both write one layout.
    static func writeSweepTables(plan: SweepPlan, results: [SweepRunResult], summary: SweepSummary,
                                 to extra: ResultsWriter) throws(ResultsError) {
        let policies = Array(Set(plan.runs.map(\.policy))).sorted()
        try extra.setAttribute("sweep_points", (0..<plan.points.count).map { "\($0): \(plan.describe(point: $0))" }.joined(separator: "\n"))
        try extra.setAttribute("sweep_policies", policies.enumerated().map { "\($0): \($1)" }.joined(separator: "\n"))
        try extra.setAttribute("replications", Int64(plan.replications))
        var runColumns: [ResultsColumn] = [
            .uint32("run", results.map { UInt32($0.run.index) }, units: "1"),
            .uint32("point", results.map { UInt32($0.run.point) }, units: "sweep_points id"),
            .uint32("policy", results.map { UInt32(policies.firstIndex(of: $0.run.policy)!) }, units: "sweep_policies id"),
            .uint32("replication", results.map { UInt32($0.run.replication) }, units: "1"),
            .int64("seed", results.map { Int64(bitPattern: $0.run.seed) }, units: "1"),
        ]
        for (m, spec) in sweepMetrics.enumerated() { runColumns.append(.double(spec.name, results.map { $0.values[m] }, units: spec.unit)) }
        try extra.writeTable(ResultsSchema.sweepRuns, in: nil, runColumns)
        var summaryColumns: [ResultsColumn] = [
            .uint32("point", summary.rows.map { UInt32($0.point) }, units: "sweep_points id"),
            .uint32("policy", summary.rows.map { UInt32(policies.firstIndex(of: $0.policy)!) }, units: "sweep_policies id"),
            .uint32("replications", summary.rows.map { UInt32($0.replications) }, units: "1"),
        ]
        for (m, spec) in sweepMetrics.enumerated() {
            summaryColumns.append(.double(spec.name + "_mean", summary.rows.map { $0.mean[m] }, units: spec.unit))
            summaryColumns.append(.double(spec.name + "_ci95", summary.rows.map { $0.halfWidth[m] }, units: spec.unit))
        }
        try extra.writeTable(ResultsSchema.sweepSummary, in: nil, summaryColumns)
    }
}
