internal import COpenBLAS
import SwarmKernel
import SwarmModel
#if canImport(Glibc)
import Glibc
#endif

/// What one real kernel execution produced: a checksum of its output (what replicas vote
/// on) and how long the computation took.
public struct KernelResult: Sendable, Equatable {
    /// FNV-1a over the output's IEEE-754 bit patterns, finalised with SplitMix64's mixer.
    public var checksum: UInt64
    /// Wall-clock seconds of the computation alone (inputs are generated before the clock starts).
    public var seconds: Double
    /// Seconds spent generating the inputs from the seed (stands in for reading them).
    public var setupSeconds: Double
    /// CPU seconds the computation used (the thread's CPU clock with one OpenBLAS thread, the
    /// process's otherwise): what it takes on a core of its own, however many other processes
    /// share the cores. Equals `seconds` on an idle machine.
    public var cpuSeconds: Double
    /// The kernel's FLOP count (`TensorKernel.flops`), for rates.
    public var flops: Double

    public init(checksum: UInt64, seconds: Double, setupSeconds: Double, flops: Double, cpuSeconds: Double? = nil) {
        self.checksum = checksum; self.seconds = seconds; self.setupSeconds = setupSeconds; self.flops = flops
        self.cpuSeconds = cpuSeconds ?? seconds
    }

    /// Inputs and compute together: what a worker spends on the task (and what its duty cycle
    /// stretches; `CalibratedCostModel` predicts this figure).
    public var totalSeconds: Double { seconds + setupSeconds }

    /// Achieved FLOP/s.
    public var flopsPerSecond: Double { seconds > 0 ? flops / seconds : .infinity }
}

/// How an adversarial worker falsifies a result: one mantissa bit of one output element,
/// both chosen by `seed`, is flipped before the checksum is taken. Adversaries that share a
/// seed collude (they return the same wrong checksum); different seeds disagree.
public struct Corruption: Sendable, Hashable {
    public var seed: UInt64
    public init(seed: UInt64) { self.seed = seed }
}

/// Runs `TensorKernel` descriptors for real through OpenBLAS, on inputs generated from a seed,
/// and reduces each output to a checksum.
///
/// - GEMM is one `cblas_sgemm`; conv2d is im2col then one `cblas_sgemm` (the lowering the
///   descriptor's `gemms` describes); attention is, per head, `S = QKᵀ/√d` by `cblas_sgemm`,
///   a row softmax, then `O = S·V` by `cblas_sgemm`; elementwise and reduction are plain loops.
/// - A `.sequence` (a layer preset) runs its parts in order, part i on inputs generated from
///   `partSeed(seed, i)`; its checksum folds the parts' checksums (changing any part's output
///   changes it), its times are the parts' sums, and a corruption falsifies the last part.
/// - Every dtype is executed in FP32 (OpenBLAS has no half-precision or int8 GEMM on this CPU);
///   the simulator's cost model is calibrated against these FP32 runs.
/// - **Determinism**: the same kernel, seed, binary and thread count give the same output bits,
///   hence the same checksum, on every run (OpenBLAS fixes the summation order for a given
///   thread count; inputs come from SplitMix64). A different thread count or OpenBLAS build may
///   round differently, so replicas that vote must run the same binary with the same `threads`.
/// - `threads` pins OpenBLAS's thread pool (`openblas_set_num_threads`), which is process-wide:
///   the last runner created in a process sets it for all.
///
/// Buffers are flat `[Float]` arrays kept between runs, so a worker running many tasks of one
/// shape allocates once.
public struct KernelRunner {
    /// OpenBLAS threads this runner pinned.
    public let threads: Int
    var a: [Float] = []
    var b: [Float] = []
    var c: [Float] = []
    var scratch: [Float] = []
    /// Elements of `c` the last kernel wrote.
    var outputCount = 0

    /// Pins OpenBLAS to `threads` threads (1 for an emulated device sharing the cores) and warms
    /// it up with one small GEMM.
    public init(threads: Int = 1) {
        precondition(threads >= 1, "KernelRunner needs at least one thread (got \(threads))")
        self.threads = threads
        openblas_set_num_threads(Int32(threads))
        // OpenBLAS sets up its buffers on its first call; pay that here, not in a task's
        // compute time (where a slow device's duty cycle would stretch it).
        _ = run(.gemm(m: 128, n: 128, k: 128, dtype: .fp32), seed: 0)
    }

    /// The thread count OpenBLAS currently uses (process-wide).
    public static var openBLASThreads: Int { Int(openblas_get_num_threads()) }

    /// OpenBLAS's build description (version, architecture kernel, threading), for provenance.
    public static var openBLASConfiguration: String { String(cString: openblas_get_config()) }

