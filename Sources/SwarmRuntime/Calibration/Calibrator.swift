import Foundation
import SwarmModel
#if canImport(Glibc)
import Glibc
#endif

/// Measures this machine for the simulator: each kernel shape through `KernelRunner` (median
/// of repeated calls after a warm-up), memory copy bandwidth, input generation rate, the
/// fixed cost of a kernel call, and the cost of starting a process. The result is a
/// `DeviceProfile`, which `CalibratedCostModel` turns into simulated durations.
public enum Calibrator {
    public struct Options: Sendable {
        /// OpenBLAS threads (1: what one emulated device gets).
        public var threads: Int = 1
        public var shapes: [TensorKernel] = Calibrator.standardShapes
        /// Each shape is called until this much time has passed and at least `minRepeats` times
        /// (at most `maxRepeats`).
        public var minSecondsPerShape: Double = 0.4
        public var minRepeats: Int = 3
        public var maxRepeats: Int = 200
        /// Spawned and reaped `processStarts` times to time process start (the worker binary
        /// when given, else /bin/true).
        public var processStartCommand: String = "/bin/true"
        public var processStartArguments: [String] = []
        public var processStarts: Int = 20
        /// Bytes copied per memory-bandwidth pass (large enough to miss every cache, even a 128 MiB+ L3 split over two buffers).
        public var bandwidthBytes: Int = 128 << 20
        public var machineClass: String = Calibrator.machineClass()

        public init() {}

        /// A few small shapes and short timings: seconds, for tests.
        public static var quick: Options {
            var o = Options()
            o.shapes = [.gemm(m: 64, n: 64, k: 64, dtype: .fp32), .gemm(m: 128, n: 128, k: 128, dtype: .fp32),
                        .conv2d(batch: 1, inChannels: 4, outChannels: 8, height: 16, width: 16, kernel: 3, stride: 1, padding: 1, dtype: .fp32),
                        .attention(batch: 1, heads: 2, seqLen: 32, headDim: 16, dtype: .fp32)]
            o.minSecondsPerShape = 0.01; o.minRepeats = 2; o.maxRepeats = 20
            o.processStarts = 3; o.bandwidthBytes = 4 << 20
            return o
        }
    }

    /// Square GEMMs from 32 to 2048, skinny GEMMs, ResNet-like convolutions and transformer
    /// attention heads, plus elementwise and reduction passes and one layer of each preset:
    /// the shapes validation and the benchmark scenarios use, with enough sizes to interpolate
    /// between (a layer not measured whole is costed from its parts).
    public static let standardShapes: [TensorKernel] = [
        .gemm(m: 32, n: 32, k: 32, dtype: .fp32), .gemm(m: 64, n: 64, k: 64, dtype: .fp32),
        .gemm(m: 128, n: 128, k: 128, dtype: .fp32), .gemm(m: 256, n: 256, k: 256, dtype: .fp32),
        .gemm(m: 384, n: 384, k: 384, dtype: .fp32), .gemm(m: 512, n: 512, k: 512, dtype: .fp32),
        .gemm(m: 768, n: 768, k: 768, dtype: .fp32), .gemm(m: 1024, n: 1024, k: 1024, dtype: .fp32),
        .gemm(m: 1536, n: 1536, k: 1536, dtype: .fp32), .gemm(m: 2048, n: 2048, k: 2048, dtype: .fp32),
        .gemm(m: 1024, n: 1024, k: 64, dtype: .fp32), .gemm(m: 4096, n: 64, k: 1024, dtype: .fp32),
        .conv2d(batch: 1, inChannels: 3, outChannels: 64, height: 112, width: 112, kernel: 7, stride: 2, padding: 3, dtype: .fp32),
        .conv2d(batch: 1, inChannels: 64, outChannels: 64, height: 56, width: 56, kernel: 3, stride: 1, padding: 1, dtype: .fp32),
        .conv2d(batch: 1, inChannels: 128, outChannels: 128, height: 28, width: 28, kernel: 3, stride: 1, padding: 1, dtype: .fp32),
        .conv2d(batch: 1, inChannels: 16, outChannels: 32, height: 32, width: 32, kernel: 3, stride: 1, padding: 1, dtype: .fp32),
        .attention(batch: 1, heads: 8, seqLen: 64, headDim: 64, dtype: .fp32),
        .attention(batch: 1, heads: 8, seqLen: 128, headDim: 64, dtype: .fp32),
        .attention(batch: 1, heads: 8, seqLen: 256, headDim: 64, dtype: .fp32),
        .attention(batch: 1, heads: 8, seqLen: 512, headDim: 64, dtype: .fp32),
        .elementwise(count: 1 << 16, flopsPerElement: 2, dtype: .fp32),
        .elementwise(count: 1 << 22, flopsPerElement: 2, dtype: .fp32),
        .reduction(count: 1 << 16, dtype: .fp32), .reduction(count: 1 << 22, dtype: .fp32),
        // layers (`LayerPresets`), measured whole: what the validation scenarios run
        LayerPresets.transformerBlock(dModel: 512, heads: 8, seq: 128),
        LayerPresets.resnetBasicBlock(channels: 64, height: 56, width: 56),
        LayerPresets.mlp(widths: [784, 1024, 1024, 10], batch: 256),
    ]

