import SwarmKernel
import SwarmModel

/// A Kubernetes-style scheduling framework: for each task, a bounded set of candidate
/// devices passes through Filter plugins (any that says no removes the device), and the
/// survivors are ranked by the weighted sum of Score plugins, each normalised to [0, 1] over
/// the candidates (Score, then NormalizeScore); the best candidate wins, ties to the earlier
/// one. It mirrors the filter and score extension points of the Kubernetes scheduling
/// framework ("Scheduling Framework", kubernetes.io/docs/concepts/scheduling-eviction/
/// scheduling-framework, KEP-624) and its `percentageOfNodesToScore` sampling: candidates are
/// never a fleet scan but, per task, the first idle device of each class (its data's region
/// preferred; at most `sampleSize` classes) plus uniformly random idle devices up to
/// `sampleSize`, all within the task's residency. One device per class means a filter that
/// rejects whole classes (GPU memory) cannot starve a task another class could run.
///
/// On Kubernetes nodes (`DeviceClass.maxPods` > 1) it schedules on resources as the default
/// kube-scheduler profile does: NodeResourcesFit filters out nodes whose free cores, memory
/// and GPUs cannot hold the task's pod requests (`PodSpec`), and LeastAllocated plus
/// BalancedAllocation score the rest — pods spread to the emptiest, evenly filled nodes.
///
/// The registered `kube-score` uses `Filter.defaults` and the default plugins' scores with the
/// weights of its `Parameters` (a scenario file sets them: `compute_weight`, `locality_weight`,
/// `reliability_weight`, `least_allocated_weight`, `balanced_weight`, `sample_size`); compose others with `KubeScorePolicy(filters:scores:context:)`.
///
/// - Complexity: O(sampleSize × (classes × regions + filters + scores)) per task.
public struct KubeScorePolicy: SchedulingPolicy {
    public static let name = "kube-score"
    public static let summary = "Kubernetes-style filter + weighted score plugins over a sample of ≤ 16 idle devices."

    /// What a plugin sees: the task, one candidate device, the fleet and the policy's context.
    public typealias Probe = (task: ReadyTask, device: Int, fleet: FleetView, context: PolicyContext)

    /// A Filter plugin: whether the device may run the task at all.
    public struct Filter: Sendable {
        public let name: String
        public let admits: @Sendable (Probe) -> Bool
        public init(_ name: String, admits: @escaping @Sendable (Probe) -> Bool) { self.name = name; self.admits = admits }

        /// The device's region is in the task's residency.
        public static let residency = Filter("residency") { $0.task.residency.contains($0.fleet.region($0.device)) }
        /// The device is online and idle now.
        public static let onlineIdle = Filter("online-idle") { $0.fleet.isOnline($0.device) && $0.fleet.isIdle($0.device) }
        /// A kernel is not put on a GPU device whose GPU memory cannot hold its working set
        /// (it would fall back to the host CPU and waste the GPU); CPU-only devices and
        /// fixed-seconds work pass.
        public static let gpuFitsMemory = Filter("gpu-fits-memory") { p in
            guard case .kernel(let k) = p.task.work else { return true }
            let c = p.fleet.deviceClass(p.device)
            return !c.hasGPU || k.workingSetBytes <= c.gpuMemory
        }
        /// Kubernetes' NodeResourcesFit filter: on a Kubernetes node the task's pod requests
        /// fit the node's free (unrequested) cores, memory and GPUs; elsewhere, the device
        /// holds its working set (`FleetView.admits`).
        public static let resourcesFit = Filter("node-resources-fit") { $0.fleet.admits($0.task, on: $0.device) }
        public static let defaults: [Filter] = [.residency, .gpuFitsMemory, .resourcesFit, .onlineIdle]
    }

    /// A Score plugin: a raw value, higher is better and ≥ 0, normalised by the policy to
    /// value / max over the candidates, then multiplied by `weight`.
    public struct Score: Sendable {
        public let name: String
        public let weight: Double
        public let score: @Sendable (Probe) -> Double
        public init(_ name: String, weight: Double, score: @escaping @Sendable (Probe) -> Double) {
            precondition(weight >= 0 && weight.isFinite, "score weight must be finite and ≥ 0")
            self.name = name; self.weight = weight; self.score = score
        }

