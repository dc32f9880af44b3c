import SwarmKernel

/// A link of a `FlowNetwork` (an access uplink, an edge backhaul, a region's WAN link, a NIC):
/// its index in the network's link arrays.
public struct LinkID: Hashable, Comparable, Sendable, CustomStringConvertible {
    public var rawValue: Int32
    @inlinable public init(_ rawValue: Int32) { self.rawValue = rawValue }
    @inlinable public var index: Int { Int(rawValue) }
    @inlinable public static func < (a: LinkID, b: LinkID) -> Bool { a.rawValue < b.rawValue }
    public var description: String { "link#\(rawValue)" }
}

/// A flow of a `FlowNetwork`: a slot and the slot's generation, so an id kept after its flow
/// ended never aliases a later flow in the same slot.
public struct FlowID: Hashable, Sendable, CustomStringConvertible {
    public var slot: Int32
    public var generation: UInt32
    public var description: String { "flow#\(slot).\(generation)" }
}

/// Flow-level bulk transfers sharing links with max-min fairness, at the scale of a fleet.
///
/// Each flow crosses a short list of links and has bytes left to send. Between two changes
/// (a flow starting or ending) every flow's rate is constant and the rates are the max-min
/// fair allocation, computed by progressive filling (Bertsekas and Gallager, *Data Networks*,
/// 2nd ed., 1992, ch. 6): raise all rates together until a link saturates, freeze the flows
/// crossing it, repeat. This is the model SimGrid validated against packet-level simulation
/// (Velho, Schnorr, Casanova and Legrand, "On the validity of flow-level TCP network models
/// for grid and cloud simulations", ACM TOMACS 23(4), 2013, doi:10.1145/2517448), without its
/// RTT-dependent weights and TCP-window bound (see `docs/models/network.md`).
///
/// The simulation drives it: `addFlow` and `removeFlow` at the current instant, `advance(to:)`
/// to move the clock, `nextCompletion()` to learn when to wake up next. A start latency is the
/// caller's: add the flow at `start + latency` (one kernel event), so the completion time is
/// latency + bytes over the rates as they change.
///
/// **Buckets.** A link crossed by one flow only is *private*: it just caps that flow. Flows
/// with the same set of *shared* links (crossed by two flows or more) and the same cap (the
/// smallest capacity among their private links) get the same max-min rate (the allocation is
/// unique and swapping two such flows keeps it feasible), so they are kept together in a
/// bucket, with a heap of its flows by finish point on the bucket's clock of bytes sent per
/// flow (the integral of its rate — fair queueing's virtual time). The buckets one bottleneck
/// fixes share a rate, so they share one clock: a rate *group*, each bucket reading the group's
/// clock less an offset; a change of rate is one write per group.
///
/// **Changes.** A change recomputes over the buckets and shared links connected to it, not
/// over flows. Most changes only move a count in a bucket: they replay the component's last
/// progressive filling with the new counts, level by level, and keep it if it checks out (same
/// bottlenecks, same order, feasible); otherwise — a new bucket, a link became shared or
/// private, the bottleneck moved — the component is filled anew. With
/// devices of a few classes behind a few edge sites and regions, a change costs the same with
/// 10 or 10^5 flows in progress.
///
/// Storage is struct-of-arrays indexed by flow slot, bucket, group and link: no object per
/// flow, slots and buckets reused, each flow's links stored inline (at most
/// `maxLinksPerFlow`); a change calls the allocator only when an array grows. The full
/// recomputation over every flow that this replaces is kept by the tests as the oracle
/// (`FullRecomputeFlowNetwork`).
///
/// - Complexity: for a component of B_c buckets over L_c shared links, its last filling's
///   levels touching E_c ≤ B_c·K (level, link) pairs, K links per flow at most, B buckets in
///   all and G groups whose rate changes, a replayed change costs O(K + E_c + L_c + G·log B)
///   and a new filling O(K + (B_c·K + L_c)·log(B_c·K + L_c) +
///   B_c·log B); plus O(log F_b) per flow entering or leaving a bucket of F_b flows.
///   `advance(to:)` and `nextCompletion()` are O(1).
public struct FlowNetwork: Sendable {
    /// The longest path a flow may cross (access up, edge up, region out, region in, edge down,
    /// access down, and two spare).
    public static let maxLinksPerFlow = 8

    /// The instant the network's clock is at (the latest change or `advance(to:)`).
    public private(set) var now: SimTime

