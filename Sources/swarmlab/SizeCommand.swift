import ArgumentParser
import Foundation
import SwarmLab

struct SizeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "size",
        abstract: "Find the cheapest fleet (over the scenario's `sizing` axes) that meets every one of its `targets`.",
        discussion: """
        Each candidate runs `sizing.replications` times with the same seeds (common random numbers); it meets a target \
        when the target's Student-t interval at `sizing.confidence` lies wholly on the right side. One axis: bracketing \
        by doubling, then bisection; several: cost-ordered search by list price. Progress on stderr; runs go to \
        OUTPUT.parts as they finish, so an interrupted search started again resumes from them. A target no \
        configuration within the axes' bounds meets is refused (exit 1), naming it and the best value reached \
        (docs/sizing.md). On Slurm (--slurm): a job array whose tasks walk the search in lockstep, each running \
        its share of every candidate's replications, and a join that writes OUTPUT (docs/cluster.md).
        """)

    @Argument(help: "Scenario file (YAML) with `targets:` and `sizing:` sections.") var scenario: String
    @Option(name: .long, help: "Results file of every candidate (default: results/NAME-size.h5).") var output: String?
    @Option(name: .long, help: "Replications of a candidate run at once (default: the number of cores).") var jobs: Int?
    @Option(name: .long, help: "Replications per candidate (default: the scenario's sizing.replications).") var replications: Int?
    @Flag(name: .long, help: "Print the answer as JSON on stdout.") var json = false
    @Flag(name: .long, help: "No progress on stderr.") var quiet = false
    @OptionGroup var paths: PathOptions
    // On a cluster (docs/cluster.md): SizeCommand+Cluster.swift.
    @Flag(name: .long, help: "Submit to Slurm: a job array (shards walking the search in lockstep) and a dependent join job.") var slurm = false
    @Flag(name: .long, help: "With --slurm: print the scripts, submit nothing.") var dryRun = false
    @Option(name: .long, help: "With --slurm: number of shards (default and most: the replications per candidate).") var shards: Int?
    @Option(name: .long, help: "With --slurm: the partition (default: the cluster's).") var partition: String?
    @Option(name: .long, help: "With --slurm: time limit of each task, e.g. 2:00:00.") var time: String?
    @Option(name: .long, help: "With --slurm: CPUs of each shard (default 1), also its --jobs.") var cpusPerTask: Int?
    @Option(name: .long, help: "Run only shard I of N (0-based): replications r ≡ I (mod N) of each candidate; what a Slurm array task runs.") var shard: String?
    @Flag(name: .long, help: "Only join a sharded search's parts into OUTPUT; fail, naming it, when a part is missing (the cluster's join job).") var join = false

    func validate() throws {
        if let jobs, jobs < 1 { throw ValidationError("--jobs must be at least 1, found \(jobs)") }
        if let replications, replications < 2 { throw ValidationError("--replications must be at least 2 (an interval needs two), found \(replications)") }
        try validateCluster()
    }

    func run() throws {
        let s = try exitOnFailure { try ScenarioRunner.load(scenario, allowedPaths: paths.allowPaths) }
        var options = SizingRunner.Options(output: output ?? "results/\(s.name)-size.h5", replications: replications)
        if let jobs { options.jobs = jobs }
        if slurm || join || shard != nil { return try runOnCluster(s, options: options) }
        // A line per candidate; in a log or a pipe, also one every 10 s while a candidate runs.
        let outcome = try exitOnFailure {
            try Progress(quiet: quiet).reportingLines { line in try SizingRunner.run(s, options: options, progress: line) }
        }
        print(json ? try jsonText(outcome.jsonObject) : "\n\(s.name): " + outcome.text, terminator: json ? "\n" : "")
    }
}
