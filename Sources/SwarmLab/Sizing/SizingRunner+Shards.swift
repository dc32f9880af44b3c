import Foundation
import SwarmResults
import SwarmScenario

/// `swarmlab size` on a cluster (`docs/cluster.md`): a job array whose tasks walk the search
/// in lockstep, and a join.
///
/// The search is sequential — the next candidate depends on the last one's verdict — but a
/// candidate's replications are independent. Shard I of N runs replications r ≡ I (mod N) of
/// each candidate into the shared parts folder, then reads the other shards' parts of that
/// candidate back as they appear. Every shard takes the same decisions from the same runs
/// (the search is deterministic), so all walk the same candidates, each running 1/N of the
/// runs. A shard waiting on a part that does not come (its shard failed) runs it itself after
/// `awaitPart`'s patience, so one failed task delays the search but cannot stall it. The join
/// (`--join`) walks the search once more reading parts only, writes the results file and
/// removes the parts; a missing part makes it fail, naming it. Shards never write the
/// results file and a refusal (no configuration meets) is the join's to report.
extension SizingRunner {
    /// A part the join needed and did not find.
    public struct MissingPart: Error, CustomStringConvertible {
        public var path: String
        public var point: String
        public var replication: Int
        public var description: String {
            "cannot join: part \(path) (replication \(replication + 1) of \(point)) is missing; "
                + "run the size shards again (`swarmlab size … --slurm` submits them), finished parts are read back"
        }
    }

    /// Runs one shard of the search (`options.shard`): its replications of every candidate the
    /// search visits, the others read back from the parts folder. Writes no results file and
    /// keeps the parts. Returns how many candidates it walked.
    public static func runShard(_ scenario: Scenario, registry: PolicyRegistry = .builtin, options: Options,
                                progress: Progress = { _ in }) throws -> Int {
        precondition(options.shard != nil, "runShard needs options.shard")
        let setup = try Setup(scenario, options: options)
        return try search(setup, registry: registry, options: options, parts: options.output + ".parts", progress: progress).candidates.count
    }

    /// Joins a sharded search: `run` reading parts only (a missing one throws `MissingPart`).
    /// Returns nil when `options.output` is already joined (the join ran before).
    public static func join(_ scenario: Scenario, registry: PolicyRegistry = .builtin, options: Options,
                            progress: Progress = { _ in }) throws -> Outcome? {
        if isJoined(scenario, output: options.output) { return nil }
        var o = options
        o.shard = nil
        o.joinOnly = true
        return try run(scenario, registry: registry, options: o, progress: progress)
    }

    /// Whether `output` is this search's results file and its parts are gone (joined).
    public static func isJoined(_ scenario: Scenario, output: String) -> Bool {
        guard !FileManager.default.fileExists(atPath: output + ".parts"),
              let reader = try? ResultsReader(path: output) else { return false }
        return reader.string("scenario") == scenario.text
    }

    /// The sharded job of a search (`ShardedCommand.job`); `replications` and `allowPaths`
    /// passed on to every shard and the join.
    public static func job(name: String, executable: String, scenarioPath: String, output: String, replications: Int?,
                           allowPaths: [String] = [], shardCount: Int, threads: Int) -> ShardedJob {
        ShardedCommand.job(command: "size", name: name, executable: executable, scenarioPath: scenarioPath, output: output,
                           options: replications.map { ["--replications", String($0)] } ?? [], allowPaths: allowPaths,
                           shardCount: shardCount, threads: threads)
    }

    /// What `swarmlab size --slurm` submits: nothing when joined or still queued, else every
    /// shard (which candidates the search visits is known only by walking it; a shard
    /// resubmitted after a failure reads its finished parts back) and the join.
    public static func slurmStep(_ scenario: Scenario, job: ShardedJob, output: String, options: SlurmOptions,
                                 checkQueue: Bool = true) throws -> ShardedCommand.SlurmStep {
        try ShardedCommand.slurmStep(job: job, output: output, options: options, checkQueue: checkQueue,
                                     isJoined: { isJoined(scenario, output: output) },
                                     shardsToRun: { Array(0..<job.shardCount) })
    }

    /// How many replications a candidate starts with (the most useful number of shards).
    public static func replications(_ scenario: Scenario, requested: Int?) -> Int {
        requested ?? scenario.sizing?.replications ?? 2
    }
}

extension SizingRunner.Setup {
    /// Whether this invocation runs replication `r` itself (unsharded: every one).
    func isMine(_ r: Int) -> Bool {
        guard let shard, !joinOnly else { return !joinOnly }
        return r % shard.count == shard.index
    }
}

extension SizingRunner {
    /// A shard waits for another shard's part at `path`: until it exists, or for at most
    /// 60 s + 3 × `ownSeconds` (what its own replications of this candidate took: the others
    /// run alongside and take as long), after which the caller runs it itself. The join and
    /// an unsharded search do not wait.
    static func awaitPart(_ path: String, setup: Setup, ownSeconds: Double) {
        guard setup.shard != nil, !setup.joinOnly else { return }
        let deadline = monotonicSeconds() + 60 + 3 * ownSeconds
        while !FileManager.default.fileExists(atPath: path) && monotonicSeconds() < deadline {
            Thread.sleep(forTimeInterval: 0.2)
        }
    }
}
