import ArgumentParser
import Foundation
import SwarmLab

struct KernelsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kernels",
        abstract: "The runtime's GEMM throughput against a bare cblas_sgemm on the same shape.",
        discussion: """
        Alternates KernelRunner.run (what a worker calls per task) and one bare cblas_sgemm on \
        buffers filled once, one OpenBLAS thread each, and reports median GFLOP/s and their ratio \
        (goal: ≥ 90%).
        """)

    @Option(name: .long, parsing: .upToNextOption, help: "Square GEMM sizes (comma- or space-separated).")
    var sizes: [String] = KernelBenchmark.defaultSizes.map(String.init)
    @Option(name: .long, help: "Calls per side and size; medians are reported.") var repeats: Int = 15
    @OptionGroup var output: BenchOutputOptions

    var shapes: [Int] = []
    enum CodingKeys: String, CodingKey { case sizes, repeats, output }

    mutating func validate() throws {
        shapes = try sizes.flatMap { $0.split(separator: ",") }.map { try count(String($0), option: "--sizes", minimum: 1) }
        guard !shapes.isEmpty, shapes.allSatisfy({ $0 <= 8192 }) else { throw ValidationError("--sizes needs sizes between 1 and 8192") }
        guard repeats >= 1 else { throw ValidationError("--repeats must be at least 1 (got \(repeats))") }
    }

    func run() throws {
        let rows = KernelBenchmark.run(sizes: shapes, repeats: repeats, progress: output.progress)
        let command = "swarmlab bench kernels " + CommandLine.arguments.dropFirst(3).joined(separator: " ")
        try output.publish(rows, markdown: KernelBenchmark.markdown(rows, command: command), section: "kernels")
    }
}
