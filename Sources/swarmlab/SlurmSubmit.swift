import ArgumentParser
import Foundation
import SwarmLab

/// `--slurm` of the sharded commands (`sweep`, `size`): prints or submits what
/// `ShardedCommand.slurmStep` decided, and records the job ids (docs/cluster.md).
enum SlurmSubmit {
    static func perform(_ step: ShardedCommand.SlurmStep, output: String, shardCount: Int, dryRun: Bool) throws {
        switch step {
        case .alreadyJoined:
            print("\(output) is already joined: nothing to submit")
        case .stillQueued(let jobs):
            FileHandle.standardError.write(Data("error: the last submission is still queued or running (job state):\n  \(jobs.joined(separator: "\n  "))\nwait for it, or `scancel` it, then submit again\n".utf8))
            throw ExitCode(Exit.failure)
        case .submit(let submission):
            let what = submission.shards.isEmpty ? "every part is done: only the join"
                : "\(submission.shards.count) of \(shardCount) shard(s) (array \(SlurmSubmission.arraySpec(submission.shards)))"
            if dryRun {
                if !submission.shards.isEmpty { print("# \(submission.arrayScriptPath)\n" + submission.arrayScript()) }
                print("# \(submission.joinScriptPath) (sbatch --dependency=afterok:ARRAY --kill-on-invalid-dep=yes)\n" + submission.joinScript())
                print("# dry run: would submit \(what)")
                return
            }
            let submitted = try exitOnFailure { try submission.submit() }
            try exitOnFailure { try ShardedCommand.record(submitted, of: submission) }
            if let array = submitted.arrayJob { print("Submitted \(what): job array \(array)") }
            print("Join job \(submitted.joinJob) writes \(output) once the array succeeds; logs in \(submission.directory)/")
            print("Follow with `squeue -j \(([submitted.arrayJob, submitted.joinJob].compactMap { $0 }).joined(separator: ","))`; "
                  + "after a failure run this command again: it submits only the shards with missing parts.")
        }
    }

    /// The running `swarmlab`, which the Slurm scripts call (on a file system the nodes share).
    static var executablePath: String {
        if let target = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") { return target }
        return Bundle.main.executablePath ?? CommandLine.arguments[0]
    }

    /// `I/N` with 0 ≤ I < N, as `--shard` takes it.
    static func parseShard(_ text: String?) -> (index: Int, count: Int)? {
        guard let parts = text?.split(separator: "/"), parts.count == 2,
              let i = Int(parts[0]), let n = Int(parts[1]), n >= 1, (0..<n).contains(i) else { return nil }
        return (i, n)
    }
}
