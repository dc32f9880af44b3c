import ArgumentParser
import SwarmLab

struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Run a benchmark.",
        subcommands: [HoldCommand.self])
}

struct HoldCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hold",
        abstract: "The hold model: N pending events, pop the earliest, push one at now + Exp(1 s).")

    @Option(name: .long, help: "Pending events N.")
    var pending: Int = 1_000_000

    @Option(name: .long, help: "Hold operations to time.")
    var operations: Int = 10_000_000

    func validate() throws {
        guard pending >= 1 else { throw ValidationError("--pending must be at least 1 (got \(pending))") }
        guard operations >= 0 else { throw ValidationError("--operations must be ≥ 0 (got \(operations))") }
    }

    func run() throws {
        let r = HoldBenchmark.run(pending: pending, operations: operations)
        print("pending \(r.pending) steps \(r.operations) seconds \(r.seconds)")
        print("events_per_second \(Int(r.eventsPerSecond))")
        print("peak_rss_kb \(r.peakRSSKiB)")
        print("final_ticks \(r.finalTicks)")
    }
}
