import SwarmKernel

/// What a scheduling policy sees of the fleet: who is online and idle, where, how fast, how
/// reliable so far — read-only to policies (the engine alone changes it), and indexed so
/// that a placement never scans the fleet. A device given a task by `Placements.assign`
/// leaves the idle index at once, so the next query in the same `place` call skips it.
///
/// Online idle devices are kept in buckets by (class, region), each an array with O(1)
/// insertion and removal (swap with the last, positions kept per device). Queries visit
/// buckets, not devices: at most classes × regions of them.
public final class FleetView {
    public let fleet: Fleet
    /// Regions' names, for policies that reason about places.
    public var regionCount: Int { fleet.regionNames.count }
    @exclusivity(unchecked) var buckets: [[UInt32]]
    @exclusivity(unchecked) var position: [Int32]
    /// Devices in the index, kept as they enter and leave it.
    @exclusivity(unchecked) var indexed = 0
    /// Class ids from fastest to slowest (by best-processor peak FLOP/s).
    public let classesBySpeed: [Int]
    /// Per device: tasks finished and attempts lost so far.
    @exclusivity(unchecked) public internal(set) var completed: [UInt32]
    @exclusivity(unchecked) public internal(set) var failed: [UInt32]
    /// Per device: attempts running now (0 or 1, except on Kubernetes nodes: pods).
    @exclusivity(unchecked) public internal(set) var running: [UInt8]
    /// Whether any device is a Kubernetes node running pods (`DeviceClass.maxPods` > 1).
    public let hasPods: Bool
    /// Per class: pods a node runs at once (`DeviceClass.maxPods`), read without copying a class.
    let classMaxPods: [Int]
    /// `fleet.count`, stored: reading it through `fleet` copies the fleet's arrays (retains).
    let deviceCount: Int
    /// Per class, the scalars the engine reads per event (`rates(_:)`).
    let classRates: [ClassRates]
    /// Per device, when `hasPods` (else empty): cores, memory and GPUs not requested by the
    /// pods running there.
    @exclusivity(unchecked) public internal(set) var freeCores: [Double]
    @exclusivity(unchecked) public internal(set) var freeMemory: [Double]
    @exclusivity(unchecked) public internal(set) var freeGPUs: [Int32]
    /// Per device, when `hasPods`: pods assigned in the current `place` call, not yet started.
    @exclusivity(unchecked) var heldPods: [UInt8]
    /// Per job (`TaskTable.job`): what its tasks request as pods; a job beyond the list asks
    /// `PodSpec.standard`.
    @exclusivity(unchecked) public internal(set) var podSpecs: [PodSpec] = []
    /// The least cores and GPUs any job requests: a node with less free is not offered.
    @exclusivity(unchecked) var leastRequest = (cores: 1.0, gpus: 0)
    @exclusivity(unchecked) public internal(set) var onlineCount = 0
    /// When each device last came online (ticks), for uptime-aware policies.
    @exclusivity(unchecked) public internal(set) var onlineSince: [Int64]
    @exclusivity(unchecked) public internal(set) var now: SimTime = .zero
    /// The stored objects tasks read, when the run has some (`input_object`): who holds a
    /// task's input and how near it is, for policies that place tasks near their data; nil
    /// otherwise.
    @exclusivity(unchecked) public internal(set) var storage: StorageLocality?

    public init(fleet: Fleet) {
        self.fleet = fleet
        classRates = fleet.classes.map(ClassRates.init)
        deviceCount = fleet.count
        let classes = fleet.classes.count, regions = fleet.regionNames.count
        buckets = Array(repeating: [], count: classes * regions)
        position = [Int32](repeating: -1, count: fleet.count)
        completed = [UInt32](repeating: 0, count: fleet.count)
        failed = [UInt32](repeating: 0, count: fleet.count)
        running = [UInt8](repeating: 0, count: fleet.count)
        onlineSince = [Int64](repeating: .min, count: fleet.count)
        hasPods = fleet.classes.contains { $0.runsPods }
        classMaxPods = fleet.classes.map(\.maxPods)
        if hasPods {
            freeCores = (0..<fleet.count).map { Double(fleet.deviceClass($0).cores) }
            freeMemory = (0..<fleet.count).map { fleet.deviceClass($0).memory }
            freeGPUs = (0..<fleet.count).map { Int32(fleet.deviceClass($0).gpus) }
            heldPods = [UInt8](repeating: 0, count: fleet.count)
        } else {
            freeCores = []; freeMemory = []; freeGPUs = []; heldPods = []
        }
        classesBySpeed = fleet.classes.indices.sorted {
            (max(fleet.classes[$0].cpuFlops, fleet.classes[$0].gpuFlops), $1) > (max(fleet.classes[$1].cpuFlops, fleet.classes[$1].gpuFlops), $0)
        }
    }