    /// Generates the kernel's inputs from `seed`, executes it, and returns the checksum of its
    /// output (corrupted first when `corruption` is given) and the compute time.
    public mutating func run(_ kernel: TensorKernel, seed: UInt64, corruption: Corruption? = nil) -> KernelResult {
        if case .sequence(let parts) = kernel {
            var sum: UInt64 = 0x5E0_0E4CE ^ UInt64(parts.count)
            var seconds = 0.0, setup = 0.0, cpu = 0.0
            for (i, part) in parts.enumerated() {
                let r = run(part, seed: KernelRunner.partSeed(seed, i), corruption: i == parts.count - 1 ? corruption : nil)
                sum = SplitMix64.mix(sum ^ r.checksum)
                seconds += r.seconds; setup += r.setupSeconds; cpu += r.cpuSeconds
            }
            return KernelResult(checksum: sum, seconds: seconds, setupSeconds: setup, flops: kernel.flops, cpuSeconds: cpu)
        }
        let t0 = monotonicNow()
        prepare(kernel, seed: seed)
        // One OpenBLAS thread computes in this thread: its own CPU clock is exact, even with
        // other runners computing in other threads of the process.
        let c1 = cpuNow(thisThreadOnly: threads == 1)
        let t1 = monotonicNow()
        execute(kernel)
        let t2 = monotonicNow()
        let c2 = cpuNow(thisThreadOnly: threads == 1)
        if let corruption { corrupt(with: corruption) }
        let sum = c.withUnsafeBufferPointer { KernelRunner.checksum(UnsafeBufferPointer(rebasing: $0[0..<outputCount])) }
        return KernelResult(checksum: sum, seconds: t2 - t1, setupSeconds: t1 - t0, flops: kernel.flops, cpuSeconds: c2 - c1)
    }

    /// The output itself (a copy), for comparison with `KernelReference.output(of:seed:)`.
    /// A sequence's output is its parts' outputs one after another.
    public mutating func output(of kernel: TensorKernel, seed: UInt64) -> [Float] {
        if case .sequence(let parts) = kernel {
            return parts.enumerated().flatMap { output(of: $1, seed: KernelRunner.partSeed(seed, $0)) }
        }
        prepare(kernel, seed: seed)
        execute(kernel)
        return Array(c[0..<outputCount])
    }

    /// The seed of part `index` of a sequence run with `seed`: each part gets its own inputs.
    public static func partSeed(_ seed: UInt64, _ index: Int) -> UInt64 {
        SplitMix64.mix(seed ^ (0x9E37_79B9_7F4A_7C15 &* UInt64(index + 1)))
    }

    /// Checksum of an output: FNV-1a over the 32-bit patterns, then SplitMix64's bijective
    /// finaliser. Changing any one element always changes the checksum (each FNV step is a
    /// bijection of the running hash for a fixed input word).
    public static func checksum(_ values: UnsafeBufferPointer<Float>) -> UInt64 {
        var h: UInt64 = 0xCBF2_9CE4_8422_2325 ^ UInt64(values.count)
        for v in values { h = (h ^ UInt64(v.bitPattern)) &* 0x0000_0100_0000_01B3 }
        return SplitMix64.mix(h)
    }

    // MARK: - Inputs

    /// Grows `buffer` to `count` elements, touching every page now (in the untimed setup):
    /// a zeroed array may be lazily mapped, and the page faults of its first use would
    /// otherwise land in the timed computation — which a slow device's duty cycle
    /// stretches by 1/speed.
    static func ensure(_ buffer: inout [Float], _ count: Int) {
        guard buffer.count < count else { return }
        buffer = [Float](repeating: 0, count: count)
        buffer.withUnsafeMutableBufferPointer { p in
            var i = 0
            while i < p.count { p[i] = 0; i += 1024 }   // one write per 4 KiB page
        }
    }

    /// Runs a small GEMM once, untimed, so OpenBLAS allocates and touches its packing buffers
    /// before the first timed kernel (a worker calls it at start-up).
    public mutating func warmUp() {
        _ = run(.gemm(m: 512, n: 512, k: 512, dtype: .fp32), seed: 0)
    }

    mutating func prepare(_ kernel: TensorKernel, seed: UInt64) {
        let (na, nb, nc, ns) = KernelRunner.sizes(kernel)
        KernelRunner.ensure(&a, na); KernelRunner.ensure(&b, nb)
        KernelRunner.ensure(&c, nc); KernelRunner.ensure(&scratch, ns)
        KernelInputs.fill(&a, count: na, seed: seed, operand: 0)
        KernelInputs.fill(&b, count: nb, seed: seed, operand: 1)
        outputCount = nc
    }

