import ArgumentParser
import Foundation
import SwarmLab

struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run a scenario under each of its policies and compare them.",
        discussion: """
        Without a scenario, runs scenarios/quickstart.yaml. Results go to results/NAME.h5. \
        Each policy runs under every seed (`seeds`, or `seed` and `replications`); with several \
        seeds the summary gives each policy's mean and 95% confidence interval, and the file \
        has a sweep's layout. A scenario with a `sweep` is refused: use `swarmlab sweep`. \
        Exit codes: 0 done, 1 a run failed, 64 bad usage, 65 invalid scenario, 66 unreadable file, \
        69 needs more memory than this machine has, 74 results file not written.
        """)

    @Argument(help: "Scenario file (YAML).") var scenario: String = "scenarios/quickstart.yaml"
    @Option(name: .long, help: "Results file (default: results/NAME.h5; 'none' to skip).") var output: String?
    @Option(name: .long, help: "Timeline sampling interval in the results file, e.g. 10s (default: the scenario's outputs.timeline_interval, 1min).")
    var timelineInterval: String?
    @Option(name: .long, help: ArgumentHelp("Threads one run uses: 2 records the run for its results file on a second thread beside the engine, 1 keeps everything on one thread; results are bit-identical (default: 2 on a machine with ≥ 2 cores; the environment variable SWARMLAB_THREADS=1 also forces one thread).", valueName: "1|2"))
    var threads: Int?
    @Flag(name: .long, help: "No progress on stderr.") var quiet = false
    @Flag(name: .long, help: "Print a machine-readable summary (JSON) on stdout instead of the table.") var json = false
    @OptionGroup var paths: PathOptions

    func validate() throws {
        if let n = threads, n != 1 && n != 2 { throw ValidationError("--threads: found \(n), expected 1 (one thread) or 2 (recorder on a second thread)") }
        if threads == nil {
            do { _ = try ScenarioRunner.threads(fromEnvironment: ProcessInfo.processInfo.environment) } catch { throw ValidationError("\(error)") }
        }
        if let t = timelineInterval {
            do { _ = try ScenarioRunner.timelineInterval(t) } catch { throw ValidationError("\(error)") }
        }
    }

    func run() throws {
        // Progress on stderr: a live line on a terminal, a line every 10 s in a log or a pipe.
        let progress = Progress(quiet: quiet)
        let interval = try exitOnFailure { try timelineInterval.map(ScenarioRunner.timelineInterval) }
        let report = try exitOnFailure {
            try ScenarioRunner.runFile(scenario, output: output, timelineInterval: interval, allowedPaths: paths.allowPaths,
                                       threads: threads ?? ScenarioRunner.defaultThreads, progress: progress.line, live: progress.live)
        }
        print(json ? try jsonText(report.jsonObject) : report.text, terminator: json ? "\n" : "")
    }
}
