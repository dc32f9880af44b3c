import Foundation

/// What `sweep --slurm` and `size --slurm` share: the `swarmlab` command lines of a sharded
/// job (each shard `swarmlab COMMAND SCENARIO … --shard I/N`, the join `… --join`), and the
/// decision of what to submit — nothing when the output is joined or the last submission is
/// still queued, else the shards that still have work and a join depending on them.
///
/// Each sharded command says only what is its own: its subcommand and options, whether its
/// output is joined, which shards still have work, and how to set unreadable parts aside.
public enum ShardedCommand {
    /// What `--slurm` has to do for a sharded command.
    public enum SlurmStep: Sendable {
        /// The output is already joined: nothing to submit.
        case alreadyJoined
        /// A previous submission still has jobs queued or running (`squeue` lines).
        case stillQueued([String])
        /// Submit this: the shards with work left (none: only the join), then the join.
        case submit(SlurmSubmission)
    }

    /// The sharded job of `swarmlab COMMAND SCENARIO`. `executable` is the `swarmlab` the
    /// nodes run; paths are made absolute (the nodes may start elsewhere). `options` go to
    /// both the shards and the join (e.g. `--replications 3`); every folder of `allowPaths`
    /// is passed on as `--allow-paths DIR` (absolute), so the shards read what the user
    /// allowed. Each shard runs `threads` runs at once (`--jobs`, what its task was given).
    public static func job(command: String, name: String, executable: String, scenarioPath: String, output: String,
                           options: [String] = [], allowPaths: [String] = [], shardCount: Int, threads: Int) -> ShardedJob {
        let scenario = absolute(scenarioPath), out = absolute(output)
        let common = ["--output", out] + options + allowPaths.flatMap { ["--allow-paths", absolute($0)] }
        return ShardedJob(
            name: ShardedJob.dnsLabel("swarmlab-\(command)-" + name),
            shardCount: shardCount,
            shardCommand: [executable, command, scenario] + common
                + ["--shard", "\(ShardedJob.shardPlaceholder)/\(shardCount)", "--jobs", String(threads), "--quiet"],
            joinCommand: [executable, command, scenario] + common + ["--join", "--shards", String(shardCount), "--quiet"])
    }

    /// Decides what to submit for `job`, whose results go to `output`. `isJoined`: the output
    /// is complete (nothing to do). With `checkQueue` (false for a dry run): ask `squeue`
    /// about the last submission (OUTPUT.slurm/submitted) and run `setAside` (unreadable
    /// parts moved away so that their shards run again) before `shardsToRun` is asked.
    public static func slurmStep(job: ShardedJob, output: String, options: SlurmOptions, checkQueue: Bool,
                                 isJoined: () -> Bool, setAside: () -> Void = {}, shardsToRun: () -> [Int]) throws -> SlurmStep {
        let directory = absolute(output) + ".slurm"
        if isJoined() { return .alreadyJoined }
        if checkQueue, let last = try? String(contentsOfFile: directory + "/submitted", encoding: .utf8) {
            let ids = last.split(whereSeparator: \.isWhitespace).map(String.init)
            let active = try SlurmSubmission.active(ids)
            if !active.isEmpty { return .stillQueued(active) }
        }
        if checkQueue { setAside() }
        return .submit(SlurmSubmission(job: job, options: options, shards: shardsToRun(), directory: directory))
    }

    /// Records a submission's job ids (OUTPUT.slurm/submitted) so the next invocation waits for them.
    public static func record(_ submitted: SlurmSubmission.Submitted, of submission: SlurmSubmission) throws {
        try ([submitted.arrayJob, submitted.joinJob].compactMap { $0 }.joined(separator: " ") + "\n")
            .write(toFile: submission.directory + "/submitted", atomically: true, encoding: .utf8)
    }

    static func absolute(_ path: String) -> String {
        path.hasPrefix("/") ? path : FileManager.default.currentDirectoryPath + "/" + path
    }
}
