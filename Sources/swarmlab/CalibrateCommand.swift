import ArgumentParser
import Foundation
import SwarmLab

struct CalibrateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "calibrate",
        abstract: "Measure this machine's kernels and write a device profile for the simulator.",
        discussion: """
        Times each kernel shape through the reference runtime's KernelRunner (median of repeated \
        calls after a warm-up), memory copy bandwidth, input generation, the fixed cost of a \
        kernel call and of starting a process, and writes them as JSON (docs/calibration.md). \
        CalibratedCostModel reads the file. Takes about a minute; run it on an otherwise idle machine.
        """)

    @Option(name: .long, help: ArgumentHelp("Profile file to write.", valueName: "results/calibration/CLASS--CPU--CORE.json"))
    var output: String?
    @Option(name: .long, help: "OpenBLAS threads (1 = what one emulated device gets).") var threads: Int = 1
    @Option(name: .long, help: "Executable whose start to time (run with --help); default /bin/true.") var worker: String?
    @Option(name: .long, help: "Machine class to record (default: N-core ARCH OS VERSION).") var machineClass: String?
    @Flag(name: .long, help: "A few small shapes, briefly (for tests; not a calibration).") var quick = false
    @Flag(name: .long, help: "No progress on stderr.") var quiet = false

    func validate() throws {
        guard (1...256).contains(threads) else { throw ValidationError("--threads must be between 1 and 256 (got \(threads))") }
        if let w = worker, !FileManager.default.isExecutableFile(atPath: w) {
            throw ValidationError("--worker: \(w) is not an executable file")
        }
    }

    func run() throws {
        let path = output ?? Calibration.defaultPath()
        let profile = try Calibration.run(path: path, quick: quick, threads: threads, worker: worker,
                                          machineClass: machineClass, progress: { line in
            if !quiet { FileHandle.standardError.write(Data((line + "\n").utf8)) }
        })
        print(Calibration.summary(profile), terminator: "")
        print("wrote \(path)")
    }
}