        /// 1 / compute seconds on the device (the cost model's best processor for a kernel;
        /// fixed-seconds work scores the same everywhere).
        public static func fasterCompute(weight: Double = 2) -> Score {
            Score("faster-compute", weight: weight) { p in
                switch p.task.work {
                case .seconds(let s): return 1 / max(s, 1e-9)
                case .kernel(let k): return 1 / max(p.context.costModel.best(for: k, on: p.fleet.deviceClass(p.device)).seconds, 1e-9)
                }
            }
        }
        /// 1 / time to fetch the input: one-way latency from the data's region (the
        /// context's `latency`) plus access latency plus bytes over the device's downlink;
        /// the same everywhere for a task without input (it fetches nothing).
        public static func dataLocality(weight: Double = 1) -> Score {
            Score("data-locality", weight: weight) { p in
                guard p.task.inputBytes > 0 else { return 1 }
                let c = p.fleet.deviceClass(p.device)
                let fetch = p.context.latency(p.task.dataRegion, p.fleet.region(p.device)) + c.accessLatency.seconds + p.task.inputBytes / c.downlink
                return 1 / (1e-3 + fetch)
            }
        }
        /// The device's share of attempts finished so far (`FleetView.reliability`).
        public static func reliability(weight: Double = 1) -> Score {
            Score("reliability", weight: weight) { $0.fleet.reliability($0.device) }
        }
        /// Kubernetes' default NodeResourcesFit scoring, `LeastAllocated`: the mean over CPU,
        /// memory and (on nodes that have them) GPUs of the share left free once the task's
        /// requests are placed, (free − request) / capacity — pods spread to the emptiest
        /// nodes. A device that is not a Kubernetes node counts as an empty one; in a fleet
        /// without Kubernetes nodes every device scores 1 (the ranking is the other plugins').
        public static func leastAllocated(weight: Double = 1) -> Score {
            Score("least-allocated", weight: weight) { p in
                guard p.fleet.hasPods else { return 1 }
                let (cap, free, want) = (p.fleet.capacity(p.device), p.fleet.free(p.device), p.fleet.requests(p.task))
                var sum = (free.cores - want.cores) / cap.cores + (free.memory - want.memory) / cap.memory, n = 2.0
                if cap.gpus > 0 { sum += Double(free.gpus - want.gpus) / Double(cap.gpus); n += 1 }
                return max(0, sum / n)
            }
        }
        /// Kubernetes' NodeResourcesBalancedAllocation: 1 − the standard deviation of the
        /// requested shares of CPU, memory (and GPUs) once the task is placed — a node whose
        /// resources fill evenly is preferred. 1 everywhere in a fleet without Kubernetes nodes.
        public static func balancedAllocation(weight: Double = 1) -> Score {
            Score("balanced-allocation", weight: weight) { p in
                guard p.fleet.hasPods else { return 1 }
                let (cap, free, want) = (p.fleet.capacity(p.device), p.fleet.free(p.device), p.fleet.requests(p.task))
                let cpu = (cap.cores - free.cores + want.cores) / cap.cores, memory = (cap.memory - free.memory + want.memory) / cap.memory
                let gpu = cap.gpus > 0 ? Double(cap.gpus - free.gpus + want.gpus) / Double(cap.gpus) : nil
                let n = gpu == nil ? 2.0 : 3.0
                let mean = (cpu + memory + (gpu ?? 0)) / n
                var variance = (cpu - mean) * (cpu - mean) + (memory - mean) * (memory - mean)
                if let gpu { variance += (gpu - mean) * (gpu - mean) }
                return max(0, 1 - (variance / n).squareRoot())
            }
        }
        public static let defaults: [Score] = [.fasterCompute(), .dataLocality(), .reliability(), .leastAllocated(), .balancedAllocation()]
    }

    public let filters: [Filter]
    public let scores: [Score]
    public let sampleSize: Int
    let context: PolicyContext
    var rng: Xoshiro256
    var candidates: [Int] = []
    /// `[c]` for each class c, fastest first (at most `sampleSize`), built on the first call.
    var singleClass: [[Int]] = []
    var total: [Double] = []
    var values: [Double] = []

