import SwarmKernel

/// Objects stored on the devices themselves, under churn, in simulated time.
///
/// Each object is cut into segments; each segment keeps n piece slots (`Redundancy`), each
/// slot a device or none. A piece is *present* while its holder has not left the swarm and
/// *live* while its holder is also online. A segment is readable while ≥ k pieces are live,
/// and lost once fewer than k are present (no repair can bring it back). When a segment's
/// live pieces fall below its repair threshold (and ≥ k remain), repair reads k pieces and
/// writes n − live new ones on devices the placement policy chooses; the pieces on offline
/// holders are dropped (`StorageEngine+Repair.swift`).
///
/// Availability comes from the fleet's own model (`FleetAvailability`, the same timelines
/// as `WorkEngine`'s for the same seed); each device that lends storage keeps one pending
/// event, its next change. Departures are a class property (`StorageClassTerms.meanLifetime`),
/// drawn from the device's own stream ("storage-departure", id).
///
/// State is flat: per device its free bytes (in `StorageView`) and the slots it holds; per
/// segment its live and present counts; per slot its holder.
public final class StorageEngine {
    public let sim: Simulation
    public let fleet: Fleet
    public let spec: StorageSpec
    var availability: FleetAvailability
    /// One-way latency between two regions, seconds.
    let regionLatency: (Int, Int) -> Double
    var policy: any StoragePlacementPolicy
    public internal(set) var view: StorageView

    // Per device.
    var online: [Bool]
    var departed: [Bool]
    var piecesOf: [[UInt32]]
    /// Capacity per class (bytes).
    let classCapacity: [Double]

    // Per group of objects (`spec.objects[g]`).
    var groupFirstSegment: [Int] = []
    var groupFirstSlot: [Int] = []
    var groupFirstObject: [Int] = []
    /// Per group, unboxed for the hot paths: k, n, segments per object, piece bytes.
    var groupK: [Int] = []
    var groupN: [Int] = []
    var groupSegmentsPerObject: [Int] = []
    var groupPieceBytes: [Double] = []

    // Per segment.
    var segmentGroup: [UInt16] = []
    var live: [UInt8] = []
    var present: [UInt8] = []
    var repairing: [Bool] = []
    var segmentLost: [Bool] = []
    // Per object: segments not readable now, and whether one is lost.
    var unreadableSegments: [UInt16] = []
    var objectLost: [Bool] = []
    // Per slot: its holder (`StorageEngine.none` when empty).
    var holder: [UInt32] = []
    static let none = UInt32.max

    public internal(set) var metrics = StorageMetrics()
    public internal(set) var timeline: [StorageSample] = []
    var lastAccounted = SimTime.zero
    var placements: PiecePlacements
    /// The decisions kept for the request being checked, and a stamp per device (`checkRound`)
    /// marking those already kept.
    var chosen: [Int] = []
    var checked: [UInt32]
    var checkRound: UInt32 = 0
    var repairs = RepairJobs()
    /// Scratch for `nearestLive`: the holders chosen, and their sort keys.
    var near: [Int] = []
    var nearKey: [Double] = []
    var cache: DeviceCache
    var kinds = (change: EventKind(rawValue: 0), depart: EventKind(rawValue: 0), repaired: EventKind(rawValue: 0), sample: EventKind(rawValue: 0),
                 repairPhase: EventKind(rawValue: 0))
    /// Where repair traffic goes when it shares a network with other transfers (a work
    /// engine with `Configuration.network`); nil: the latency-and-bandwidth formula.
    weak var transport: (any PieceTransport)?

