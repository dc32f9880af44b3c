import Foundation

/// What a Slurm job asks for beyond the defaults of the cluster (`sbatch` options).
public struct SlurmOptions: Sendable, Equatable {
    /// `--partition`; nil: the cluster's default partition.
    public var partition: String?
    /// `--time` of each array task and of the join (Slurm's formats, e.g. `2:00:00`).
    public var time: String?
    /// `--cpus-per-task` of each array task; the shard uses that many threads.
    public var cpusPerTask: Int?
    public init(partition: String? = nil, time: String? = nil, cpusPerTask: Int? = nil) {
        self.partition = partition; self.time = time; self.cpusPerTask = cpusPerTask
    }
}

/// A `ShardedJob` as a Slurm job array (one task per shard to run, the task id being the
/// shard index) and a join job that starts only when every task succeeded
/// (`--dependency=afterok:ARRAY --kill-on-invalid-dep=yes`: a failed task cancels the join
/// instead of leaving it pending forever).
///
/// The scripts and the tasks' logs go to `directory` (on a file system the nodes share).
public struct SlurmSubmission: Sendable {
    public var job: ShardedJob
    public var options: SlurmOptions
    /// The shard indexes to run: all of them, or on a new invocation only those whose output
    /// is missing.
    public var shards: [Int]
    /// Where the scripts are written and the tasks' logs go.
    public var directory: String
    /// The folder the jobs start in (`--chdir`).
    public var workingDirectory: String

    public init(job: ShardedJob, options: SlurmOptions, shards: [Int], directory: String,
                workingDirectory: String = FileManager.default.currentDirectoryPath) {
        self.job = job; self.options = options; self.shards = shards; self.directory = directory
        self.workingDirectory = workingDirectory
    }

    /// The job ids `sbatch` gave.
    public struct Submitted: Sendable, Equatable {
        /// nil when no shard had to run (only the join was submitted).
        public var arrayJob: String?
        public var joinJob: String
    }

    /// A failed `sbatch` (or missing Slurm), with what it printed.
    public struct Failure: Error, CustomStringConvertible { public var description: String }

    public var arrayScriptPath: String { directory + "/shards.sbatch" }
    public var joinScriptPath: String { directory + "/join.sbatch" }

    /// `--array` of a list of indexes, ranges compressed: `[0, 1, 2, 5, 7, 8]` → `0-2,5,7-8`.
    public static func arraySpec(_ indexes: [Int]) -> String {
        let sorted = Array(Set(indexes)).sorted()
        var parts: [String] = []
        var i = 0
        while i < sorted.count {
            var j = i
            while j + 1 < sorted.count && sorted[j + 1] == sorted[j] + 1 { j += 1 }
            parts.append(i == j ? "\(sorted[i])" : "\(sorted[i])-\(sorted[j])")
            i = j + 1
        }
        return parts.joined(separator: ",")
    }

    private func header(name: String, output: String) -> [String] {
        var lines = ["#!/bin/bash", "#SBATCH --job-name=\(name)", "#SBATCH --output=\(output)", "#SBATCH --chdir=\(workingDirectory)"]
        if let p = options.partition { lines.append("#SBATCH --partition=\(p)") }
        if let t = options.time { lines.append("#SBATCH --time=\(t)") }
        return lines
    }

    /// The array's batch script: one task per shard in `shards`, task id = shard index.
    public func arrayScript() -> String {
        var lines = header(name: job.name, output: directory + "/shard-%a.out")
        lines.append("#SBATCH --array=\(Self.arraySpec(shards))")
        if let c = options.cpusPerTask { lines.append("#SBATCH --cpus-per-task=\(c)") }
        lines += ["# Shard $SLURM_ARRAY_TASK_ID of \(job.shardCount); written by swarmlab (docs/cluster.md).",
                  "set -e",
                  "exec " + ShardedJob.shellLine(job.shardCommand, shardVariable: "SLURM_ARRAY_TASK_ID")]
        return lines.joined(separator: "\n") + "\n"
    }

    /// The join's batch script (its dependency on the array is given to `sbatch` at submission).
    public func joinScript() -> String {
        var lines = header(name: job.name + "-join", output: directory + "/join.out")
        lines += ["# Joins the \(job.shardCount) shards once every array task succeeded; written by swarmlab (docs/cluster.md).",
                  "set -e",
                  "exec " + ShardedJob.shellLine(job.joinCommand)]
        return lines.joined(separator: "\n") + "\n"
    }

    /// Writes both scripts and submits them: the array first, then the join depending on it
    /// (with no shard to run, the join alone).
    public func submit(sbatch: String = "sbatch") throws -> Submitted {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        try joinScript().write(toFile: joinScriptPath, atomically: true, encoding: .utf8)
        guard !shards.isEmpty else { return Submitted(arrayJob: nil, joinJob: try Self.run(sbatch, ["--parsable", joinScriptPath])) }
        try arrayScript().write(toFile: arrayScriptPath, atomically: true, encoding: .utf8)
        let array = try Self.run(sbatch, ["--parsable", arrayScriptPath])
        let join = try Self.run(sbatch, ["--parsable", "--dependency=afterok:\(array)", "--kill-on-invalid-dep=yes", joinScriptPath])
        return Submitted(arrayJob: array, joinJob: join)
    }

    /// Job ids among `ids` that Slurm still has queued or running (`squeue`), with their state.
    public static func active(_ ids: [String], squeue: String = "squeue") throws -> [String] {
        guard !ids.isEmpty else { return [] }
        let out = try run(squeue, ["-h", "-o", "%i %T", "-j", ids.joined(separator: ",")], allowFailure: true)
        return out.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }

    /// Runs a Slurm client command and returns its trimmed stdout; `sbatch --parsable` prints
    /// `ID` or `ID;CLUSTER`, of which the id is kept.
    static func run(_ tool: String, _ arguments: [String], allowFailure: Bool = false) throws -> String {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = [tool] + arguments
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        do { try p.run() } catch { throw Failure(description: "cannot start \(tool): \(error)") }
        let stdout = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        let stderr = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        if p.terminationStatus != 0 && !allowFailure {
            let hint = p.terminationStatus == 127 ? " (is Slurm installed? `scripts/slurm-local start` gives a one-node Slurm)" : ""
            throw Failure(description: "\(tool) \(arguments.joined(separator: " ")) failed (exit \(p.terminationStatus))\(hint): "
                          + stderr.trimmingCharacters(in: .whitespacesAndNewlines))
        }
        let text = stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        return tool.hasSuffix("sbatch") ? String(text.split(separator: ";").first ?? "") : text
    }
}
