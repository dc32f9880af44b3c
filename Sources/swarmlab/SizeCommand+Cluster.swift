import ArgumentParser
import Foundation
import SwarmLab
import SwarmScenario

/// `swarmlab size --slurm | --shard I/N | --join`: the search on a cluster (docs/cluster.md).
extension SizeCommand {
    func validateCluster() throws {
        if shard != nil, SlurmSubmit.parseShard(shard) == nil { throw ValidationError("--shard expects I/N with 0 ≤ I < N, e.g. 1/3; found \(shard!)") }
        if (slurm || join) && shard != nil { throw ValidationError("--shard is for one task; --slurm and --join handle every shard") }
        if join && slurm { throw ValidationError("--join is what the cluster's join job runs; give it alone") }
        if let shards, shards < 1 { throw ValidationError("--shards must be at least 1, found \(shards)") }
        if let cpusPerTask, cpusPerTask < 1 { throw ValidationError("--cpus-per-task must be at least 1, found \(cpusPerTask)") }
        if !slurm && (dryRun || partition != nil || time != nil || cpusPerTask != nil) {
            throw ValidationError("--dry-run, --partition, --time and --cpus-per-task go with --slurm")
        }
        if shards != nil && !(slurm || join) { throw ValidationError("--shards goes with --slurm or --join") }
    }

    func runOnCluster(_ s: Scenario, options: SizingRunner.Options) throws {
        if let (index, count) = SlurmSubmit.parseShard(shard) {
            var o = options
            o.shard = (index, count)
            let walked = try exitOnFailure {
                try Progress(quiet: quiet).reportingLines { line in try SizingRunner.runShard(s, options: o, progress: line) }
            }
            print("shard \(index)/\(count): \(walked) candidate(s) walked; parts in \(options.output).parts (join with `swarmlab size \(scenario) --join`)")
            return
        }
        if join {
            let outcome = try exitOnFailure {
                try Progress(quiet: quiet).reportingLines { line in try SizingRunner.join(s, options: options, progress: line) }
            }
            guard let outcome else { print("\(options.output) is already joined"); return }
            print(json ? try jsonText(outcome.jsonObject) : "\n\(s.name): " + outcome.text, terminator: json ? "\n" : "")
            return
        }
        // More shards than replications would leave shards with nothing of their own to run.
        let most = SizingRunner.replications(s, requested: replications)
        let count = min(shards ?? most, most)
        let job = SizingRunner.job(name: s.name, executable: SlurmSubmit.executablePath, scenarioPath: scenario, output: options.output,
                                   replications: replications, allowPaths: paths.allowPaths, shardCount: count, threads: cpusPerTask ?? 1)
        let step = try exitOnFailure {
            try SizingRunner.slurmStep(s, job: job, output: options.output,
                                       options: SlurmOptions(partition: partition, time: time, cpusPerTask: cpusPerTask), checkQueue: !dryRun)
        }
        try SlurmSubmit.perform(step, output: options.output, shardCount: count, dryRun: dryRun)
    }
}