    /// Measures everything; `progress` gets one line per shape.
    public static func run(_ options: Options = Options(), progress: (String) -> Void = { _ in }) throws -> DeviceProfile {
        var runner = KernelRunner(threads: options.threads)
        var samples: [DeviceProfile.KernelSample] = []
        for kernel in options.shapes {
            let s = measure(kernel, runner: &runner, options: options)
            samples.append(s)
            progress(String(format: "%@ %@: %.3g s, %.2f GFLOP/s (%d calls)", s.kind, s.shape, s.seconds, s.flopsPerSecond / 1e9, s.repeats))
        }
        let gemms = samples.filter { if case .gemm(let m, let n, let k, _) = $0.kernel { return m == n && n == k } else { return false } }
        guard let biggest = (gemms.isEmpty ? samples : gemms).max(by: { $0.flops < $1.flops }) else {
            throw CalibrationError(description: "calibration needs at least one kernel shape")
        }
        let bandwidth = memoryBandwidth(bytes: options.bandwidthBytes)
        progress(String(format: "memory copy bandwidth: %.2f GB/s", bandwidth / 1e9))
        let generation = inputGenerationRate()
        progress(String(format: "input generation: %.0f M elements/s", generation / 1e6))
        let checksum = checksumRate()
        progress(String(format: "output checksum: %.0f M elements/s", checksum / 1e6))
        let overhead = callOverhead(runner: &runner)
        progress(String(format: "per-task overhead (smallest kernel call): %.2f µs", overhead * 1e6))
        let start = try processStart(options.processStartCommand, arguments: options.processStartArguments, times: options.processStarts)
        progress(String(format: "process start (%@): %.2f ms", options.processStartCommand, start * 1e3))
        return DeviceProfile(
            machineClass: options.machineClass, host: ProcessInfo.processInfo.hostName, cpu: cpuModel(),
            cores: ProcessInfo.processInfo.activeProcessorCount, threads: options.threads,
            blas: KernelRunner.openBLASConfiguration, measuredAt: ISO8601DateFormatter().string(from: Date()),
            referenceFlopsPerSecond: biggest.flopsPerSecond, memoryBandwidth: bandwidth,
            inputElementsPerSecond: generation, perTaskOverhead: overhead, processStartSeconds: start,
            processStartCommand: ([options.processStartCommand] + options.processStartArguments).joined(separator: " "),
            kernels: samples, checksumElementsPerSecond: checksum, blasCore: MachineIdentity.current.blasCore)
    }

    /// Median and minimum CPU seconds of one shape's computation, after one warm-up call: CPU
    /// time is what the computation takes on a core of its own, so a calibration on a shared,
    /// busy machine still measures the machine (wall time would measure its load).
    public static func measure(_ kernel: TensorKernel, runner: inout KernelRunner, options: Options) -> DeviceProfile.KernelSample {
        _ = runner.run(kernel, seed: 0)
        var times: [Double] = []
        var total = 0.0
        while times.count < options.maxRepeats && (times.count < options.minRepeats || total < options.minSecondsPerShape) {
            let r = runner.run(kernel, seed: UInt64(times.count + 1))
            times.append(r.cpuSeconds); total += r.seconds + r.setupSeconds
        }
        times.sort()
        return DeviceProfile.KernelSample(kernel: kernel, seconds: median(times), minSeconds: times[0], repeats: times.count)
    }

    static func median(_ sorted: [Double]) -> Double {
        let n = sorted.count
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2
    }

    /// Bytes read plus bytes written per second by `memcpy` of a `bytes`-long buffer (best of 5).
    public static func memoryBandwidth(bytes: Int) -> Double {
        let source = UnsafeMutableRawPointer.allocate(byteCount: bytes, alignment: 64)
        let target = UnsafeMutableRawPointer.allocate(byteCount: bytes, alignment: 64)
        defer { source.deallocate(); target.deallocate() }
        let words = bytes / 8
        let s = source.bindMemory(to: UInt64.self, capacity: words)
        for i in 0..<words { s[i] = UInt64(i) &* 0x9E37_79B9_7F4A_7C15 }
        memset(target, 0, bytes)
        var best = Double.infinity
        var sink: UInt64 = 0
        for pass in 0..<5 {
            let t0 = monotonicNow()
            copy(target, source, bytes)
            best = min(best, monotonicNow() - t0)
            // read the copy back, so the copy has an observable effect and cannot be elided
            sink &+= target.load(fromByteOffset: ((pass * 4099) % words) * 8, as: UInt64.self)
        }
        precondition(sink != 1, "unreachable: keeps the copies alive")
        return 2 * Double(bytes) / best
    }

