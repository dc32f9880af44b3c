import ArgumentParser
import Foundation
import SwarmLab

struct ValidateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validate",
        abstract: "Run scenarios in the simulator and in the reference runtime, and compare them.",
        discussion: """
        Each scenario runs R times (seeds seed, seed+1, …) in the simulator (with the calibrated \
        cost model) and for real (one worker process per device, real kernels, the simulator's \
        churn and adversary draws injected); a scenario whose seeds differ widely pair by pair \
        (races with churn or replicas) runs more seeds, up to --max-replications. Per side: mean makespan with its 95% CI, \
        throughput, P50/P95 task latency; per scenario: the error of the means, Welch's test, \
        whether the CIs overlap, and a verdict. A scenario using something the runtime does not \
        emulate is refused, naming the field. Without --profile, the profile under \
        --calibration-directory recorded on a machine like this one (CPU model, cores, OpenBLAS \
        core) is used, or this machine is calibrated now; the choice is printed. Writes \
        NAME-rK-profile.json, NAME-rK-sim.h5 and NAME-rK-real.h5 per replication and, with \
        --markdown/--record, the table. Across hosts: inside a Slurm allocation, --launcher srun \
        starts each worker as a job step on the allocation's nodes, connecting to --listen over \
        TCP (docs/cluster.md).
        """)

    @Argument(help: "Scenario files or folders.") var scenarios: [String] = ["scenarios/validation"]
    @Option(name: .long, help: "Replications per side (a scenario file's own `replications:` may lower it).")
    var replications: Int = Validation.defaultReplications
    @Option(name: .long, help: "Most replications per side when the seeds' differences stay wide (races with churn or replicas): more seeds until the mean difference is known within ±4%. Equal to --replications: never more.")
    var maxReplications: Int = Validation.defaultMaxReplications
    @Option(name: .long, help: "Calibration profile to use (must match this machine; default: pick or measure one).")
    var profile: String?
    @Option(name: .long, help: "Where committed profiles are looked up, and a new one is written.")
    var calibrationDirectory: String = "results/calibration"
    @Option(name: .long, help: "Folder for the HDF5 files and re-measured profiles ('none': do not write them).") var results: String = "results/validation"
    @Option(name: .long, help: "The swarmlab-worker executable (default: beside this binary).") var worker: String?
    @Flag(name: .long, inversion: .prefixedNo, help: "Measure a scenario's kernels again before and after each replication's reference run (a shared machine's speed moves with its load).")
    var remeasure = true
    @Option(name: .long, help: ArgumentHelp("Address the reference runtime's coordinator listens on and workers connect to (port 0: any free one; default 127.0.0.1:0, with srun this machine's name).", valueName: "HOST:PORT"))
    var listen: String?
    @Option(name: .long, help: ArgumentHelp("How workers start: local (processes on this machine) or srun (steps of the current Slurm allocation, spread over its nodes).", valueName: "local|srun"))
    var launcher: String = "local"
    @Option(name: .long, help: "With --launcher srun: where each run's 0600 key files are written (a folder every node sees; default ~/.swarmlab/keys).")
    var keyDirectory: String?
    @OptionGroup var output: BenchOutputOptions
    @OptionGroup var paths: PathOptions

    enum CodingKeys: String, CodingKey { case scenarios, replications, maxReplications, profile, calibrationDirectory, results, worker, remeasure, listen, launcher, keyDirectory, output, paths }

    func validate() throws {
        guard (1...100).contains(replications) else { throw ValidationError("--replications must be between 1 and 100 (got \(replications))") }
        guard (1...100).contains(maxReplications) else { throw ValidationError("--max-replications must be between 1 and 100 (got \(maxReplications))") }
        if let profile, !FileManager.default.fileExists(atPath: profile) {
            throw ValidationError("--profile: \(profile) does not exist (leave it out to pick or measure this machine's profile)")
        }
        do { _ = try Validation.transport(listen: listen, launcher: launcher, keyDirectory: keyDirectory) } catch let e as Validation.Failure {
            throw ValidationError(e.description)
        }
    }

    func run() throws {
        do {
            let transport = try Validation.transport(listen: listen, launcher: launcher, keyDirectory: keyDirectory)
            let files = try ValidationReport.files(scenarios)
            try ValidationReport.refuseUnemulated(files, allowedPaths: paths.allowPaths)
            let choice: ProfileChoice
            if let profile { choice = try Calibration.explicit(profile) } else {
                choice = try Calibration.choose(directory: calibrationDirectory) { path in
                    output.progress("no calibration profile matches this machine: calibrating now (about a minute) into \(path)")
                    return try Calibration.calibrateForValidation(path: path, worker: worker, progress: output.progress)
                }
            }
            output.progress("calibration profile: \(choice.reason)")
            // A line per replication; in a log or a pipe, also one every 10 s while a long one runs.
            let rows = try Progress(quiet: output.json).reportingLines { line in
                try ValidationReport.run(files: files, profile: choice, replications: replications,
                                         maxReplications: max(replications, maxReplications), worker: worker,
                                         directory: results == "none" ? nil : results, remeasure: remeasure,
                                         allowedPaths: paths.allowPaths, transport: transport, progress: line)
            }
            let command = "swarmlab validate " + CommandLine.arguments.dropFirst(2).joined(separator: " ")
            let markdown = ValidationReport.markdown(rows, profile: choice, command: command)
            if output.json {
                // A side without a makespan is NaN, which plain JSON cannot hold: written "nan".
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
                encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
                print(String(decoding: try encoder.encode(rows), as: UTF8.self))
                try output.write(markdown, section: "validation")
            } else {
                try output.publish(rows, markdown: markdown, section: "validation")
            }
        } catch let e as Validation.Failure {
            throw ValidationError(e.description)
        }
    }
}