    // Links.
    /// Capacity of each link, bytes per second.
    public private(set) var capacities: [Double] = []
    /// Active flows crossing each link, and the XOR of their slots (the flow itself when one).
    var linkFlowCount: [Int32] = []
    var linkFlowXor: [Int32] = []
    /// Buckets with flows whose shared links include each link (unordered).
    var linkBuckets: [[Int32]] = []

    // Flows, by slot.
    var generations: [UInt32] = []
    var isActive: [Bool] = []
    var pathCounts: [UInt8] = []
    var pathLinks: [Int32] = []            // stride maxLinksPerFlow
    var flowBucket: [Int32] = []
    /// Where the flow ends on its bucket's clock: clock when it joined + bytes it had left.
    var flowKey: [Double] = []
    var flowHeapPos: [Int32] = []
    var freeSlots: [Int32] = []
    public private(set) var activeFlowCount = 0

    // Buckets.
    var bucketIndex: [BucketKey: Int32] = [:]
    var bucketShared: [Int32] = []         // stride maxLinksPerFlow, -1 after the last
    var bucketCap: [Double] = []
    var bucketCount: [Int32] = []
    var bucketHeap: [ContiguousArray<Int32>] = []
    /// The rate group each bucket is in (-1: none, when empty), its clock's offset from the
    /// group's (bytes sent per flow = group clock − offset), its position in the group's heap,
    /// and where its first flow ends on the group's clock.
    var bucketGroup: [Int32] = []
    var bucketOffset: [Double] = []
    var bucketGroupPos: [Int32] = []
    var bucketDueKey: [Double] = []
    /// The group a bucket fixed at its own cap gets (-1 until it needs one).
    var bucketCapGroup: [Int32] = []
    /// What fixed each bucket in its component's last filling (a link id, or `~bucket` for
    /// its cap), where each of its shared links' counts sit in the component's entries
    /// (stride maxLinksPerFlow), the count those entries hold for it, its component and the
    /// component's generation then.
    var bucketLevel: [Int32] = []
    var bucketEntry: [Int32] = []
    var bucketRecordedCount: [Int32] = []
    var bucketComponent: [Int32] = []
    var bucketComponentGeneration: [UInt32] = []
    /// Rate each bucket got in the latest filling that covered it (scratch of the filling).
    var bucketRate: [Double] = []

    // Rate groups: the buckets one bottleneck fixes share a rate and one clock.
    var linkGroup: [Int32] = []            // per link, -1 until a bucket is fixed there
    var groupRate: [Double] = []
    var groupClock: [Double] = []
    var groupClockTime: [SimTime] = []
    var groupHeap: [ContiguousArray<Int32>] = []
    var groupDirty: [Bool] = []
    var dirtyGroups: [Int32] = []
    /// Groups whose first flow will finish, by (time, slot): `dueHeap`, with each group's
    /// position (-1: none), time in ticks and first flow.
    var dueHeap: [Int32] = []
    var duePos: [Int32] = []
    var dueTime: [Int64] = []
    var dueSlot: [Int32] = []

    // Components as last filled, for the replay of a change that keeps their structure.
    var componentGeneration: [UInt32] = []
    var componentValid: [Bool] = []
    var componentFirstLink: [Int32] = []
    /// Each component's last filling as levels, and per level the flows fixed on each shared
    /// link (`FlowNetwork+Replay.swift`).
    var componentLevels: [[ReplayLevel]] = []
    var componentEntries: [[ReplayEntry]] = []
    var freeComponents: [Int32] = []
    /// Per shared link, the next in its component's list, and the component (with its
    /// generation) whose filling last covered it.
    var linkNextInComponent: [Int32] = []
    var linkComponent: [Int32] = []
    var linkComponentGeneration: [UInt32] = []
    /// Changes whose rates came from replaying the component's last filling, and from a new
    /// filling (what a change costs depends on which); replays that did not check out (the
    /// bottlenecks had moved), each followed by a new filling.
    public internal(set) var replayedChanges = 0
    public internal(set) var filledChanges = 0
    public internal(set) var refusedReplays = 0

