import Foundation

/// Kernel durations from a measured `DeviceProfile` instead of data-sheet peaks: what the
/// reference runtime will take on the calibrated machine, scaled to other devices by CPU FLOP/s.
///
/// A kernel takes, on a device with CPU peak P,
///
///     t = compute(kernel) · R / P + inputElements / inputElementsPerSecond
///         + outputElements / checksumElementsPerSecond + perTaskOverhead
///
/// or, when the profile measured that exact kernel's work around the computation (its
/// `aroundSeconds`, as `validate` re-measures), t = compute(kernel) · R / P + aroundSeconds.
///
/// where compute is the measured median for that exact descriptor if it was calibrated, else
/// interpolated piecewise-linearly in (log FLOP, log seconds) between the calibrated shapes of
/// the same kind (beyond the ends, at the nearest shape's FLOP/s), else — for a kind never
/// calibrated — the roofline max(FLOP / R, bytes / memory bandwidth). R (`referenceFlops`) is
/// the CPU FLOP/s that stands for the calibrated machine: by default the profile's reference
/// GEMM rate, so a class made by `DeviceProfile.deviceClass(speed: s)` computes s times slower;
/// validation passes the fleet's fastest class instead, so speeds are relative to it. Only the
/// computation is scaled, as the runtime's duty cycle stretches only the computation (input
/// generation, the output checksum and the call overhead run at this machine's speed). The
/// checksum term is left out for profiles that do not measure it.
///
/// Dtypes: calibration measures FP32 (OpenBLAS `sgemm`; the runtime executes every dtype in
/// FP32). Another dtype is costed from the FP32 measurement by the device class's peak ratio:
/// compute is divided by `TensorKernel.dtypeSpeedup(on:processor:)` (its matrix FLOPs run
/// `cpuDTypeSpeedup[dtype]` times faster, the rest as in FP32). Emulated devices
/// (`DeviceProfile.deviceClass`) have no dtype speedup, so they cost exactly what the runtime
/// measures; a built-in class with int8 dot products costs an int8 GEMM 4× less compute.
///
/// A `.sequence` (a layer preset) is costed from its own measurement when it was calibrated,
/// else as the sum of its parts' compute (each from its own measurement or curve), with the
/// inputs and checksums of all parts and one per-task overhead.
/// GPUs are not calibrated: they fall back to `gpuFallback` (a roofline).
public struct CalibratedCostModel: CostModel {
    public let profile: DeviceProfile
    /// Whether input generation, the output checksum and the per-task overhead count as
    /// compute (true: matches what a runtime worker spends per task).
    public var includesTaskOverheads: Bool
    public var gpuFallback: RooflineCostModel
    /// The CPU FLOP/s of a device that computes exactly as fast as the calibrated machine.
    public var referenceFlops: Double
    /// Per kind: calibrated (log FLOP, log seconds), sorted by FLOP.
    let curves: [String: [(logFlops: Double, logSeconds: Double)]]
    let exact: [TensorKernel: Double]
    /// Per calibrated kernel: its measured seconds around the computation, where recorded.
    let around: [TensorKernel: Double]

    public init(profile: DeviceProfile, includesTaskOverheads: Bool = true, referenceFlops: Double? = nil,
                gpuFallback: RooflineCostModel = RooflineCostModel()) {
        self.profile = profile; self.includesTaskOverheads = includesTaskOverheads; self.gpuFallback = gpuFallback
        self.referenceFlops = referenceFlops ?? profile.referenceFlopsPerSecond
        precondition(self.referenceFlops > 0, "the reference CPU FLOP/s must be positive")
        var curves: [String: [(Double, Double)]] = [:]
        var exact: [TensorKernel: Double] = [:], around: [TensorKernel: Double] = [:]
        for s in profile.kernels where s.flops > 0 && s.seconds > 0 {
            exact[s.kernel.asFP32] = s.seconds
            if let a = s.aroundSeconds, a >= 0 { around[s.kernel.asFP32] = a }
            // sequences of different make-up do not lie on one curve: exact matches only
            if case .sequence = s.kernel { continue }
            curves[s.kind, default: []].append((Foundation.log(s.flops), Foundation.log(s.seconds)))
        }
        self.curves = curves.mapValues { $0.sorted { $0.0 < $1.0 }.map { (logFlops: $0.0, logSeconds: $0.1) } }
        self.exact = exact; self.around = around
    }

    /// Seconds of pure compute for `kernel` on the calibrated machine.
    public func computeSeconds(_ kernel: TensorKernel) -> Double {
        if let t = exact[kernel.asFP32] { return t }
        if case .sequence(let parts) = kernel { return parts.reduce(0) { $0 + computeSeconds($1) } }
        let f = kernel.flops
        guard f > 0 else { return 0 }
        guard let curve = curves[kernel.kind], !curve.isEmpty else {
            return max(f / profile.referenceFlopsPerSecond, kernel.bytesMoved / profile.memoryBandwidth)
        }
        let x = Foundation.log(f)
        if x <= curve[0].logFlops { return Foundation.exp(curve[0].logSeconds - curve[0].logFlops + x) }
        let last = curve[curve.count - 1]
        if x >= last.logFlops { return Foundation.exp(last.logSeconds - last.logFlops + x) }
        var i = 1
        while curve[i].logFlops < x { i += 1 }
        let a = curve[i - 1], b = curve[i]
        let w = b.logFlops > a.logFlops ? (x - a.logFlops) / (b.logFlops - a.logFlops) : 0
        return Foundation.exp(a.logSeconds + w * (b.logSeconds - a.logSeconds))
    }

    /// Seconds of input generation, output checksum and call overhead per task (0 unless
    /// configured): the kernel's own measurement when the profile has one, else from the rates.
    public func taskOverheadSeconds(_ kernel: TensorKernel) -> Double {
        guard includesTaskOverheads else { return 0 }
        if let a = around[kernel.asFP32] { return a }
        let checksum = profile.checksumElementsPerSecond.map { Double(kernel.outputElements) / $0 } ?? 0
        return Double(kernel.inputElements) / profile.inputElementsPerSecond + checksum + profile.perTaskOverhead
    }

    public func duration(of kernel: TensorKernel, on device: DeviceClass, processor: Processor) -> Double? {
        switch processor {
        case .cpu:
            let speedup = kernel.dtypeSpeedup(on: device, processor: .cpu)
            return computeSeconds(kernel) * referenceFlops / device.cpuFlops / speedup + taskOverheadSeconds(kernel)
        case .gpu: return gpuFallback.duration(of: kernel, on: device, processor: .gpu)
        }
    }
}

extension TensorKernel {
    /// The same kernel in FP32 (how the runtime executes every dtype).
    public var asFP32: TensorKernel {
        switch self {
        case .gemm(let m, let n, let k, _): return .gemm(m: m, n: n, k: k, dtype: .fp32)
        case .conv2d(let b, let ci, let co, let h, let w, let k, let s, let p, _):
            return .conv2d(batch: b, inChannels: ci, outChannels: co, height: h, width: w, kernel: k, stride: s, padding: p, dtype: .fp32)
        case .attention(let b, let h, let l, let d, _): return .attention(batch: b, heads: h, seqLen: l, headDim: d, dtype: .fp32)
        case .elementwise(let n, let f, _): return .elementwise(count: n, flopsPerElement: f, dtype: .fp32)
        case .reduction(let n, _): return .reduction(count: n, dtype: .fp32)
        case .sequence(let parts): return .sequence(parts.map(\.asFP32))
        }
    }
}
