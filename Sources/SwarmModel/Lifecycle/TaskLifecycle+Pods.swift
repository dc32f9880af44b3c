import SwarmKernel

/// The pod slots of Kubernetes nodes (`DeviceClass.maxPods` > 1): slot d is device d's own;
/// a node's further maxPods − 1 slots are numbered after the devices, in device order. Flat
/// arrays, built once; nothing here when no device runs pods.
struct PodSlots {
    let deviceCount: Int
    /// Per device: its first further slot (−1: none).
    let firstExtra: [Int32]
    /// Per further slot (index s − deviceCount): its device.
    let deviceOfExtra: [Int32]
    /// Per slot: what its pod reserved (given back when the attempt ends).
    var reserved: [PodResources]

    init(fleet: Fleet) {
        deviceCount = fleet.count
        var first = [Int32](repeating: -1, count: fleet.count), owners: [Int32] = []
        for d in 0..<fleet.count {
            let extra = fleet.deviceClass(d).maxPods - 1
            guard extra > 0 else { continue }
            first[d] = Int32(fleet.count + owners.count)
            owners.append(contentsOf: repeatElement(Int32(d), count: extra))
        }
        firstExtra = first; deviceOfExtra = owners
        reserved = [PodResources](repeating: PodResources(cores: 0, memory: 0, gpus: 0), count: fleet.count + owners.count)
    }

    var slotCount: Int { deviceCount + deviceOfExtra.count }
}

/// The slots of one device: its own id, then its further pod slots. Allocation-free.
public struct DeviceSlots: Sequence {
    let first: Int
    let extra: Range<Int>
    public func makeIterator() -> Iterator { Iterator(first: first, extra: extra, at: -1) }
    public struct Iterator: IteratorProtocol {
        let first: Int
        let extra: Range<Int>
        var at: Int
        public mutating func next() -> Int? {
            if at < 0 { at = extra.lowerBound; return first }
            guard at < extra.upperBound else { return nil }
            defer { at += 1 }
            return at
        }
    }
}

extension TaskLifecycle {
    /// How many attempt slots the run has: one per device, plus a Kubernetes node's further
    /// pod slots.
    public var slotCount: Int { current.count }

    /// The device slot `s` belongs to.
    public func device(ofSlot s: Int) -> Int {
        guard let pods, s >= pods.deviceCount else { return s }
        return Int(pods.deviceOfExtra[s - pods.deviceCount])
    }

    /// The slots of device `d` (just `d` unless it runs pods).
    public func slots(of d: Int) -> DeviceSlots {
        guard let pods, pods.firstExtra[d] >= 0 else { return DeviceSlots(first: d, extra: 0..<0) }
        let lo = Int(pods.firstExtra[d])
        return DeviceSlots(first: d, extra: lo..<(lo + view.maxPods(d) - 1))
    }

    /// A slot of `d` running nothing (−1: none).
    func freeSlot(_ d: Int) -> Int {
        for s in slots(of: d) where current[s] < 0 { return s }
        return -1
    }

    /// Reserves task `t`'s pod requests on node `d` for slot `s`.
    func reserve(_ t: Int, on d: Int, slot s: Int) {
        let r = podRequests(t)
        precondition(view.free(d).admits(r), "\(TaskID(index: t))'s pod requests do not fit node \(d)")
        pods!.reserved[s] = r
        view.take(r, on: d)
    }

    /// What task `t` reserves on a Kubernetes node (`FleetView.requests` of its ready form).
    func podRequests(_ t: Int) -> PodResources {
        var workingSet = 0.0
        if case .kernel(let k) = tasks.work[t] { workingSet = k.workingSetBytes }
        return view.podSpec(job: Int(tasks.job[t])).requests(workingSet: workingSet)
    }

    /// Gives back what slot `s`'s pod reserved on node `d`.
    func giveBack(slot s: Int, device d: Int) {
        view.take(pods!.reserved[s], on: d, sign: -1)
        pods!.reserved[s] = PodResources(cores: 0, memory: 0, gpus: 0)
    }

    /// The share of its device an attempt in slot `s` counts as busy (energy, money, busy
    /// seconds): a pod its requested cores over the node's; 1 elsewhere.
    func busyShare(_ s: Int) -> Double {
        guard let pods else { return 1 }
        let d = device(ofSlot: s)
        guard view.runsPods(d) else { return 1 }
        return min(1, pods.reserved[s].cores / Double(view.deviceClass(d).cores))
    }

    /// The pod spec of task `t` (its job's).
    public func podSpec(task t: Int) -> PodSpec { view.podSpec(job: Int(tasks.job[t])) }
}
