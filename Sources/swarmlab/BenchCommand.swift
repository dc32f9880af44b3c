import ArgumentParser
import Foundation
import SwarmLab

struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Run a benchmark and compare it with its baselines.",
        subcommands: [HoldCommand.self, ChurnCommand.self, WorkCommand.self, ResultsBenchCommand.self, KernelsCommand.self, FlowsBenchCommand.self,
                      StorageBenchCommand.self])
}

struct HoldCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hold",
        abstract: "The hold model: N pending events; pop the earliest, push one at now + Exp(1 s).",
        discussion: """
        Runs Swarmlab's kernel and the C baseline (benchmarks/baselines/hold.c, built with cc -O2) \
        for each N, each run in its own process, and prints events/s, peak memory and the \
        Swarmlab/C ratio. With --peers, also SimPy and SimGrid (benchmarks/peers/run).
        """)

    @Option(name: .long, parsing: .upToNextOption,
            help: "Pending-event counts N (comma- or space-separated; 1e6 style allowed).")
    var pending: [String] = ["1e3", "1e5", "1e6", "1e7"]

    @Option(name: .long, help: "Hold operations timed per run.")
    var operations: String = "1e7"

    @Option(name: .long, help: "Alternating runs per size; the median is reported.")
    var repeats: Int = 3

    @Option(name: .long, help: "C baseline source, or 'none'.")
    var baseline: String = "benchmarks/baselines/hold.c"

    @Flag(name: .long, help: "Also run the peer simulators (benchmarks/peers/run).")
    var peers = false

    @OptionGroup var output: BenchOutputOptions

    var sizes: [Int] = []
    var operationCount = 0

    enum CodingKeys: String, CodingKey { case pending, operations, repeats, baseline, peers, output }

    mutating func validate() throws {
        sizes = try pending.flatMap { $0.split(separator: ",") }.map { try count(String($0), option: "--pending", minimum: 1) }
        guard !sizes.isEmpty else { throw ValidationError("--pending needs at least one size") }
        operationCount = try count(operations, option: "--operations", minimum: 0)
        guard repeats >= 1 else { throw ValidationError("--repeats must be at least 1 (got \(repeats))") }
        if output.single && sizes.count != 1 { throw ValidationError("--single takes exactly one --pending size") }
        if baseline != "none" && !output.single && !FileManager.default.fileExists(atPath: baseline) {
            throw ValidationError("C baseline not found: \(baseline) (run from the repository root, or pass --baseline none)")
        }
    }

    func run() throws {
        if output.single {
            let r = HoldBenchmark.run(pending: sizes[0], operations: operationCount)
            print("pending \(r.pending) steps \(r.operations) seconds \(r.seconds)")
            print("events_per_second \(Int(r.eventsPerSecond))")
            print("peak_rss_kb \(r.peakRSSKiB)")
            print("final_ticks \(r.finalTicks)")
            return
        }
        let me = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        let comparison = HoldComparison(
            sizes: sizes, operations: operationCount, repeats: repeats, swarmlabExecutable: me,
            baselineSource: baseline == "none" ? nil : URL(fileURLWithPath: baseline),
            peersScript: peers ? URL(fileURLWithPath: "benchmarks/peers/run") : nil)
        let rows = try comparison.run(progress: output.progress)
        let command = "swarmlab bench hold " + CommandLine.arguments.dropFirst(3).joined(separator: " ")
        try output.publish(rows, text: "\nHold model: \(operationCount) operations per run, median of \(repeats)\n\n"
                                        + HoldComparison.summary(rows),
                           markdown: HoldComparison.markdown(rows, operations: operationCount, repeats: repeats, command: command),
                           section: "hold")
    }
}

/// Parses a count such as `1000000`, `1e6` or `10M`, naming the option on error.
func count(_ text: String, option: String, minimum: Int) throws -> Int {
    let t = text.trimmingCharacters(in: .whitespaces)
    var value: Double?
    if let i = Int(t) { value = Double(i) }
    else if let last = t.last, let scale = ["k": 1e3, "M": 1e6, "G": 1e9][String(last)], let d = Double(t.dropLast()) { value = d * scale }
    else if t.lowercased().contains("e"), let d = Double(t) { value = d }
    guard let v = value, v.isFinite, v == v.rounded(), v < 9e18 else {
        throw ValidationError("\(option): '\(text)' is not a whole number (examples: 1000000, 1e6, 10M)")
    }
    guard Int(v) >= minimum else {
        throw ValidationError("\(option) must be at least \(minimum) (got \(text))")
    }
    return Int(v)
}