    // MARK: what a policy asks

    /// Whether device `d` is online and idle now.
    public func isIdle(_ d: Int) -> Bool { position[d] >= 0 }
    /// Whether device `d` is online (idle or busy).
    public func isOnline(_ d: Int) -> Bool { onlineSince[d] != .min }
    public func deviceClass(_ d: Int) -> DeviceClass { fleet.deviceClass(d) }
    /// Device `d`'s class's scalars, for hot paths: a `DeviceClass` copy retains and releases
    /// its name, sources and availability laws (perf: about a fifth of `bench work`'s time).
    @inline(__always) func rates(_ d: Int) -> ClassRates { classRates[Int(fleet.classOf[d])] }
    public func classID(_ d: Int) -> Int { Int(fleet.classOf[d]) }
    public func region(_ d: Int) -> Int { Int(fleet.regionOf[d]) }
    /// Idle devices of class `c` in region `r`.
    public func idle(classID c: Int, region r: Int) -> ArraySlice<UInt32> { buckets[c * regionCount + r][...] }
    /// How many devices are online and idle.
    public var idleCount: Int { indexed }
    /// Whether device `d` can hold `bytes` in memory: its RAM, or its GPU's memory if larger.
    public func fits(_ bytes: Double, on d: Int) -> Bool { bytes <= rates(d).workingMemory }
    /// Whether device `d` is a Kubernetes node running several pods at once.
    public func runsPods(_ d: Int) -> Bool { hasPods && maxPods(d) > 1 }
    /// Pods device `d` runs at once (1 unless it is a Kubernetes node).
    public func maxPods(_ d: Int) -> Int { classMaxPods[Int(fleet.classOf[d])] }
    /// What `task` reserves on a Kubernetes node (its job's `PodSpec`).
    public func requests(_ task: ReadyTask) -> PodResources { podSpec(job: task.job).requests(workingSet: task.workingSet) }
    /// The pod spec of job `j`.
    public func podSpec(job j: Int) -> PodSpec { j < podSpecs.count ? podSpecs[j] : .standard }
    /// A node's capacity: its class's cores, memory and GPUs.
    public func capacity(_ d: Int) -> PodResources {
        let c = deviceClass(d)
        return PodResources(cores: Double(c.cores), memory: c.memory, gpus: c.gpus)
    }
    /// What is not requested on device `d` now (its capacity unless it runs pods).
    public func free(_ d: Int) -> PodResources {
        runsPods(d) ? PodResources(cores: freeCores[d], memory: freeMemory[d], gpus: Int(freeGPUs[d])) : capacity(d)
    }
    /// Whether idle device `d` may take `task`: it holds the working set and, on a Kubernetes
    /// node, the task's requests fit the node's free resources (the NodeResourcesFit filter).
    public func admits(_ task: ReadyTask, on d: Int) -> Bool {
        guard fits(task.workingSet, on: d) else { return false }
        return !runsPods(d) || free(d).admits(requests(task))
    }
    /// Whether a node has room for another pod: a free pod slot and the least request free.
    func hasRoom(_ d: Int) -> Bool {
        guard runsPods(d) else { return running[d] == 0 }
        return Int(running[d]) + Int(heldPods[d]) < maxPods(d) && freeCores[d] + 1e-9 >= leastRequest.cores
            && Int(freeGPUs[d]) >= leastRequest.gpus && freeMemory[d] > 0
    }

    /// Fraction of this device's attempts that finished (1 before it has tried anything).
    public func reliability(_ d: Int) -> Double {
        let total = completed[d] + failed[d]
        return total == 0 ? 1 : Double(completed[d]) / Double(total)
    }

    /// Some idle device allowed by `regions`, preferring `preferredRegion` (data locality),
    /// then the classes in `order` (default: fastest first). O(classes × regions).
    public func firstIdle(in regions: RegionSet = .anywhere, preferring preferredRegion: Int? = nil,
                          classOrder order: [Int]? = nil) -> Int? {
        let classes = order ?? classesBySpeed
        if let r = preferredRegion, regions.contains(r) {
            for c in classes { if let d = buckets[c * regionCount + r].last { return Int(d) } }
        }
        for c in classes {
            for r in 0..<regionCount where regions.contains(r) {
                if let d = buckets[c * regionCount + r].last { return Int(d) }
            }
        }
        return nil
    }