    /// Elements of (a, b, output, scratch) a kernel needs. conv2d: a = image, b = weights,
    /// scratch = im2col matrix. attention: a = Q|K|V, scratch = one head's scores. A sequence:
    /// its parts' operands and outputs summed (what it generates and checksums in all), the
    /// largest scratch.
    static func sizes(_ kernel: TensorKernel) -> (Int, Int, Int, Int) {
        switch kernel {
        case .gemm(let m, let n, let k, _):
            return (m * k, k * n, m * n, 0)
        case .conv2d(let bt, let cin, let cout, let h, let w, let kk, _, _, _):
            let g = kernel.gemms[0]
            return (bt * cin * h * w, cout * cin * kk * kk, g.m * g.n, g.k * g.n)
        case .attention(let bt, let heads, let l, let d, _):
            return (3 * bt * heads * l * d, 0, bt * heads * l * d, l * l)
        case .elementwise(let n, _, _):
            return (n, 0, n, 0)
        case .reduction(let n, _):
            return (n, 0, 1, 0)
        case .sequence(let parts):
            return parts.map(sizes).reduce((0, 0, 0, 0)) { ($0.0 + $1.0, $0.1 + $1.1, $0.2 + $1.2, max($0.3, $1.3)) }
        }
    }

    // MARK: - Execution

    mutating func execute(_ kernel: TensorKernel) {
        switch kernel {
        case .gemm(let m, let n, let k, _):
            a.withUnsafeBufferPointer { pa in
                b.withUnsafeBufferPointer { pb in
                    c.withUnsafeMutableBufferPointer { pc in
                        KernelRunner.sgemm(m, n, k, pa.baseAddress!, transposeB: false, pb.baseAddress!, pc.baseAddress!)
                    }
                }
            }
        case .conv2d(let bt, let cin, _, let h, let w, let kk, let s, let p, _):
            let g = kernel.gemms[0]
            a.withUnsafeBufferPointer { image in
                scratch.withUnsafeMutableBufferPointer { col in
                    KernelRunner.im2col(image.baseAddress!, batch: bt, channels: cin, height: h, width: w,
                                        kernel: kk, stride: s, padding: p, into: col.baseAddress!)
                }
            }
            b.withUnsafeBufferPointer { weights in
                scratch.withUnsafeBufferPointer { col in
                    c.withUnsafeMutableBufferPointer { out in
                        KernelRunner.sgemm(g.m, g.n, g.k, weights.baseAddress!, transposeB: false, col.baseAddress!, out.baseAddress!)
                    }
                }
            }
        case .attention(let bt, let heads, let l, let d, _):
            let head = l * d, count = bt * heads
            let scale = Float(1 / Double(d).squareRoot())
            a.withUnsafeBufferPointer { qkv in
                scratch.withUnsafeMutableBufferPointer { scores in
                    c.withUnsafeMutableBufferPointer { out in
                        let q = qkv.baseAddress!, kBase = q + count * head, vBase = kBase + count * head
                        let s = scores.baseAddress!
                        for i in 0..<count {
                            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Int32(l), Int32(l), Int32(d),
                                        scale, q + i * head, Int32(d), kBase + i * head, Int32(d), 0, s, Int32(l))
                            KernelRunner.softmaxRows(s, rows: l, columns: l)
                            KernelRunner.sgemm(l, d, l, UnsafePointer(s), transposeB: false, vBase + i * head, out.baseAddress! + i * head)
                        }
                    }
                }
            }
        case .elementwise(let n, let f, _):
            let rounds = max(1, Int((f / 2).rounded()))
            a.withUnsafeBufferPointer { x in
                c.withUnsafeMutableBufferPointer { y in
                    for i in 0..<n {
                        var v = x[i]
                        for _ in 0..<rounds { v = v * 0.75 + 0.125 }
                        y[i] = v
                    }
                }
            }
        case .reduction(let n, _):
            var sum: Float = 0
            a.withUnsafeBufferPointer { x in for i in 0..<n { sum += x[i] } }
            c[0] = sum
        case .sequence:
            preconditionFailure("a sequence runs part by part (run, output), never as one call")
        }
    }

    /// C[m×n] = A[m×k] · B (B is k×n, or n×k read transposed), row-major.
    static func sgemm(_ m: Int, _ n: Int, _ k: Int, _ a: UnsafePointer<Float>, transposeB: Bool,
                      _ b: UnsafePointer<Float>, _ c: UnsafeMutablePointer<Float>) {
        cblas_sgemm(CblasRowMajor, CblasNoTrans, transposeB ? CblasTrans : CblasNoTrans, Int32(m), Int32(n), Int32(k),
                    1, a, Int32(k), b, transposeB ? Int32(k) : Int32(n), 0, c, Int32(n))
    }

    /// Lays out every receptive field of an NCHW image as a column: the result is
    /// [cin·kernel² × batch·outH·outW], row (c·kernel + ki)·kernel + kj, column (b·outH + y)·outW + x,
    /// zero where the field overhangs the padding.
    static func im2col(_ image: UnsafePointer<Float>, batch: Int, channels: Int, height: Int, width: Int,
                       kernel kk: Int, stride: Int, padding: Int, into col: UnsafeMutablePointer<Float>) {
        let oh = (height + 2 * padding - kk) / stride + 1, ow = (width + 2 * padding - kk) / stride + 1
        let n = batch * oh * ow
        for ch in 0..<channels {
            for ki in 0..<kk {
                for kj in 0..<kk {
                    let row = col + ((ch * kk + ki) * kk + kj) * n
                    for bi in 0..<batch {
                        let plane = image + (bi * channels + ch) * height * width
                        for y in 0..<oh {
                            let iy = y * stride - padding + ki
                            let out = row + (bi * oh + y) * ow
                            if iy < 0 || iy >= height {
                                for x in 0..<ow { out[x] = 0 }
                                continue
                            }
                            let line = plane + iy * width
                            for x in 0..<ow {
                                let ix = x * stride - padding + kj
                                out[x] = (ix >= 0 && ix < width) ? line[ix] : 0
                            }
                        }
                    }
                }
            }
        }
    }

    /// Numerically stable softmax of each row (subtract the row's max before exponentiating).
    static func softmaxRows(_ s: UnsafeMutablePointer<Float>, rows: Int, columns: Int) {
        for r in 0..<rows {
            let row = s + r * columns
            var top = -Float.infinity
            for j in 0..<columns { top = max(top, row[j]) }
            var total: Float = 0
            for j in 0..<columns { let e = expf(row[j] - top); row[j] = e; total += e }
            let inverse = 1 / total
            for j in 0..<columns { row[j] *= inverse }
        }
    }

    mutating func corrupt(with corruption: Corruption) {
        guard outputCount > 0 else { return }
        let index = Int(SplitMix64.mix(corruption.seed) % UInt64(outputCount))
        let bit = UInt32(SplitMix64.mix(corruption.seed &+ 1) % 23)
        c[index] = Float(bitPattern: c[index].bitPattern ^ (1 << bit))
    }
}

