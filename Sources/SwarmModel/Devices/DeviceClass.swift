import SwarmKernel

/// A kind of device: what it can compute, hold, draw and transfer, and how it comes and goes.
/// Figures are peaks from vendor data sheets unless a field says otherwise; the reference
/// runtime's calibration (issue [5]) turns peaks into sustained rates per kernel shape.
public struct DeviceClass: Sendable {
    public var name: String
    /// CPU peak, FP32 FLOP/s, all cores together.
    public var cpuFlops: Double
    public var cores: Int
    /// GPU peak, FP32 FLOP/s; 0 when the device has no usable GPU.
    public var gpuFlops: Double
    /// GPU memory in bytes (shared with RAM on SoCs); 0 without a GPU.
    public var gpuMemory: Double
    /// RAM in bytes, and its bandwidth in bytes/s (the roofline's memory roof on the CPU).
    public var memory: Double
    public var memoryBandwidth: Double
    /// GPU memory bandwidth, bytes/s; 0 without a GPU.
    public var gpuMemoryBandwidth: Double
    /// What an hour of this device costs: a cloud price, or 0 for volunteers (whose cost is
    /// credit, counted in busy hours).
    public var pricePerHour: Double
    /// Power drawn idle-but-available and busy, watts.
    public var idleWatts: Double
    public var busyWatts: Double
    /// Access link, bytes per second each way, and its latency (one way).
    public var downlink: Double
    public var uplink: Double
    public var accessLatency: SimDuration
    /// How devices of this class come and go.
    public var availability: AvailabilityModel
    /// Where each figure comes from.
    public var sources: [String]
    /// Whether the GPU shares the CPU's memory (phones, Apple-silicon laptops, Jetson-class
    /// boards): a kernel's operands need no copy over a host link. A property of the class,
    /// so a class renamed or derived from a `base` keeps it.
    public var unifiedMemory: Bool
    /// How many times the FP32 peak each narrower dtype reaches on the CPU and on the GPU
    /// (SIMD half-precision and int8 dot-product instructions, GPU tensor cores): see
    /// `peakFlops(_:dtype:)`.
    public var cpuDTypeSpeedup: DTypeSpeedup
    public var gpuDTypeSpeedup: DTypeSpeedup
    /// Pods a node of this class runs at once (Kubernetes `maxPods`), each within the node's
    /// free cores, memory and GPUs (`PodSpec`); 1: one attempt at a time, as every device that
    /// is not a Kubernetes node. At most 255.
    public var maxPods: Int = 1
    /// GPUs of a node (the pods' `gpu` requests draw on them); counted only when `hasGPU`.
    public var gpuCount: Int = 1

    public init(name: String, cpuFlops: Double, cores: Int, gpuFlops: Double = 0, gpuMemory: Double = 0,
                memory: Double, memoryBandwidth: Double = 25e9, gpuMemoryBandwidth: Double = 0,
                idleWatts: Double, busyWatts: Double, downlink: Double, uplink: Double,
                accessLatency: SimDuration, availability: AvailabilityModel, pricePerHour: Double = 0,
                sources: [String] = [], unifiedMemory: Bool = false,
                cpuDTypeSpeedup: DTypeSpeedup = .none, gpuDTypeSpeedup: DTypeSpeedup = .none) {
        precondition(cpuFlops > 0 && cores > 0 && memory > 0, "\(name): CPU, cores and memory must be positive")
        precondition(gpuFlops >= 0 && gpuMemory >= 0 && (gpuFlops == 0) == (gpuMemory == 0),
                     "\(name): a GPU needs both FLOP/s and memory")
        precondition(idleWatts >= 0 && busyWatts >= idleWatts, "\(name): need 0 ≤ idle ≤ busy watts")
        precondition(downlink > 0 && uplink > 0, "\(name): access link bandwidths must be positive")
        precondition(memoryBandwidth > 0 && gpuMemoryBandwidth >= 0 && (gpuFlops == 0 || gpuMemoryBandwidth > 0),
                     "\(name): memory bandwidths must be positive (a GPU needs its own)")
        precondition(pricePerHour >= 0, "\(name): price must be ≥ 0")
        self.name = name; self.cpuFlops = cpuFlops; self.cores = cores; self.gpuFlops = gpuFlops
        self.gpuMemory = gpuMemory; self.memory = memory; self.memoryBandwidth = memoryBandwidth
        self.gpuMemoryBandwidth = gpuMemoryBandwidth; self.pricePerHour = pricePerHour; self.idleWatts = idleWatts
        self.busyWatts = busyWatts; self.downlink = downlink; self.uplink = uplink
        self.accessLatency = accessLatency; self.availability = availability; self.sources = sources
        self.unifiedMemory = unifiedMemory
        self.cpuDTypeSpeedup = cpuDTypeSpeedup; self.gpuDTypeSpeedup = gpuDTypeSpeedup
    }

    public var hasGPU: Bool { gpuFlops > 0 }
    /// The largest working set a task may have here: its RAM, or its GPU's memory if larger.
    /// The one memory rule placement, `check` and the run's start all apply.
    public var workingMemory: Double { max(memory, gpuMemory) }
    /// Whether nodes of this class run several pods at once (`maxPods` > 1).
    public var runsPods: Bool { maxPods > 1 }
    /// GPUs a pod may request here: `gpuCount` with a GPU, else 0.
    public var gpus: Int { hasGPU ? gpuCount : 0 }

    /// Peak FLOP/s (OP/s for int8, a multiply-add counted as 2) of `processor` on matrix
    /// multiplies in `dtype`: the FP32 peak (`cpuFlops`, `gpuFlops`) times the dtype's speedup.
    public func peakFlops(_ processor: Processor, dtype: DType) -> Double {
        switch processor {
        case .cpu: return cpuFlops * cpuDTypeSpeedup[dtype]
        case .gpu: return gpuFlops * gpuDTypeSpeedup[dtype]
        }
    }
}

/// How many times its FP32 peak a processor reaches on matrix multiplies in each narrower
/// dtype: 1 where the hardware has no faster path (the data is widened to FP32), 2 for
/// double-rate half precision in SIMD units, 4 for Arm `SDOT`/x86 VNNI int8 dot products,
/// 8–32 for GPU tensor cores. FP32 is 1 by definition. Kept as ratios, so a class whose FP32
/// peak is overridden (`cpu:`/`gpu:` in a scenario, `DeviceProfile.deviceClass(speed:)`)
/// keeps its architecture's proportions.
public struct DTypeSpeedup: Sendable, Equatable, Hashable {
    public var fp16: Double
    public var bf16: Double
    public var int8: Double

    public init(fp16: Double = 1, bf16: Double = 1, int8: Double = 1) {
        precondition([fp16, bf16, int8].allSatisfy { $0 > 0 && $0.isFinite }, "dtype speedups must be positive and finite")
        self.fp16 = fp16; self.bf16 = bf16; self.int8 = int8
    }

    /// No faster path for any dtype.
    public static let none = DTypeSpeedup()

    public subscript(_ dtype: DType) -> Double {
        switch dtype {
        case .fp32: return 1
        case .fp16: return fp16
        case .bf16: return bf16
        case .int8: return int8
        }
    }
}