    /// Builds the storage state and uploads every object at time 0 (to devices online then).
    /// `placements` is the list the spec's policy name is looked up in.
    public init(fleet: Fleet, spec: StorageSpec, seed: UInt64, horizon: SimTime,
                regionLatency: @escaping (Int, Int) -> Double = { _, _ in 0 },
                placements registry: [any StoragePlacementPolicy.Type] = StoragePlacements.builtin,
                sim: Simulation = Simulation()) {
        guard let kind = registry.first(where: { $0.name == spec.placement }) else {
            preconditionFailure("unknown placement policy \(spec.placement); known: \(registry.map { $0.name })")
        }
        self.sim = sim
        self.fleet = fleet
        self.spec = spec
        self.regionLatency = regionLatency
        policy = kind.init(seed: seed)
        availability = FleetAvailability(fleet: fleet, seed: seed)
        // A class's terms also cover the classes derived from it (`NAME@…`: a fleet entry with
        // its own availability, a cluster, a pool); its own terms first.
        let terms = fleet.classes.map { c in
            spec.classes.first { $0.className == c.name } ?? spec.classes.first { c.name.hasPrefix($0.className + "@") }
        }
        classCapacity = terms.map { $0?.capacity ?? 0 }
        let regions = fleet.regionNames.count
        var latency = [Double](repeating: 0, count: regions * regions)
        for a in 0..<regions { for b in 0..<regions { latency[a * regions + b] = regionLatency(a, b) } }
        view = StorageView(fleet: fleet, capacity: fleet.classOf.map { terms[Int($0)]?.capacity ?? 0 },
                           onFraction: fleet.classes.map { c in c.availability.renewalOnFraction * (c.availability.window.map { w in Double(w.intervals.reduce(0) { $0 + $1.end - $1.start }) / Double(WeeklyWindow.week) } ?? 1) },
                           meanLifetime: terms.map { $0?.meanLifetime ?? .infinity }, latency: latency)
        online = [Bool](repeating: false, count: fleet.count)
        departed = [Bool](repeating: false, count: fleet.count)
        piecesOf = [[UInt32]](repeating: [], count: fleet.count)
        cache = DeviceCache(devices: fleet.count, budget: spec.cacheBytes)
        placements = PiecePlacements(devices: fleet.count)
        checked = [UInt32](repeating: 0, count: fleet.count)
        kinds.change = sim.register("storage-device-change") { [unowned self] e in self.changed(Int(e.target)) }
        kinds.depart = sim.register("storage-device-departs") { [unowned self] e in self.depart(Int(e.target)) }
        kinds.repaired = sim.register("storage-repair-done") { [unowned self] e in self.repairDone(Int(e.target)) }
        kinds.sample = sim.register("storage-sample") { [unowned self] _ in self.sample() }
        kinds.repairPhase = sim.register("storage-repair-latency-over") { [unowned self] e in self.latencyOver(Int(e.target)) }

        // Devices that lend storage: their state now, their next change, their departure.
        let streams = RandomStreams(seed: seed)
        for d in 0..<fleet.count where classCapacity[Int(fleet.classOf[d])] > 0 {
            let s = availability.state(of: d, at: sim.now)
            online[d] = s.available
            if s.until < horizon { _ = sim.schedule(kinds.change, target: UInt32(d), at: s.until) }
            if let mean = terms[Int(fleet.classOf[d])]?.meanLifetime {
                var g = streams.counterStream("storage-departure", entity: UInt64(d))
                let at = sim.now + SimDuration(seconds: Exponential(mean: mean).sample(using: &g))
                if at < horizon { _ = sim.schedule(kinds.depart, target: UInt32(d), at: at) }
            }
            refresh(d)
        }
        upload()
        // Room for half as many pieces again on each lender, so the pieces repair moves onto
        // a device rarely grow its list (no allocation per repair in the steady state).
        for d in 0..<fleet.count where classCapacity[Int(fleet.classOf[d])] > 0 {
            piecesOf[d].reserveCapacity(max(16, piecesOf[d].count + piecesOf[d].count / 2))
        }
        sample()
    }

    /// Runs until `horizon` (the last timeline row is at the horizon).
    public func run(until horizon: SimTime) {
        _ = sim.run(until: horizon)
        account()
        if timeline.last?.time != horizon.seconds { sample() }
    }