    // Scratch for recomputation, reused so a change allocates nothing once warmed up.
    var linkRemaining: [Double] = []
    var linkUnfixed: [Int32] = []
    var linkMark: [UInt32] = []
    var bucketMark: [UInt32] = []
    var epoch: UInt32 = 0
    var componentLinks: [Int32] = []
    var componentBuckets: [Int32] = []
    var seeds: [Int32] = []
    var moved: [Int32] = []
    var incoming: [Int32] = []
    /// The filling's shared links by share R/n (each link once, moved as its share grows),
    /// each link's position there (-1: not in it) and share (in a replay: the highest rate
    /// fixed on the link so far); the component's capped buckets
    /// by (cap, bucket), and the links a level touched.
    var linkHeap: [Int32] = []
    var linkHeapPos: [Int32] = []
    var linkShare: [Double] = []
    var capOrder: [Int32] = []
    /// The distinct finite caps, ascending; each bucket's rank there (-1: no cap); a count per
    /// rank (scratch of the filling's counting sort). Devices come in a few classes: few caps.
    var capValues: [Double] = []
    var bucketCapRank: [Int32] = []
    var capCounts: [Int32] = []
    var capsRanked = true
    static let maxRankedCaps = 64
    var touchedLinks: [Int32] = []
    var fixOrder: [Int32] = []
    var levelShares: [Double] = []
    /// Per link, its entry in the level being recorded (-1: none yet).
    var linkEntry: [Int32] = []

    /// An empty network at time `start`.
    public init(start: SimTime = .zero) { self.now = start }

    // MARK: Links

    /// Adds a link of `capacity` bytes per second and returns its id (ids are 0, 1, 2, …).
    @discardableResult
    public mutating func addLink(capacity: Double) -> LinkID {
        precondition(capacity.isFinite && capacity >= 0, "link capacity must be finite and ≥ 0, got \(capacity)")
        capacities.append(capacity)
        linkFlowCount.append(0); linkFlowXor.append(0); linkBuckets.append([])
        linkRemaining.append(0); linkUnfixed.append(0); linkMark.append(0)
        linkHeapPos.append(-1); linkShare.append(0)
        linkGroup.append(-1); linkNextInComponent.append(-1); linkEntry.append(-1)
        linkComponent.append(-1); linkComponentGeneration.append(0)
        return LinkID(Int32(capacities.count - 1))
    }

    /// Number of links.
    public var linkCount: Int { capacities.count }

    /// Buckets created so far (flows interchangeable for sharing: same shared links, same cap),
    /// empty ones included: what a change's cost grows with, where the flow count does not.
    public var bucketsCreated: Int { bucketCap.count }

    // MARK: Flows

    /// Starts a flow of `bytes` over `links` at `now` (moving the clock there), recomputes
    /// the rates of the flows it shares links with, and returns its id. A link listed twice is
    /// crossed once.
    @discardableResult
    public mutating func addFlow(bytes: Double, links: some Collection<LinkID>, at now: SimTime) -> FlowID {
        incoming.removeAll(keepingCapacity: true)
        for link in links { incoming.append(link.rawValue) }
        return addIncomingFlow(bytes: bytes, at: now)
    }

    /// `addFlow(bytes:links:at:)` for a path stored inline (what the engine passes): read by
    /// index, so even an unoptimised build allocates nothing here.
    @discardableResult
    public mutating func addFlow(bytes: Double, links: NetworkPath, at now: SimTime) -> FlowID {
        incoming.removeAll(keepingCapacity: true)
        for i in 0..<links.count { incoming.append(links[i].rawValue) }
        return addIncomingFlow(bytes: bytes, at: now)
    }

    /// Starts a flow over the links in `incoming`.
    private mutating func addIncomingFlow(bytes: Double, at now: SimTime) -> FlowID {
        precondition(bytes.isFinite && bytes >= 0, "flow size must be finite and ≥ 0 bytes, got \(bytes)")
        precondition(!incoming.isEmpty, "a flow must cross at least one link")
        precondition(incoming.count <= Self.maxLinksPerFlow, "a flow crosses at most \(Self.maxLinksPerFlow) links")
        advance(to: now)
        let slot: Int32
        if let s = freeSlots.popLast() {
            slot = s
        } else {
            slot = Int32(generations.count)
            generations.append(0); isActive.append(false); pathCounts.append(0)
            flowBucket.append(-1); flowKey.append(0); flowHeapPos.append(-1)
            pathLinks.append(contentsOf: repeatElement(-1, count: Self.maxLinksPerFlow))
        }
        let s = Int(slot), base = s * Self.maxLinksPerFlow
        var count = 0
        seeds.removeAll(keepingCapacity: true)
        moved.removeAll(keepingCapacity: true)
        for i in 0..<incoming.count {
            let link = incoming[i], l = Int(link)
            precondition(l >= 0 && l < capacities.count, "unknown \(LinkID(link))")
            var repeated = false
            for k in 0..<count where pathLinks[base + k] == link { repeated = true }
            if repeated { continue }
            pathLinks[base + count] = link
            count += 1
            linkFlowCount[l] += 1
            if linkFlowCount[l] == 2 { noteMoved(linkFlowXor[l]) }   // its sole flow now shares it
            linkFlowXor[l] ^= slot
        }
        pathCounts[s] = UInt8(count)
        isActive[s] = true
        activeFlowCount += 1
        rebucketMoved()
        let b = bucket(for: s)
        attach(s, to: b, remaining: bytes)
        seeds.append(Int32(b))
        recompute(changed: b)
        return FlowID(slot: slot, generation: generations[s])
    }