/// Deterministic kernel inputs: operand `operand` of a task with seed `seed` is a SplitMix64
/// stream mapped to floats uniform in [-0.5, 0.5) (24 random bits each, two per draw), so any process can regenerate a task's
/// inputs from its seed alone.
public enum KernelInputs {
    public static func fill(_ buffer: inout [Float], count: Int, seed: UInt64, operand: UInt64) {
        var g = SplitMix64(seed: SplitMix64.mix(seed ^ (0xA076_1D64_78BD_642F &* (operand &+ 1))))
        // Two floats per 64-bit draw (its top and bottom 24 bits): half the generator calls.
        buffer.withUnsafeMutableBufferPointer { p in
            var i = 0
            while i + 1 < count {
                let x = g.next()
                p[i] = Float(x >> 40) * (1 / 16_777_216) - 0.5
                p[i + 1] = Float(x & 0xFF_FFFF) * (1 / 16_777_216) - 0.5
                i += 2
            }
            if i < count { p[i] = Float(g.next() >> 40) * (1 / 16_777_216) - 0.5 }
        }
    }

    /// A fresh array holding operand `operand`.
    public static func make(count: Int, seed: UInt64, operand: UInt64) -> [Float] {
        var v = [Float](repeating: 0, count: count)
        fill(&v, count: count, seed: seed, operand: operand)
        return v
    }
}

/// CPU seconds used by this thread (CLOCK_THREAD_CPUTIME_ID) or by the whole process
/// (CLOCK_PROCESS_CPUTIME_ID).
func cpuNow(thisThreadOnly: Bool) -> Double {
    var ts = timespec()
    clock_gettime(thisThreadOnly ? CLOCK_THREAD_CPUTIME_ID : CLOCK_PROCESS_CPUTIME_ID, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) * 1e-9
}

/// CPU seconds this thread has used: what a worker's duty cycle counts, for measuring the
/// same way outside a worker (`validate` re-measuring).
public func threadCPUSeconds() -> Double { cpuNow(thisThreadOnly: true) }

/// Monotonic wall-clock seconds (CLOCK_MONOTONIC).
func monotonicNow() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) * 1e-9
}
