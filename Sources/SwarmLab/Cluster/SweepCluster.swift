import Foundation
import SwarmModel
import SwarmResults
import SwarmScenario

/// A sweep on a cluster: its `ShardedJob` (each shard `swarmlab sweep … --shard I/N` into the
/// shared parts folder, the join `swarmlab sweep … --join`), which shards still have to run,
/// and the join that refuses to finish while a part is missing.
///
/// Whether a run is done is read from the parts folder itself (a part exists only once
/// complete: `SweepRunner` writes it to a temporary file and renames it), so a new
/// invocation after failed array tasks submits exactly the shards with a missing part.
public enum SweepCluster {
    /// The join found runs without a part: it names them and their shards, and joins nothing.
    public struct MissingParts: Error, CustomStringConvertible {
        public var runs: [SweepRun]
        public var parts: String
        /// The shards those runs belong to, when the sweep was sharded in `shardCount`.
        public var shardCount: Int?
        public var description: String {
            let names = runs.prefix(20).map { "\($0.group).h5" }.joined(separator: ", ") + (runs.count > 20 ? ", …" : "")
            var text = "cannot join: \(runs.count) part(s) missing in \(parts): \(names)"
            if let n = shardCount {
                let shards = Array(Set(runs.map { $0.index % n })).sorted().map(String.init).joined(separator: ", ")
                text += " (shard(s) \(shards) of \(n))"
            }
            return text + "; run the missing shards again (`swarmlab sweep … --slurm` submits only those)"
        }
    }

    /// The runs of `plan` whose part file in `output`.parts is missing or cannot be read.
    public static func missingRuns(_ plan: SweepPlan, output: String) -> [SweepRun] {
        let parts = output + ".parts"
        return plan.runs.filter { run in
            let path = SweepRunner.partPath(parts, run)
            return !FileManager.default.fileExists(atPath: path) || (try? ResultsReader(path: path)) == nil
        }
    }

    /// Renames the parts that exist but cannot be read to `run-NNNN.h5.unreadable` (the sweep
    /// would refuse them) so that their shard runs them again; returns their paths.
    public static func setAsideUnreadableParts(_ plan: SweepPlan, output: String) -> [String] {
        let parts = output + ".parts"
        return plan.runs.compactMap { run in
            let path = SweepRunner.partPath(parts, run)
            guard FileManager.default.fileExists(atPath: path), (try? ResultsReader(path: path)) == nil else { return nil }
            try? FileManager.default.removeItem(atPath: path + ".unreadable")
            return (try? FileManager.default.moveItem(atPath: path, toPath: path + ".unreadable")) != nil ? path : nil
        }
    }

    /// Whether `output` already is this sweep's joined file (same scenario text, every run).
    public static func isJoined(_ scenario: Scenario, plan: SweepPlan, output: String) -> Bool {
        guard let reader = try? ResultsReader(path: output), reader.string("scenario") == scenario.text,
              let shape = try? reader.tableShape("sweep_runs") else { return false }
        return shape.rows == plan.runs.count
    }

    /// The shards of `shardCount` with at least one missing part (all of them for a new sweep).
    public static func shardsToRun(_ plan: SweepPlan, shardCount: Int, output: String) -> [Int] {
        Array(Set(missingRuns(plan, output: output).map { $0.index % shardCount })).sorted()
    }

    /// Joins a sharded sweep's parts into `options.output` — only joins: when a part is
    /// missing it throws `MissingParts` naming them and runs nothing. Returns nil when the
    /// output is already joined (the join ran before).
    public static func join(_ scenario: Scenario, registry: PolicyRegistry = .builtin, options: SweepRunner.Options,
                            shardCount: Int? = nil) throws -> SweepRunner.Outcome? {
        let plan = SweepPlan(scenario, replications: options.replications)
        let parts = options.output + ".parts"
        if isJoined(scenario, plan: plan, output: options.output) && !FileManager.default.fileExists(atPath: parts) { return nil }
        let missing = missingRuns(plan, output: options.output)
        guard missing.isEmpty else { throw MissingParts(runs: missing, parts: parts, shardCount: shardCount) }
        var whole = options
        whole.shard = nil
        return try SweepRunner.run(scenario, registry: registry, options: whole)
    }

    /// The sweep as a sharded job (`ShardedCommand.job`): `swarmlab sweep … --shard I/N` per
    /// shard, `swarmlab sweep … --join` to join; `allowPaths` passed on to both.
    public static func job(name: String, executable: String, scenarioPath: String, output: String,
                           replications: Int?, allowPaths: [String] = [], shardCount: Int, threads: Int) -> ShardedJob {
        ShardedCommand.job(command: "sweep", name: name, executable: executable, scenarioPath: scenarioPath, output: output,
                           options: replications.map { ["--replications", String($0)] } ?? [], allowPaths: allowPaths,
                           shardCount: shardCount, threads: threads)
    }

    /// What `swarmlab sweep --slurm` has to do for a sweep.
    public typealias SlurmStep = ShardedCommand.SlurmStep

    /// Decides what to submit (`ShardedCommand.slurmStep`): nothing when joined or still
    /// queued, else the shards whose parts are missing or unreadable (after failed array
    /// tasks, only those) and the join.
    public static func slurmStep(_ scenario: Scenario, job: ShardedJob, output: String, replications: Int?,
                                 options: SlurmOptions, checkQueue: Bool = true) throws -> SlurmStep {
        let plan = SweepPlan(scenario, replications: replications)
        return try ShardedCommand.slurmStep(
            job: job, output: output, options: options, checkQueue: checkQueue,
            isJoined: { isJoined(scenario, plan: plan, output: output) && !FileManager.default.fileExists(atPath: output + ".parts") },
            setAside: { _ = setAsideUnreadableParts(plan, output: output) },
            shardsToRun: { shardsToRun(plan, shardCount: job.shardCount, output: output) })
    }

    /// Records a submission's job ids (`ShardedCommand.record`).
    public static func record(_ submitted: SlurmSubmission.Submitted, of submission: SlurmSubmission) throws {
        try ShardedCommand.record(submitted, of: submission)
    }

    static func absolute(_ path: String) -> String {
        path.hasPrefix("/") ? path : FileManager.default.currentDirectoryPath + "/" + path
    }
}