    /// The weights of the default score plugins and the candidate bound, settable from a
    /// scenario file.
    public struct Parameters: PolicyParameters {
        public static let fields = [
            PolicyParameter("compute_weight", .number(0...1000), default: 2, doc: "weight of `faster-compute` (1 / the cost model's seconds)"),
            PolicyParameter("locality_weight", .number(0...1000), default: 1, doc: "weight of `data-locality` (1 / time to fetch the input)"),
            PolicyParameter("reliability_weight", .number(0...1000), default: 1, doc: "weight of `reliability` (share of attempts finished)"),
            PolicyParameter("least_allocated_weight", .number(0...1000), default: 1, doc: "weight of `least-allocated` (Kubernetes LeastAllocated: mean free share of a node's cores, memory, GPUs after the task)"),
            PolicyParameter("balanced_weight", .number(0...1000), default: 1, doc: "weight of `balanced-allocation` (1 − spread of a node's requested shares after the task)"),
            PolicyParameter("sample_size", .integer(1...1024), default: 16, doc: "candidate devices per task (the first idle of each class, then random ones)"),
        ]
        public var computeWeight: Double, localityWeight: Double, reliabilityWeight: Double
        public var leastAllocatedWeight: Double, balancedWeight: Double
        public var sampleSize: Int
        public init(computeWeight: Double = 2, localityWeight: Double = 1, reliabilityWeight: Double = 1,
                    leastAllocatedWeight: Double = 1, balancedWeight: Double = 1, sampleSize: Int = 16) {
            self.computeWeight = computeWeight; self.localityWeight = localityWeight
            self.reliabilityWeight = reliabilityWeight; self.sampleSize = sampleSize
            self.leastAllocatedWeight = leastAllocatedWeight; self.balancedWeight = balancedWeight
        }
        public init(values: PolicyParameterValues) {
            self.init(computeWeight: values.value("compute_weight"), localityWeight: values.value("locality_weight"),
                      reliabilityWeight: values.value("reliability_weight"), leastAllocatedWeight: values.value("least_allocated_weight"),
                      balancedWeight: values.value("balanced_weight"), sampleSize: values.integer("sample_size"))
        }
    }

    public init(parameters: Parameters, context: PolicyContext) {
        self.init(filters: Filter.defaults,
                  scores: [.fasterCompute(weight: parameters.computeWeight), .dataLocality(weight: parameters.localityWeight),
                           .reliability(weight: parameters.reliabilityWeight), .leastAllocated(weight: parameters.leastAllocatedWeight),
                           .balancedAllocation(weight: parameters.balancedWeight)],
                  sampleSize: parameters.sampleSize, context: context)
    }

    /// A framework with these plugins; `sampleSize` bounds the candidates per task.
    public init(filters: [Filter], scores: [Score], sampleSize: Int = 16, context: PolicyContext) {
        precondition(sampleSize >= 1, "sample size must be ≥ 1")
        self.filters = filters; self.scores = scores; self.sampleSize = sampleSize; self.context = context
        rng = context.streams.stream("policy", entity: stableHash(Self.name))
    }

    public mutating func place(_ ready: ReadyTasks, on fleet: FleetView, into placements: inout Placements) {
        for task in ready {
            if fleet.idleCount == 0 { return }
            sample(task, fleet)
            let filters = self.filters, context = self.context
            candidates.removeAll { d in !filters.allSatisfy { $0.admits((task, d, fleet, context)) } }
            if let d = best(task, fleet) { placements.assign(task, to: d) }
        }
    }

    /// The first idle device of each class (data region preferred), then random idle devices.
    mutating func sample(_ task: ReadyTask, _ fleet: FleetView) {
        candidates.removeAll(keepingCapacity: true)
        if singleClass.isEmpty { singleClass = fleet.classesBySpeed.prefix(sampleSize).map { [$0] } }
        for order in singleClass {
            if let d = fleet.firstIdle(in: task.residency, preferring: task.dataRegion, classOrder: order) { candidates.append(d) }
        }
        var draws = 0
        while candidates.count < sampleSize && draws < sampleSize, let d = fleet.randomIdle(in: task.residency, using: &rng) {
            draws += 1
            if !candidates.contains(d) { candidates.append(d) }
        }
    }

    /// The candidate with the highest weighted sum of normalised scores (first on ties).
    mutating func best(_ task: ReadyTask, _ fleet: FleetView) -> Int? {
        guard !candidates.isEmpty else { return nil }
        let n = candidates.count
        total.removeAll(keepingCapacity: true)
        total.append(contentsOf: repeatElement(0, count: n))
        for s in scores where s.weight > 0 {
            values.removeAll(keepingCapacity: true)
            var top = 0.0
            for d in candidates {
                let v = max(0, s.score((task, d, fleet, context)))
                values.append(v.isFinite ? v : 0)
                top = max(top, values[values.count - 1])
            }
            guard top > 0 else { continue }
            for i in 0..<n { total[i] += s.weight * values[i] / top }
        }
        var winner = 0
        for i in 1..<n where total[i] > total[winner] { winner = i }
        return candidates[winner]
    }
}