    /// A uniformly random idle device allowed by `regions`. O(classes × regions).
    public func randomIdle<G: RandomNumberGenerator>(in regions: RegionSet = .anywhere, using g: inout G) -> Int? {
        var total = 0
        let all = regions == .anywhere
        for b in buckets.indices where all || regions.contains(b % regionCount) { total += buckets[b].count }
        guard total > 0 else { return nil }
        var k = g.nextIndex(below: total)
        for b in buckets.indices where all || regions.contains(b % regionCount) {
            let n = buckets[b].count
            if k < n { return Int(buckets[b][k]) }
            k -= n
        }
        return nil
    }

    /// The best of `k` idle devices drawn at random (with replacement) by `isBetter` —
    /// "the power of d choices" (Mitzenmacher, IEEE TPDS 2001): O(k · classes × regions),
    /// never a scan of the fleet.
    public func bestOfRandomIdle<G: RandomNumberGenerator>(_ k: Int, in regions: RegionSet = .anywhere, using g: inout G,
                                                          isBetter: (Int, Int) -> Bool) -> Int? {
        var best: Int?
        for _ in 0..<k {
            guard let d = randomIdle(in: regions, using: &g) else { break }
            if best.map({ isBetter(d, $0) }) ?? true { best = d }
        }
        return best
    }

    // MARK: what the engine changes

    func markIdle(_ d: Int) {
        precondition(position[d] < 0, "device \(d) is already idle")
        let b = Int(fleet.classOf[d]) * regionCount + Int(fleet.regionOf[d])
        position[d] = Int32(buckets[b].count)
        buckets[b].append(UInt32(d))
        indexed += 1
    }

    func markNotIdle(_ d: Int) {
        let p = Int(position[d])
        precondition(p >= 0, "device \(d) is not idle")
        let b = Int(fleet.classOf[d]) * regionCount + Int(fleet.regionOf[d])
        let last = buckets[b].removeLast()
        if Int(last) != d {
            buckets[b][p] = last
            position[Int(last)] = Int32(p)
        }
        position[d] = -1
        indexed -= 1
    }

    /// Takes (`sign` 1) or gives back (−1) `r` of node `d`'s free resources.
    func take(_ r: PodResources, on d: Int, sign: Double = 1) {
        freeCores[d] -= sign * r.cores; freeMemory[d] -= sign * r.memory; freeGPUs[d] -= Int32(sign) * Int32(r.gpus)
    }

    /// `Placements.assign` holds a pod's requests on node `d` until the lifecycle starts it:
    /// the node stays offered, to the next task of the same `place` call, while it has room.
    func holdPod(_ r: PodResources, on d: Int) {
        take(r, on: d)
        heldPods[d] += 1
        if !hasRoom(d) { markNotIdle(d) }
    }

    /// Gives back a hold (the lifecycle then starts the pod, or refuses it).
    func releaseHold(_ r: PodResources, on d: Int) {
        take(r, on: d, sign: -1)
        heldPods[d] -= 1
    }

    /// Checks the index against the devices' flags (tests; O(fleet)).
    public func checkInvariants() {
        var indexed = 0
        for (b, bucket) in buckets.enumerated() {
            for (i, d) in bucket.enumerated() {
                precondition(position[Int(d)] == Int32(i), "position of device \(d) is stale")
                precondition(Int(fleet.classOf[Int(d)]) * regionCount + Int(fleet.regionOf[Int(d)]) == b, "device \(d) in the wrong bucket")
                precondition(isOnline(Int(d)) && hasRoom(Int(d)), "device \(d) is indexed idle but is offline or full")
                indexed += 1
            }
        }
        precondition(indexed == position.filter { $0 >= 0 }.count, "index and positions disagree")
        precondition(indexed == self.indexed, "the idle count is stale")
    }
}

/// The numbers of a `DeviceClass` the engine reads on every attempt, flat (no strings, arrays
/// or laws to retain): energy, price, access link, working memory.
struct ClassRates: Sendable {
    var busyWatts: Double
    var idleWatts: Double
    var pricePerHour: Double
    /// Bytes per second.
    var downlink: Double
    var uplink: Double
    /// Seconds.
    var accessLatency: Double
    /// Bytes.
    var workingMemory: Double

    init(_ c: DeviceClass) {
        busyWatts = c.busyWatts; idleWatts = c.idleWatts; pricePerHour = c.pricePerHour
        downlink = c.downlink; uplink = c.uplink; accessLatency = c.accessLatency.seconds
        workingMemory = c.workingMemory
    }
}
