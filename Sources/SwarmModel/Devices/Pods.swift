/// CPU cores, memory bytes and GPUs: what a Kubernetes node has and what a pod requests.
public struct PodResources: Sendable, Equatable {
    public var cores: Double
    public var memory: Double
    public var gpus: Int
    public init(cores: Double, memory: Double, gpus: Int) { self.cores = cores; self.memory = memory; self.gpus = gpus }

    /// Whether `request` fits in these (free) resources.
    public func admits(_ request: PodResources) -> Bool {
        request.cores <= cores + 1e-9 && request.memory <= memory && request.gpus <= gpus
    }
}

/// What each task of a workload asks of a Kubernetes node (`maxPods` > 1), as a pod does:
/// `requests` are reserved on the node while the attempt runs (the scheduler admits a pod
/// only where they fit); the CPU `limit` caps the cores the pod may use. Devices that are not
/// Kubernetes nodes ignore it (one attempt at a time, the whole device).
///
/// The rule for speed (Linux CFS as the kubelet configures it: `cpu.shares` proportional to
/// requests, the CFS quota set by limits): the pods computing on a node share its cores in
/// proportion to their CPU requests, none above its limit, cores a capped pod leaves going to
/// the others (water-filling, `cpuShares`); shares are recomputed whenever a pod starts or
/// stops computing there. A pod with `c` cores computes as a device with the node's CPU FLOP/s
/// and memory bandwidth times c / cores, and with its requested GPUs' share of the node's
/// GPU (none without a GPU request). Fixed-seconds work takes its seconds anywhere.
public struct PodSpec: Sendable, Equatable {
    /// Cores requested (> 0).
    public var cpu: Double
    /// Memory requested, bytes; nil: the task's working set. A pod always holds at least its
    /// working set.
    public var memory: Double?
    /// GPUs requested.
    public var gpus: Int
    /// The most cores the pod may use; nil: the node's cores.
    public var cpuLimit: Double?

    public init(cpu: Double = 1, memory: Double? = nil, gpus: Int = 0, cpuLimit: Double? = nil) {
        precondition(cpu > 0 && cpu.isFinite, "a pod requests a positive number of cores")
        precondition(memory.map { $0 >= 0 } ?? true && gpus >= 0, "pod requests must be ≥ 0")
        precondition(cpuLimit.map { $0 >= cpu } ?? true, "a pod's CPU limit must be at least its request")
        self.cpu = cpu; self.memory = memory; self.gpus = gpus; self.cpuLimit = cpuLimit
    }

    /// One core, the working set's memory, no GPU, no limit: what a task without a `pod`
    /// section asks.
    public static let standard = PodSpec()

    /// What a task with `workingSet` bytes reserves.
    public func requests(workingSet: Double) -> PodResources {
        PodResources(cores: cpu, memory: max(memory ?? 0, workingSet), gpus: gpus)
    }

    /// Cores for each pod computing on a node of `cores` cores: proportional to `requests`,
    /// none above its `limits` entry, spare cores redistributed among the uncapped
    /// (water-filling). Writes into `shares` (same count), allocation-free when it has room.
    /// - Complexity: O(pods²) worst case (one pass per pod capped); pods ≤ 255.
    public static func cpuShares(requests: [Double], limits: [Double], cores: Double, into shares: inout [Double]) {
        let n = requests.count
        shares.removeAll(keepingCapacity: true)
        shares.append(contentsOf: repeatElement(-1, count: n))   // −1: not yet fixed
        var left = cores
        while true {
            var weight = 0.0
            for i in 0..<n where shares[i] < 0 { weight += requests[i] }
            guard weight > 0 else { return }
            var capped = false
            for i in 0..<n where shares[i] < 0 && left * requests[i] / weight >= limits[i] {
                shares[i] = limits[i]; left -= limits[i]; capped = true
            }
            if !capped {
                for i in 0..<n where shares[i] < 0 { shares[i] = left * requests[i] / weight }
                return
            }
        }
    }
}

extension DeviceClass {
    /// What a pod with `cores` cores and `gpus` GPUs of a node of this class computes as (see
    /// `PodSpec` for the rule).
    public func pod(cores c: Double, gpus g: Int) -> DeviceClass {
        var p = self
        let f = min(1, c / Double(cores))
        p.cpuFlops = cpuFlops * f
        p.memoryBandwidth = memoryBandwidth * f
        if g == 0 || !hasGPU {
            p.gpuFlops = 0; p.gpuMemory = 0; p.gpuMemoryBandwidth = 0
        } else {
            let share = min(1, Double(g) / Double(gpus))
            p.gpuFlops = gpuFlops * share; p.gpuMemoryBandwidth = gpuMemoryBandwidth * share
        }
        return p
    }
}