    @inline(never)
    static func copy(_ target: UnsafeMutableRawPointer, _ source: UnsafeRawPointer, _ bytes: Int) {
        memcpy(target, source, bytes)
    }

    /// Elements per second `KernelInputs.fill` produces (best of 3 passes over 4 M elements).
    public static func inputGenerationRate() -> Double {
        let n = 1 << 22
        var buffer = [Float](repeating: 0, count: n)
        var best = Double.infinity
        for i in 0..<3 {
            let t0 = monotonicNow()
            KernelInputs.fill(&buffer, count: n, seed: UInt64(i), operand: 0)
            best = min(best, monotonicNow() - t0)
        }
        return Double(n) / best
    }

    /// Elements per second `KernelRunner.checksum` reduces (4 M elements, median of 5): what
    /// every attempt pays after computing, to return its output's checksum.
    public static func checksumRate() -> Double {
        let n = 1 << 22
        var buffer = [Float](repeating: 0, count: n)
        var times: [Double] = []
        for i in 0..<5 {
            KernelInputs.fill(&buffer, count: n, seed: UInt64(i), operand: 0)
            let seconds = buffer.withUnsafeMutableBufferPointer { values in
                // The checksum reads only memory no call can see, so the optimiser may move it
                // across the clock reads: handing the buffer, then the result, to an opaque
                // call (a zero-byte write to no file) pins it between them.
                let t0 = monotonicNow()
                _ = write(-1, values.baseAddress, 0)
                var sum = KernelRunner.checksum(UnsafeBufferPointer(values))
                _ = write(-1, &sum, 0)
                return monotonicNow() - t0
            }
            times.append(seconds)
        }
        return Double(n) / median(times.sorted())
    }

    /// Median seconds of a whole `run` (inputs, call, checksum) of a one-element reduction:
    /// the fixed cost every task pays around its kernel.
    static func callOverhead(runner: inout KernelRunner) -> Double {
        var times: [Double] = []
        for i in 0..<201 {
            let t0 = monotonicNow()
            _ = runner.run(.reduction(count: 1, dtype: .fp32), seed: UInt64(i))
            times.append(monotonicNow() - t0)
        }
        times.sort()
        return median(times)
    }

    /// Median seconds to spawn `command` and wait for it to exit.
    public static func processStart(_ command: String, arguments: [String] = [], times: Int) throws -> Double {
        var durations: [Double] = []
        for _ in 0..<max(1, times) {
            let t0 = monotonicNow()
            var pid: pid_t = 0
            let argv = ([command] + arguments).map { strdup($0) } + [nil]
            defer { argv.forEach { free($0) } }
            // the child's output goes to /dev/null: only its start and exit are timed
            var actions = posix_spawn_file_actions_t()
            posix_spawn_file_actions_init(&actions)
            defer { posix_spawn_file_actions_destroy(&actions) }
            posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
            posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
            let status = posix_spawn(&pid, command, &actions, nil, argv, environ)
            guard status == 0 else {
                throw CalibrationError(description: "cannot start \(command) to time process start: \(String(cString: strerror(status)))")
            }
            var exit: Int32 = 0
            while waitpid(pid, &exit, 0) < 0 && errno == EINTR {}
            durations.append(monotonicNow() - t0)
        }
        durations.sort()
        return median(durations)
    }

    /// "N-core ARCH OS VERSION", e.g. "2-core x86_64 Debian 12".
    public static func machineClass() -> String {
        var u = utsname()
        uname(&u)
        let arch = withUnsafeBytes(of: &u.machine) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        var os = "Linux"
        if let release = try? String(contentsOfFile: "/etc/os-release", encoding: .utf8) {
            var fields: [String: String] = [:]
            for line in release.split(separator: "\n") {
                let parts = line.split(separator: "=", maxSplits: 1)
                if parts.count == 2 { fields[String(parts[0])] = parts[1].trimmingCharacters(in: CharacterSet(charactersIn: "\"")) }
            }
            if let id = fields["ID"] { os = id.prefix(1).uppercased() + id.dropFirst() + (fields["VERSION_ID"].map { " " + $0 } ?? "") }
        }
        return "\(ProcessInfo.processInfo.activeProcessorCount)-core \(arch) \(os)"
    }

    /// The CPU's model name from /proc/cpuinfo.
    public static func cpuModel() -> String {
        guard let info = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8),
              let line = info.split(separator: "\n").first(where: { $0.hasPrefix("model name") }),
              let colon = line.firstIndex(of: ":") else { return "unknown" }
        return line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
    }
}

/// Calibration could not measure something; says what and why.
public struct CalibrationError: Error, CustomStringConvertible {
    public var description: String
}
