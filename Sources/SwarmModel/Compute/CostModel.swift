/// Which processor of a device runs a kernel.
public enum Processor: String, Sendable, Codable { case cpu, gpu }

/// How long a kernel takes on a device. One required method returning a decision the engine
/// applies; implementations are values chosen by name in a scenario.
public protocol CostModel: Sendable {
    /// Seconds to run `kernel` on `device`'s `processor`; nil when it cannot (no GPU, or the
    /// working set does not fit its memory).
    func duration(of kernel: TensorKernel, on device: DeviceClass, processor: Processor) -> Double?
}

extension CostModel {
    /// Seconds `work` takes on `device` on its faster processor: fixed seconds as given, a
    /// kernel (or a sequence of kernels) as `best(for:on:)` says. What a driver of the task
    /// lifecycle charges for an attempt.
    public func seconds(for work: TaskWork, on device: DeviceClass) -> Double {
        switch work {
        case .seconds(let s): return s
        case .kernel(let k): return best(for: k, on: device).seconds
        }
    }

    /// The faster eligible processor and its time: a GPU is used only if the kernel fits its
    /// memory and finishes sooner there (launch and transfer overheads included).
    public func best(for kernel: TensorKernel, on device: DeviceClass) -> (processor: Processor, seconds: Double) {
        let cpu = duration(of: kernel, on: device, processor: .cpu)!
        if let gpu = duration(of: kernel, on: device, processor: .gpu), gpu < cpu { return (.gpu, gpu) }
        return (.cpu, cpu)
    }
}

/// The fraction of peak a processor reaches on a kernel, rising with the kernel's size:
/// e(f) = maxEfficiency · f / (f + halfSaturationFlops). Small kernels cannot fill wide
/// vector units or many GPU cores; big ones approach a sustained fraction of peak. The
/// reference runtime's calibration (issue [5]) fits both parameters per device class.
public struct EfficiencyCurve: Sendable, Equatable, Codable {
    public var maxEfficiency: Double
    public var halfSaturationFlops: Double

    public init(maxEfficiency: Double, halfSaturationFlops: Double) {
        precondition(maxEfficiency > 0 && maxEfficiency <= 1, "efficiency must lie in (0, 1]")
        precondition(halfSaturationFlops >= 0, "half-saturation FLOPs must be ≥ 0")
        self.maxEfficiency = maxEfficiency; self.halfSaturationFlops = halfSaturationFlops
    }

    public func efficiency(flops: Double) -> Double {
        maxEfficiency * flops / (flops + halfSaturationFlops)
    }
}

/// The roofline model (Williams, Waterman and Patterson, "Roofline: an insightful visual
/// performance model for multicore architectures", CACM 2009):
///
///     t = max((matrixFLOP / (peak · s_dtype) + otherFLOP / peak) / e(FLOP), bytes / bandwidth) + overhead
///
/// with e the processor's efficiency curve, peak its FP32 peak and s_dtype the speedup of the
/// kernel's dtype on it (`DeviceClass.peakFlops(_:dtype:)`: tensor cores, int8 dot products),
/// which applies to the FLOPs of matrix multiplies only (softmax, elementwise and reductions
/// run at the FP32 vector rate; they are mostly memory-bound anyway). Bytes are counted at
/// the dtype's width. On a GPU, `overhead` adds the launch latency and copying the kernel's
/// bytes in and out over the host link, unless the class has `unifiedMemory`. A `.sequence`
/// costs the sum of its parts, each a separate call (with its own launch and copies: an
/// upper bound on a discrete GPU, where a fused layer would keep intermediates on the card).
public struct RooflineCostModel: CostModel {
    public var cpu: EfficiencyCurve
    public var gpu: EfficiencyCurve
    /// Fixed cost of a kernel call on the CPU and of a launch on the GPU, seconds.
    public var cpuOverhead: Double
    public var gpuLaunchOverhead: Double
    /// Host-to-GPU bandwidth for discrete GPUs (PCIe 4.0 x16 ≈ 25 GB/s sustained), bytes/s.
    /// Classes with `unifiedMemory` copy nothing.
    public var hostToGPUBandwidth: Double

    /// Defaults before calibration: CPUs sustain up to 70% of peak on large GEMMs, GPUs 60%;
    /// half of that at 10⁸ and 10¹⁰ FLOP respectively; 5 µs per CPU call, 10 µs per launch.
    public init(cpu: EfficiencyCurve = .init(maxEfficiency: 0.7, halfSaturationFlops: 1e8),
                gpu: EfficiencyCurve = .init(maxEfficiency: 0.6, halfSaturationFlops: 1e10),
                cpuOverhead: Double = 5e-6, gpuLaunchOverhead: Double = 10e-6,
                hostToGPUBandwidth: Double = 25e9) {
        self.cpu = cpu; self.gpu = gpu; self.cpuOverhead = cpuOverhead
        self.gpuLaunchOverhead = gpuLaunchOverhead; self.hostToGPUBandwidth = hostToGPUBandwidth
    }

    public func duration(of kernel: TensorKernel, on device: DeviceClass, processor: Processor) -> Double? {
        if case .sequence(let parts) = kernel {
            var total = 0.0
            for p in parts {
                guard let t = duration(of: p, on: device, processor: processor) else { return nil }
                total += t
            }
            return total
        }
        let f = kernel.flops, b = kernel.bytesMoved
        switch processor {
        case .cpu:
            let compute = kernel.peakSeconds(on: device, processor: .cpu) / max(cpu.efficiency(flops: f), 1e-9)
            return max(compute, b / device.memoryBandwidth) + cpuOverhead
        case .gpu:
            guard device.hasGPU, kernel.workingSetBytes <= device.gpuMemory else { return nil }
            let compute = kernel.peakSeconds(on: device, processor: .gpu) / max(gpu.efficiency(flops: f), 1e-9)
            let copy = device.unifiedMemory ? 0 : b / hostToGPUBandwidth
            return max(compute, b / device.gpuMemoryBandwidth) + gpuLaunchOverhead + copy
        }
    }
}

extension TensorKernel {
    /// Seconds at 100% of `processor`'s peaks: matrix FLOPs at the dtype's peak, the others at
    /// the FP32 peak.
    public func peakSeconds(on device: DeviceClass, processor: Processor) -> Double {
        let matrix = matrixFlops
        let fp32 = processor == .cpu ? device.cpuFlops : device.gpuFlops
        return matrix / device.peakFlops(processor, dtype: dtype) + (flops - matrix) / fp32
    }

    /// How much faster than in FP32 this kernel computes at peak on `processor` (1 for FP32 or
    /// a processor without a fast path for the dtype): the FP32 time over the dtype's time.
    public func dtypeSpeedup(on device: DeviceClass, processor: Processor) -> Double {
        let f = flops
        guard f > 0 else { return 1 }
        let matrix = matrixFlops
        let s = processor == .cpu ? device.cpuDTypeSpeedup[dtype] : device.gpuDTypeSpeedup[dtype]
        guard s != 1 else { return 1 }
        return f / (matrix / s + (f - matrix))
    }
}