    /// Whether device d may take pieces now, as the view should say.
    func refresh(_ d: Int) {
        view.refresh(d, eligible: online[d] && !departed[d] && view.free[d] > 0)
    }

    // MARK: layout

    public var segmentCount: Int { segmentGroup.count }
    public var objectCount: Int { objectLost.count }
    func group(ofSegment s: Int) -> Int { Int(segmentGroup[s]) }
    func slots(of s: Int) -> Range<Int> {
        let g = group(ofSegment: s)
        let n = groupN[g]
        let first = groupFirstSlot[g] + (s - groupFirstSegment[g]) * n
        return first..<(first + n)
    }
    func segment(ofSlot slot: Int) -> Int {
        var g = groupFirstSlot.count - 1
        while groupFirstSlot[g] > slot { g -= 1 }
        return groupFirstSegment[g] + (slot - groupFirstSlot[g]) / groupN[g]
    }
    func object(ofSegment s: Int) -> Int {
        let g = group(ofSegment: s)
        return groupFirstObject[g] + (s - groupFirstSegment[g]) / groupSegmentsPerObject[g]
    }
    /// The segments of object o.
    public func segments(ofObject o: Int) -> Range<Int> {
        var g = groupFirstObject.count - 1
        while groupFirstObject[g] > o { g -= 1 }
        let per = groupSegmentsPerObject[g]
        let first = groupFirstSegment[g] + (o - groupFirstObject[g]) * per
        return first..<(first + per)
    }
    /// The i-th object of kind g (`spec.objects[g]`), i taken modulo the kind's count.
    public func object(kind g: Int, index i: Int) -> Int { groupFirstObject[g] + i % max(1, spec.objects[g].count) }
    /// The devices holding pieces of segment s (online or not).
    public func holders(ofSegment s: Int) -> [Int] { slots(of: s).compactMap { holder[$0] == StorageEngine.none ? nil : Int(holder[$0]) } }
    /// Live pieces of segment s.
    public func livePieces(_ s: Int) -> Int { Int(live[s]) }
    public func isOnline(_ d: Int) -> Bool { online[d] }

    /// Lays out every group's objects and uploads them: each segment's n pieces placed by
    /// the policy on devices online at time 0.
    func upload() {
        var segmentTotal = 0, slotTotal = 0, objects = 0
        for (g, group) in spec.objects.enumerated() {
            groupFirstSegment.append(segmentTotal); groupFirstSlot.append(slotTotal); groupFirstObject.append(objects)
            groupK.append(group.redundancy.k); groupN.append(group.redundancy.n)
            groupSegmentsPerObject.append(group.segmentsPerObject); groupPieceBytes.append(group.pieceBytes)
            let count = group.count * group.segmentsPerObject
            segmentTotal += count; slotTotal += count * group.redundancy.n; objects += group.count
            segmentGroup.append(contentsOf: repeatElement(UInt16(g), count: count))
            metrics.userBytes += Double(group.count) * group.bytes
        }
        repairs.stride = max(1, groupN.max() ?? 1)
        repairs.sourceStride = max(1, groupK.max() ?? 1)
        live = [UInt8](repeating: 0, count: segmentTotal)
        present = live
        repairing = [Bool](repeating: false, count: segmentTotal)
        segmentLost = repairing
        holder = [UInt32](repeating: StorageEngine.none, count: slotTotal)
        unreadableSegments = [UInt16](repeating: 0, count: objects)
        objectLost = [Bool](repeating: false, count: objects)
        metrics.objects = objects
        for o in 0..<objects { unreadableSegments[o] = UInt16(segments(ofObject: o).count) }
        metrics.availableObjects = 0
        for s in 0..<segmentTotal {
            let group = spec.objects[group(ofSegment: s)]
            let chosen = choose(for: s, pieces: group.redundancy.n, repair: false)
            for (i, d) in zip(slots(of: s), chosen) { put(slot: i, segment: s, on: d) }
            metrics.unplacedPieces += group.redundancy.n - chosen.count
            if Int(present[s]) < group.redundancy.k { markLost(s) }
        }
    }

