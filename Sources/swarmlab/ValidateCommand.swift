import ArgumentParser
import Foundation
import SwarmLab

struct ValidateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validate",
        abstract: "Run scenarios in the simulator and in the reference runtime, and compare them.",
        discussion: """
        Each scenario runs in the simulator (with the calibrated cost model) and for real (one \
        worker process per device, real kernels, the simulator's churn and adversary draws \
        injected), with the same seed. Prints makespan, throughput, attempt-duration KS \
        distance, per-task start/end error and lost work per scenario; writes NAME-sim.h5 and \
        NAME-real.h5 per scenario and, with --markdown/--record, the table.
        """)

    @Argument(help: "Scenario files or folders.") var scenarios: [String] = ["scenarios/validation"]
    @Option(name: .long, help: "Calibration profile (swarmlab calibrate).")
    var profile: String = "results/calibration/2-core-x86_64-debian-12.json"
    @Option(name: .long, help: "Folder for the HDF5 files ('none': do not write them).") var results: String = "results/validation"
    @Option(name: .long, help: "The swarmlab-worker executable (default: beside this binary).") var worker: String?
    @Flag(name: .long, inversion: .prefixedNo, help: "Measure each scenario's kernels again just before it runs (a shared machine's speed moves with its load).")
    var remeasure = true
    @OptionGroup var output: BenchOutputOptions

    enum CodingKeys: String, CodingKey { case scenarios, profile, results, worker, remeasure, output }

    func validate() throws {
        guard FileManager.default.fileExists(atPath: profile) else {
            throw ValidationError("--profile: \(profile) does not exist (run swarmlab calibrate first)")
        }
    }

    func run() throws {
        do {
            let files = try ValidationReport.files(scenarios)
            let rows = try ValidationReport.run(files: files, profilePath: profile, worker: worker,
                                                directory: results == "none" ? nil : results, remeasure: remeasure,
                                                progress: output.progress)
            let command = "swarmlab validate " + CommandLine.arguments.dropFirst(2).joined(separator: " ")
            try output.publish(rows, markdown: ValidationReport.markdown(rows, profilePath: profile, command: command),
                               section: "validation")
        } catch let e as Validation.Failure {
            throw ValidationError(e.description)
        }
    }
}
