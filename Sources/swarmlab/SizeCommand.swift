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
        (docs/sizing.md).
        """)

    @Argument(help: "Scenario file (YAML) with `targets:` and `sizing:` sections.") var scenario: String
    @Option(name: .long, help: "Results file of every candidate (default: results/NAME-size.h5).") var output: String?
    @Option(name: .long, help: "Replications of a candidate run at once (default: the number of cores).") var jobs: Int?
    @Option(name: .long, help: "Replications per candidate (default: the scenario's sizing.replications).") var replications: Int?
    @Flag(name: .long, help: "Print the answer as JSON on stdout.") var json = false
    @Flag(name: .long, help: "No progress on stderr.") var quiet = false

    func validate() throws {
        if let jobs, jobs < 1 { throw ValidationError("--jobs must be at least 1, found \(jobs)") }
        if let replications, replications < 2 { throw ValidationError("--replications must be at least 2 (an interval needs two), found \(replications)") }
    }

    func run() throws {
        let s = try exitOnFailure { try ScenarioRunner.load(scenario) }
        var options = SizingRunner.Options(output: output ?? "results/\(s.name)-size.h5", replications: replications)
        if let jobs { options.jobs = jobs }
        // A line per candidate; in a log or a pipe, also one every 10 s while a candidate runs.
        let outcome = try exitOnFailure {
            try Progress(quiet: quiet).reportingLines { line in try SizingRunner.run(s, options: options, progress: line) }
        }
        print(json ? try jsonText(outcome.jsonObject) : "\n\(s.name): " + outcome.text, terminator: json ? "\n" : "")
    }
}
