import SwarmKernel

/// Pods computing on a shared Kubernetes node: per slot, the fraction of its compute left,
/// its rate (fraction per second) and when that was last brought up to date. Scratch arrays
/// are kept, so re-sharing a node allocates nothing once they have grown.
struct PodCompute {
    var left: [Double]
    var rate: [Double]
    var since: [Int64]
    var slots: [Int] = []
    var requests: [Double] = []
    var limits: [Double] = []
    var shares: [Double] = []

    init(slots: Int) {
        left = [Double](repeating: 0, count: slots)
        rate = [Double](repeating: 0, count: slots)
        since = [Int64](repeating: 0, count: slots)
    }

    /// Slot `s`'s pod starts computing at `now`: all of its work left, no rate yet.
    mutating func enter(_ s: Int, at now: Int64) { left[s] = 1; rate[s] = 0; since[s] = now }
    /// Slot `s`'s pod stopped computing (done, lost or cancelled).
    mutating func leave(_ s: Int) { left[s] = 0; rate[s] = 0 }
}

extension WorkEngine {
    /// Re-shares node `d`'s cores among the pods computing there now (`PodSpec.cpuShares`:
    /// in proportion to requests, capped by limits) and reschedules each one's end: the work
    /// done at the old rates is kept, the rest runs at the new ones. Called when a pod starts
    /// or stops computing on the node.
    /// - Complexity: O(pods on the node²); a cost-model call per computing pod.
    func sharePods(on d: Int) {
        let now = sim.now.ticks
        let c = view.deviceClass(d)
        let cores = Double(c.cores)
        podCompute!.slots.removeAll(keepingCapacity: true)
        podCompute!.requests.removeAll(keepingCapacity: true)
        podCompute!.limits.removeAll(keepingCapacity: true)
        for s in lifecycle.slots(of: d) where phase[s] == .computing {
            let spec = lifecycle.podSpec(task: Int(lifecycle.current[s]))
            podCompute!.left[s] = max(0, podCompute!.left[s] - podCompute!.rate[s] * Double(now - podCompute!.since[s]) / 1e9)
            podCompute!.since[s] = now
            podCompute!.slots.append(s)
            podCompute!.requests.append(spec.cpu)
            podCompute!.limits.append(min(spec.cpuLimit ?? cores, cores))
        }
        PodSpec.cpuShares(requests: podCompute!.requests, limits: podCompute!.limits, cores: cores, into: &podCompute!.shares)
        for (i, s) in podCompute!.slots.enumerated() {
            let t = Int(lifecycle.current[s])
            let seconds: Double
            switch lifecycle.tasks.work[t] {
            case .seconds(let x): seconds = x
            case .kernel(let k):
                let pod = c.pod(cores: podCompute!.shares[i], gpus: lifecycle.podSpec(task: t).gpus)
                seconds = configuration.costModel.best(for: k, on: pod).seconds
            }
            podCompute!.rate[s] = seconds > 0 ? 1 / seconds : .infinity
            let remaining = seconds > 0 ? podCompute!.left[s] * seconds : 0
            if let h = phaseEvent[s] { sim.cancel(h) }
            phaseEvent[s] = sim.schedule(kinds.phase, target: UInt32(s), after: SimDuration(seconds: remaining))
        }
    }
}
