import ArgumentParser
import Foundation
import SwarmLab

struct ChurnCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "churn",
        abstract: "Churn of a volunteer fleet: Weibull ON/OFF devices over 24 h or a week.",
        discussion: """
        Modes: churn (lazy availability, one pending event per device), eager (the oracle: \
        every renewal toggle an event), work (SimPy peer semantics: 600-s tasks lost when a \
        device leaves). Each run in its own process; with --peers, SimPy runs the work mode \
        (benchmarks/peers/churn_simpy.py) up to 100,000 devices.
        """)

    @Option(name: .long, parsing: .upToNextOption, help: "Fleet sizes (comma- or space-separated; 1e6 style allowed).")
    var devices: [String] = ["1e4", "1e5", "1e6", "1e7"]

    @Option(name: .long, parsing: .upToNextOption, help: "Simulated horizons in hours.")
    var hours: [String] = ["24", "168"]

    @Option(name: .long, parsing: .upToNextOption, help: "Modes: churn, eager, work.")
    var mode: [String] = ["churn", "eager", "work"]

    @Flag(name: .long, help: "Also run SimPy on the work mode (benchmarks/peers/churn_simpy.py).")
    var peers = false

    @OptionGroup var output: BenchOutputOptions

    var sizes: [Int] = []
    var horizons: [Double] = []
    var modes: [ChurnBenchmark.Mode] = []

    enum CodingKeys: String, CodingKey { case devices, hours, mode, peers, output }

    mutating func validate() throws {
        sizes = try devices.flatMap { $0.split(separator: ",") }.map { try count(String($0), option: "--devices", minimum: 1) }
        horizons = try hours.flatMap { $0.split(separator: ",") }.map { h in
            guard let v = Double(h), v > 0, v.isFinite else {
                throw ValidationError("--hours: '\(h)' is not a positive number of hours")
            }
            return v
        }
        modes = try mode.flatMap { $0.split(separator: ",") }.map { m in
            guard let v = ChurnBenchmark.Mode(rawValue: String(m)) else {
                throw ValidationError("--mode: '\(m)' is not a mode (expected one of: \(ChurnBenchmark.Mode.allCases.map(\.rawValue).joined(separator: ", ")))")
            }
            return v
        }
        guard !sizes.isEmpty, !horizons.isEmpty, !modes.isEmpty else { throw ValidationError("need at least one size, horizon and mode") }
        if output.single && (sizes.count != 1 || horizons.count != 1 || modes.count != 1) {
            throw ValidationError("--single takes exactly one --devices, --hours and --mode")
        }
    }

    func run() throws {
        if output.single {
            let r = ChurnBenchmark.run(mode: modes[0], devices: sizes[0], hours: horizons[0])
            if output.json {
                print(String(decoding: try JSONEncoder().encode(r), as: UTF8.self))
            } else {
                print("mode \(r.mode.rawValue) devices \(r.devices) hours \(r.hours) seconds \(r.seconds) events \(r.events) events_per_second \(Int(r.eventsPerSecond)) peak_rss_kb \(r.peakRSSKiB) bytes_per_device \(Int(r.bytesPerDevice)) available_at_end \(r.availableAtEnd) tasks_done \(r.tasksDone) tasks_lost \(r.tasksLost)")
            }
            return
        }
        let me = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        let comparison = ChurnComparison(devices: sizes, hours: horizons, modes: modes, swarmlabExecutable: me,
                                         simpyScript: peers ? URL(fileURLWithPath: "benchmarks/peers/churn_simpy.py") : nil)
        let rows = try comparison.run(progress: output.progress)
        let command = "swarmlab bench churn " + CommandLine.arguments.dropFirst(3).joined(separator: " ")
        try output.publish(rows, markdown: ChurnComparison.markdown(rows, command: command), section: "churn")
    }
}
