import SwarmKernel
import SwarmModel

/// Sends each kernel to the processor the cost model says suits it: a kernel that runs
/// faster on a GPU (`costModel.best(for:on:)` picks `.gpu` on at least one GPU class of the
/// fleet — it fits that GPU's memory and beats the CPU including launch and copy overheads)
/// goes to an idle GPU device first, the fastest such GPU first; other work (small or
/// memory-bound kernels, fixed-seconds work) goes to CPU-only devices first, keeping the GPUs
/// free; either falls back to any idle device its residency allows. This is the
/// affinity-by-kernel-class rule of heterogeneous runtimes such as StarPU (Augonnet, Thibault,
/// Namyst and Wacrenier, "StarPU: a unified platform for task scheduling on heterogeneous
/// multicore architectures", CCPE 23(2), 2011), whose per-architecture performance models
/// the cost model plays here.
///
/// - Complexity: per task O(classes × regions) for the device; a kernel's class order is
///   computed once (O(classes log classes)) and cached (at most 4,096 kernels, then reset).
public struct GPUAffinityPolicy: SchedulingPolicy {
    public static let name = "gpu-affinity"
    public static let summary = "GPU-friendly kernels on the fastest idle GPU, other work on CPU-only devices first."
    let costModel: any CostModel
    var orders: [TensorKernel: [Int]] = [:]
    /// CPU-only classes (fastest CPU first), then GPU classes (fastest CPU first).
    var cpuFirst: [Int] = []

    public init(parameters: NoParameters, context: PolicyContext) { costModel = context.costModel }

    public mutating func place(_ ready: ReadyTasks, on fleet: FleetView, into placements: inout Placements) {
        let classes = fleet.fleet.classes
        if cpuFirst.isEmpty {
            cpuFirst = classes.indices.sorted {
                (classes[$0].hasGPU ? 1 : 0, -classes[$0].cpuFlops, $0) < (classes[$1].hasGPU ? 1 : 0, -classes[$1].cpuFlops, $1)
            }
        }
        for task in ready {
            if fleet.idleCount == 0 { return }
            let order: [Int]
            switch task.work {
            case .seconds: order = cpuFirst
            case .kernel(let k): order = classOrder(for: k, classes: classes)
            }
            if let d = fleet.firstIdle(in: task.residency, classOrder: order) { placements.assign(task, to: d) }
        }
    }

    /// GPU classes where the cost model runs `k` on the GPU, fastest first; then the rest,
    /// fastest first. Without such a class, `cpuFirst`.
    mutating func classOrder(for k: TensorKernel, classes: [DeviceClass]) -> [Int] {
        if let o = orders[k] { return o }
        let timed = classes.indices.map { c in (c, costModel.best(for: k, on: classes[c])) }
        let onGPU = timed.filter { $0.1.processor == .gpu }.sorted { ($0.1.seconds, $0.0) < ($1.1.seconds, $1.0) }
        let order: [Int]
        if onGPU.isEmpty {
            order = cpuFirst
        } else {
            let gpuSet = Set(onGPU.map(\.0))
            order = onGPU.map(\.0) + timed.filter { !gpuSet.contains($0.0) }.sorted { ($0.1.seconds, $0.0) < ($1.1.seconds, $1.0) }.map(\.0)
        }
        if orders.count >= 4096 { orders.removeAll(keepingCapacity: true) }
        orders[k] = order
        return order
    }
}
