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
///     t = max(FLOP / (peak · e(FLOP)), bytes / bandwidth) + overhead
///
/// with e the processor's efficiency curve. On a GPU, `overhead` adds the launch latency and
/// copying the kernel's bytes in and out over the host link (discrete GPUs only; SoCs share
/// memory).
public struct RooflineCostModel: CostModel {
    public var cpu: EfficiencyCurve
    public var gpu: EfficiencyCurve
    /// Fixed cost of a kernel call on the CPU and of a launch on the GPU, seconds.
    public var cpuOverhead: Double
    public var gpuLaunchOverhead: Double
    /// Host-to-GPU bandwidth for discrete GPUs (PCIe 4.0 x16 ≈ 25 GB/s sustained), bytes/s.
    public var hostToGPUBandwidth: Double
    /// Classes whose GPU shares memory with the CPU (no copy).
    public var unifiedMemoryClasses: Set<String>

    /// Defaults before calibration: CPUs sustain up to 70% of peak on large GEMMs, GPUs 60%;
    /// half of that at 10⁸ and 10¹⁰ FLOP respectively; 5 µs per CPU call, 10 µs per launch.
    public init(cpu: EfficiencyCurve = .init(maxEfficiency: 0.7, halfSaturationFlops: 1e8),
                gpu: EfficiencyCurve = .init(maxEfficiency: 0.6, halfSaturationFlops: 1e10),
                cpuOverhead: Double = 5e-6, gpuLaunchOverhead: Double = 10e-6,
                hostToGPUBandwidth: Double = 25e9,
                unifiedMemoryClasses: Set<String> = ["phone", "laptop", "edge-box"]) {
        self.cpu = cpu; self.gpu = gpu; self.cpuOverhead = cpuOverhead
        self.gpuLaunchOverhead = gpuLaunchOverhead; self.hostToGPUBandwidth = hostToGPUBandwidth
        self.unifiedMemoryClasses = unifiedMemoryClasses
    }

    public func duration(of kernel: TensorKernel, on device: DeviceClass, processor: Processor) -> Double? {
        let f = kernel.flops, b = kernel.bytesMoved
        switch processor {
        case .cpu:
            let compute = f / (device.cpuFlops * max(cpu.efficiency(flops: f), 1e-9))
            return max(compute, b / device.memoryBandwidth) + cpuOverhead
        case .gpu:
            guard device.hasGPU, kernel.workingSetBytes <= device.gpuMemory else { return nil }
            let compute = f / (device.gpuFlops * max(gpu.efficiency(flops: f), 1e-9))
            let copy = unifiedMemoryClasses.contains(device.name) ? 0 : b / hostToGPUBandwidth
            return max(compute, b / device.gpuMemoryBandwidth) + gpuLaunchOverhead + copy
        }
    }
}
