import Foundation
import SwarmModel
import SwarmRuntime

/// The runtime's kernel throughput against a bare OpenBLAS call (issue [5]: ≥ 90%). For each
/// GEMM shape, alternates `KernelRunner.run` (what a worker calls per task: descriptor
/// dispatch, reused buffers, checksum) and `BareGEMM.call` (one `cblas_sgemm` on buffers
/// filled once), one OpenBLAS thread each, and compares median compute times. Also reports the
/// runner's whole task time (inputs generated from the seed + compute + checksum), which is
/// what the duty cycle and the calibrated cost model count.
public enum KernelBenchmark {
    public struct Row: Sendable, Codable, Equatable {
        public var shape: String
        public var flops: Double
        public var repeats: Int
        /// Median seconds: bare call; runner compute; runner whole task.
        public var bareSeconds: Double
        public var runnerSeconds: Double
        public var runnerTaskSeconds: Double
        /// bare / runner compute time: the runner's throughput as a fraction of the bare call's.
        public var throughputRatio: Double { bareSeconds / runnerSeconds }
        public var taskThroughputRatio: Double { bareSeconds / runnerTaskSeconds }
    }

    public static let defaultSizes = [128, 256, 512, 1024]

    /// Measures each square size `repeats` times per side, alternating.
    public static func run(sizes: [Int] = defaultSizes, repeats: Int = 15, threads: Int = 1,
                           progress: (String) -> Void = { _ in }) -> [Row] {
        var rows: [Row] = []
        for s in sizes {
            let kernel = TensorKernel.gemm(m: s, n: s, k: s, dtype: .fp32)
            var runner = KernelRunner(threads: threads)
            var bare = BareGEMM(m: s, n: s, k: s, threads: threads)
            _ = runner.run(kernel, seed: 0); _ = bare.call()
            var b: [Double] = [], r: [Double] = [], t: [Double] = []
            for i in 0..<repeats {
                b.append(bare.call())
                let x = runner.run(kernel, seed: UInt64(i))
                r.append(x.seconds); t.append(x.totalSeconds)
            }
            let row = Row(shape: kernel.shapeDescription, flops: kernel.flops, repeats: repeats,
                          bareSeconds: median(b), runnerSeconds: median(r), runnerTaskSeconds: median(t))
            progress(String(format: "%@: bare %.2f GFLOP/s, runner %.2f GFLOP/s (%.1f%%)", row.shape,
                            row.flops / row.bareSeconds / 1e9, row.flops / row.runnerSeconds / 1e9, row.throughputRatio * 100))
            rows.append(row)
        }
        return rows
    }

    static func median(_ v: [Double]) -> Double {
        let s = v.sorted(), n = s.count
        return n % 2 == 1 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2
    }

    /// The rows as a Markdown table with the machine and command.
    public static func markdown(_ rows: [Row], command: String) -> String {
        var md = "| shape | bare cblas_sgemm | KernelRunner (compute) | ratio | KernelRunner (whole task) | ratio |\n"
        md += "|---|---:|---:|---:|---:|---:|\n"
        for r in rows {
            md += "| \(r.shape) | \(String(format: "%.2f", r.flops / r.bareSeconds / 1e9)) GFLOP/s | "
            md += "\(String(format: "%.2f", r.flops / r.runnerSeconds / 1e9)) GFLOP/s | \(String(format: "%.1f%%", r.throughputRatio * 100)) | "
            md += "\(String(format: "%.2f", r.flops / r.runnerTaskSeconds / 1e9)) GFLOP/s | \(String(format: "%.1f%%", r.taskThroughputRatio * 100)) |\n"
        }
        let info = ProcessInfo.processInfo
        md += "\nMedians of \(rows.first?.repeats ?? 0) alternating calls per side, one OpenBLAS thread. Whole task = inputs generated from the task's seed + compute + checksum.\n"
        md += "\nMachine: \(info.hostName), \(info.activeProcessorCount) cores, \(info.physicalMemory >> 30) GiB, \(ISO8601DateFormatter().string(from: Date())).\nCommand: `\(command)`\n"
        return md
    }
}