    /// Ends flow `id` at `now` (completed or cancelled), moving the clock there; the flows it
    /// shared links with speed up. Returns the bytes it had left (≈ 0 when completed).
    @discardableResult
    public mutating func removeFlow(_ id: FlowID, at now: SimTime) -> Double {
        precondition(contains(id), "\(id) is not in progress")
        advance(to: now)
        let s = Int(id.slot), base = s * Self.maxLinksPerFlow
        seeds.removeAll(keepingCapacity: true)
        moved.removeAll(keepingCapacity: true)
        let b = Int(flowBucket[s])
        let left = detach(s)
        for k in 0..<Int(pathCounts[s]) {
            let l = Int(pathLinks[base + k])
            linkFlowCount[l] -= 1
            linkFlowXor[l] ^= id.slot
            if linkFlowCount[l] == 1 { noteMoved(linkFlowXor[l]) }   // the flow left has it alone
        }
        isActive[s] = false
        activeFlowCount -= 1
        generations[s] &+= 1
        freeSlots.append(id.slot)
        rebucketMoved()
        recompute(changed: b)
        return max(0, left)
    }

    /// Whether `id` is a flow in progress.
    public func contains(_ id: FlowID) -> Bool {
        let s = Int(id.slot)
        return s >= 0 && s < generations.count && generations[s] == id.generation && isActive[s]
    }

    /// Current rate of flow `id`, bytes per second.
    public func rate(of id: FlowID) -> Double {
        precondition(contains(id), "\(id) is not in progress")
        let g = Int(bucketGroup[Int(flowBucket[Int(id.slot)])])
        return g >= 0 ? groupRate[g] : 0
    }

    /// Bytes flow `id` has left to send as of `now`.
    public func remainingBytes(of id: FlowID) -> Double {
        precondition(contains(id), "\(id) is not in progress")
        let s = Int(id.slot), b = Int(flowBucket[s])
        return max(0, flowKey[s] - clock(of: b, at: now))
    }

    /// The links flow `id` crosses, in the order given (duplicates dropped).
    public func links(of id: FlowID) -> [LinkID] {
        precondition(contains(id), "\(id) is not in progress")
        let s = Int(id.slot), base = s * Self.maxLinksPerFlow
        return (0..<Int(pathCounts[s])).map { LinkID(pathLinks[base + $0]) }
    }

    /// The flows in progress, in slot order.
    public var activeFlows: [FlowID] {
        isActive.indices.filter { isActive[$0] }.map { FlowID(slot: Int32($0), generation: generations[$0]) }
    }

    /// Moves the clock to `now`. Rates do not change here: the caller removes a flow when
    /// `nextCompletion()` says it is done. Bytes are drained lazily, per bucket.
    /// - Complexity: O(1).
    public mutating func advance(to now: SimTime) {
        precondition(now >= self.now, "time runs forward: advance(to: \(now)) from \(self.now)")
        self.now = now
    }

    /// The flow that will finish first at the current rates, and when (rounded to the
    /// nanosecond, never before `now`; ties go to the lowest slot, so the answer is
    /// deterministic). Nil if no flow is in progress or none is moving. Valid until the next
    /// `addFlow` or `removeFlow`.
    /// - Complexity: O(1).
    public func nextCompletion() -> (FlowID, SimTime)? {
        guard !dueHeap.isEmpty else { return nil }
        let g = Int(dueHeap[0]), slot = dueSlot[g]
        return (FlowID(slot: slot, generation: generations[Int(slot)]), max(now, SimTime(ticks: dueTime[g])))
    }
}
