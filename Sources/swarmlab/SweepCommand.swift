import ArgumentParser
import Foundation
import Synchronization
import SwarmLab

struct SweepCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sweep",
        abstract: "Run a scenario's grid of sweep values × policies × replications and summarise with 95% CIs.",
        discussion: """
        The grid comes from the scenario's `sweep:` axes (field path → list of values), each point run under each \
        policy, `replications` times (replication r uses seed + r). Runs go to OUTPUT.parts/run-NNNN.h5 as they \
        finish; an interrupted sweep started again resumes from them. With --shard I/N only every N-th run from \
        the I-th (0-based) is run and nothing is joined — one shard per Slurm array task or Kubernetes Indexed Job \
        pod, sharing the parts folder; a last invocation without --shard joins them (docs/sweeps.md).
        """)

    @Argument(help: "Scenario file (YAML) with a `sweep:` section and/or `replications:`.") var scenario: String
    @Option(name: .long, help: "Results file (default: results/NAME-sweep.h5).") var output: String?
    @Option(name: .long, help: "Runs at once (default: the number of cores).") var jobs: Int?
    @Option(name: .long, help: "Replications per point and policy (default: the scenario's).") var replications: Int?
    @Option(name: .long, help: "Run only shard I of N (0-based), e.g. 3/10; join later without --shard.") var shard: String?
    @Flag(name: .long, help: "Print the summary as JSON on stdout.") var json = false
    @Flag(name: .long, help: "No progress on stderr.") var quiet = false
    @OptionGroup var paths: PathOptions
    // On a cluster (docs/cluster.md): SweepCommand+Cluster.swift.
    @Flag(name: .long, help: "Submit to Slurm: a job array (one task per shard) and a dependent join job; again after failures: only the shards with missing parts.") var slurm = false
    @Flag(name: .long, help: "Write Kubernetes manifests: an Indexed Job (one pod per shard) and a join Job, to OUTPUT.k8s/.") var k8s = false
    @Flag(name: .long, help: "With --slurm or --k8s: print the scripts or manifests, submit and write nothing.") var dryRun = false
    @Option(name: .long, help: "With --slurm or --k8s: number of shards (default: one per run, at most 100).") var shards: Int?
    @Option(name: .long, help: "With --slurm: the partition (default: the cluster's).") var partition: String?
    @Option(name: .long, help: "With --slurm: time limit of each task, e.g. 2:00:00.") var time: String?
    @Option(name: .long, help: "With --slurm or --k8s: CPUs of each shard (default 1), also its --jobs.") var cpusPerTask: Int?
    @Option(name: .long, help: "With --k8s: container image with swarmlab on its PATH.") var image: String?
    @Option(name: .long, help: "With --k8s: PersistentVolumeClaim holding the scenario and results, mounted at /data.") var volumeClaim: String?
    @Option(name: .long, help: "With --k8s: namespace of the Jobs.") var namespace: String?
    @Flag(name: .long, help: "Only join the parts of a sharded sweep; fail, naming them, when parts are missing (the cluster's join job).") var join = false

    func validate() throws {
        if let jobs, jobs < 1 { throw ValidationError("--jobs must be at least 1, found \(jobs)") }
        if let replications, replications < 1 { throw ValidationError("--replications must be at least 1, found \(replications)") }
        if shard != nil, parsedShard == nil { throw ValidationError("--shard expects I/N with 0 ≤ I < N, e.g. 3/10; found \(shard!)") }
        try validateCluster()
    }

    var parsedShard: (index: Int, count: Int)? { SlurmSubmit.parseShard(shard) }

    func run() throws {
        let s = try exitOnFailure { try ScenarioRunner.load(scenario, allowedPaths: paths.allowPaths) }
        var options = SweepRunner.Options(output: output ?? "results/\(s.name)-sweep.h5", shard: parsedShard, replications: replications)
        if let jobs { options.jobs = jobs }
        if slurm || k8s || join { return try runOnCluster(s, options: options) }
        // A line per finished run; in a log or a pipe, also a line every 10 s while runs are out.
        let progress = Progress(quiet: quiet)
        let counts = Mutex((done: 0, total: 0))
        let outcome = try exitOnFailure {
            try progress.whileRunning(status: {
                let c = counts.withLock { $0 }
                return "\(c.done) of \(c.total) runs done, \(Int(progress.elapsed.rounded())) s elapsed"
            }) {
                try SweepRunner.run(s, options: options) { done, total, line in
                    counts.withLock { $0 = (done, total) }
                    progress.line("[\(done)/\(total)] \(line)")
                }
            }
        }
        if json {
            var object: [String: Any] = ["scenario": scenario, "runs": outcome.results.count, "summary": outcome.summary.jsonObject()]
            object["output"] = outcome.output ?? NSNull()
            print(try jsonText(object))
            return
        }
        let shardNote = options.shard.map { " (shard \($0.index)/\($0.count); join with `swarmlab sweep \(scenario)` once all shards are done)" } ?? ""
        print("\n\(s.name): \(outcome.plan.points.count) point(s), \(outcome.results.count) run(s)\(shardNote)\n")
        print(outcome.summary.table())
        if let o = outcome.output { print("\nResults written to \(o)") }
    }
}