    /// Asks the policy for devices for `pieces` new pieces of segment s, keeps those the
    /// rules allow (`StorageView.allows`, one piece of the segment per device), and reserves
    /// their bytes. - Complexity: O(n + decisions), no allocation once warm.
    func choose(for s: Int, pieces: Int, repair: Bool) -> [Int] {
        let g = group(ofSegment: s)
        let group = spec.objects[g]
        let request = PieceRequest(segment: s, pieces: pieces, pieceBytes: groupPieceBytes[g],
                                   consumerRegion: group.consumerRegion, residency: group.residency, repair: repair)
        placements.clear()
        for slot in slots(of: s) where holder[slot] != StorageEngine.none { placements.exclude(Int(holder[slot])) }
        policy.place(request, on: view, into: &placements)
        // Check each decision against the rules and the ones kept before it.
        checkRound &+= 1
        if checkRound == 0 { for i in checked.indices { checked[i] = 0 }; checkRound = 1 }
        chosen.removeAll(keepingCapacity: true)
        // A local reference walked by index: iterating a slice allocates in unoptimised
        // builds, and a class property read per element pays an exclusivity check each time.
        let decided = placements.devices
        for i in 0..<min(pieces, decided.count) {
            let d = Int(decided[i])
            if view.allows(d, for: request) && !placements.isExcluded(d) && checked[d] != checkRound {
                checked[d] = checkRound
                chosen.append(d)
            } else {
                metrics.placementRejections += 1
            }
        }
        let picked = chosen
        for i in picked.indices {
            let d = picked[i]
            view.free[d] -= request.pieceBytes
            refresh(d)
        }
        return chosen
    }

    /// Slot `slot` of segment s gets a piece on d (whose bytes are already reserved).
    func put(slot: Int, segment s: Int, on d: Int) {
        holder[slot] = UInt32(d)
        piecesOf[d].append(UInt32(slot))
        present[s] += 1
        metrics.storedBytes += groupPieceBytes[group(ofSegment: s)]
        if online[d] { gainLive(s) }
    }

    /// Empties slot `slot` of segment s (its holder's bytes freed unless it departed).
    func drop(slot: Int, segment s: Int) {
        let d = Int(holder[slot])
        holder[slot] = StorageEngine.none
        // By hand: the generic `firstIndex` and `swapAt` allocate in unoptimised builds.
        let last = piecesOf[d].count - 1
        var i = 0
        while i <= last && piecesOf[d][i] != UInt32(slot) { i += 1 }
        if i <= last { piecesOf[d][i] = piecesOf[d][last]; piecesOf[d].removeLast() }
        present[s] -= 1
        let bytes = groupPieceBytes[group(ofSegment: s)]
        metrics.storedBytes -= bytes
        if online[d] { loseLive(s) }
        if !departed[d] { view.free[d] += bytes; refresh(d) }
    }

    func gainLive(_ s: Int) {
        live[s] += 1
        if Int(live[s]) == groupK[group(ofSegment: s)] {
            let o = object(ofSegment: s)
            unreadableSegments[o] -= 1
            if unreadableSegments[o] == 0 { metrics.availableObjects += 1 }
        }
    }

    func loseLive(_ s: Int) {
        if Int(live[s]) == groupK[group(ofSegment: s)] {
            let o = object(ofSegment: s)
            if unreadableSegments[o] == 0 { metrics.availableObjects -= 1 }
            unreadableSegments[o] += 1
        }
        live[s] -= 1
    }

    func markLost(_ s: Int) {
        guard !segmentLost[s] else { return }
        segmentLost[s] = true
        let o = object(ofSegment: s)
        if !objectLost[o] { objectLost[o] = true; metrics.objectsLost += 1 }
    }
}
