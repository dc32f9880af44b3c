import SwarmKernel
@testable import SwarmModel

/// The test oracle for `FlowNetwork`: the implementation it replaced (2026-11-30), kept as it
/// was except that it always recomputes every flow (its `recomputeScope = .all`) — per flow
/// rates, bytes drained from every flow at each change, progressive filling by a linear scan.
///
/// Flow-level bulk transfers sharing links with max-min fairness.
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
/// to drain bytes at the current rates, `nextCompletion()` to learn when to wake up next.
/// A start latency is the caller's: add the flow at `start + latency` (one kernel event), so
/// the completion time is latency + bytes over the rates as they change.
///
/// Storage is struct-of-arrays indexed by flow slot and link index: no object per flow, slots
/// reused through a free list, each flow's links stored inline (at most `maxLinksPerFlow`).
/// Rates are recomputed only over the connected component (links and flows reachable through
/// shared links) of the flow that started or ended; `recomputeScope = .all` recomputes every
/// flow instead and is the eager oracle the tests compare against.
///
/// - Complexity: `addFlow`/`removeFlow` cost O(K·F_c + L_c²) for a component of F_c flows over
///   L_c links with at most K links per flow (progressive filling scans the component's links
///   once per bottleneck), plus O(F_l) per crossed link to update its flow list on removal.
///   `advance(to:)` and `nextCompletion()` are O(F) over all active flows.
struct FullRecomputeFlowNetwork: Sendable {
    /// The longest path a flow may cross (access up, edge up, region out, region in, edge down,
    /// access down, and two spare).
    public static let maxLinksPerFlow = 8

    /// Which flows get their rates recomputed after a change.
    public enum RecomputeScope: Sendable { case component, all }
    public var recomputeScope: RecomputeScope = .all

    /// The instant up to which bytes have been drained.
    public private(set) var now: SimTime

    // Links.
    /// Capacity of each link, bytes per second.
    public private(set) var capacities: [Double] = []
    /// Active flow slots crossing each link (unordered).
    private var linkFlows: [[Int32]] = []

    // Flows, by slot.
    private var remaining: [Double] = []
    private var rates: [Double] = []
    private var generations: [UInt32] = []
    private var isActive: [Bool] = []
    private var pathCounts: [UInt8] = []
    private var pathLinks: [Int32] = []          // stride maxLinksPerFlow
    private var freeSlots: [Int32] = []
    private var activeSlots: [Int32] = []         // dense list of active slots
    private var activePosition: [Int32] = []      // slot → position in activeSlots

    // Scratch for recomputation, reused so a change allocates nothing once warmed up.
    private var linkRemaining: [Double] = []
    private var linkUnfixed: [Int32] = []
    private var linkMark: [UInt32] = []
    private var flowMark: [UInt32] = []
    private var epoch: UInt32 = 0
    private var componentLinks: [Int32] = []
    private var componentFlows: [Int32] = []

    /// An empty network at time `start`.
    public init(start: SimTime = .zero) { self.now = start }

    // MARK: Links

    /// Adds a link of `capacity` bytes per second and returns its id (ids are 0, 1, 2, …).
    @discardableResult
    public mutating func addLink(capacity: Double) -> LinkID {
        precondition(capacity.isFinite && capacity >= 0, "link capacity must be finite and ≥ 0, got \(capacity)")
        capacities.append(capacity)
        linkFlows.append([])
        linkRemaining.append(0); linkUnfixed.append(0); linkMark.append(0)
        return LinkID(Int32(capacities.count - 1))
    }

    /// Number of links.
    public var linkCount: Int { capacities.count }

    // MARK: Flows

    /// Number of flows in progress.
    public var activeFlowCount: Int { activeSlots.count }

    /// Starts a flow of `bytes` over `links` at `now` (after draining up to `now`), recomputes
    /// the rates of the flows it shares links with, and returns its id. A link listed twice is
    /// crossed once.
    @discardableResult
    public mutating func addFlow(bytes: Double, links: some Collection<LinkID>, at now: SimTime) -> FlowID {
        precondition(bytes.isFinite && bytes >= 0, "flow size must be finite and ≥ 0 bytes, got \(bytes)")
        precondition(!links.isEmpty, "a flow must cross at least one link")
        precondition(links.count <= Self.maxLinksPerFlow, "a flow crosses at most \(Self.maxLinksPerFlow) links")
        advance(to: now)
        let slot: Int32
        if let s = freeSlots.popLast() {
            slot = s
        } else {
            slot = Int32(remaining.count)
            remaining.append(0); rates.append(0); generations.append(0); isActive.append(false)
            pathCounts.append(0); activePosition.append(-1); flowMark.append(0)
            pathLinks.append(contentsOf: repeatElement(-1, count: Self.maxLinksPerFlow))
        }
        let s = Int(slot)
        var count = 0
        for link in links {
            precondition(link.index >= 0 && link.index < capacities.count, "unknown \(link)")
            let base = s * Self.maxLinksPerFlow
            if (0..<count).contains(where: { pathLinks[base + $0] == link.rawValue }) { continue }
            pathLinks[base + count] = link.rawValue
            count += 1
            linkFlows[link.index].append(slot)
        }
        pathCounts[s] = UInt8(count)
        remaining[s] = bytes
        rates[s] = 0
        isActive[s] = true
        activePosition[s] = Int32(activeSlots.count)
        activeSlots.append(slot)
        recomputeRates(around: s)
        return FlowID(slot: slot, generation: generations[s])
    }

    /// Ends flow `id` at `now` (completed or cancelled), after draining up to `now`; the flows
    /// it shared links with speed up. Returns the bytes it had left (≈ 0 when completed).
    @discardableResult
    public mutating func removeFlow(_ id: FlowID, at now: SimTime) -> Double {
        precondition(contains(id), "\(id) is not in progress")
        advance(to: now)
        let s = Int(id.slot)
        let left = remaining[s]
        let base = s * Self.maxLinksPerFlow
        for k in 0..<Int(pathCounts[s]) {
            let l = Int(pathLinks[base + k])
            if let i = linkFlows[l].firstIndex(of: id.slot) { linkFlows[l].swapAt(i, linkFlows[l].count - 1) }
            linkFlows[l].removeLast()
        }
        let pos = Int(activePosition[s])
        let last = activeSlots.removeLast()
        if pos < activeSlots.count { activeSlots[pos] = last; activePosition[Int(last)] = Int32(pos) }
        activePosition[s] = -1
        isActive[s] = false
        rates[s] = 0; remaining[s] = 0
        generations[s] &+= 1
        freeSlots.append(id.slot)
        recomputeRates(around: s)   // its links are still recorded in pathLinks
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
        return rates[Int(id.slot)]
    }

    /// Bytes flow `id` has left to send as of `now`.
    public func remainingBytes(of id: FlowID) -> Double {
        precondition(contains(id), "\(id) is not in progress")
        return max(0, remaining[Int(id.slot)])
    }

    /// The links flow `id` crosses, in the order given (duplicates dropped).
    public func links(of id: FlowID) -> [LinkID] {
        precondition(contains(id), "\(id) is not in progress")
        let s = Int(id.slot), base = s * Self.maxLinksPerFlow
        return (0..<Int(pathCounts[s])).map { LinkID(pathLinks[base + $0]) }
    }

    /// The flows in progress, in slot order.
    public var activeFlows: [FlowID] {
        activeSlots.sorted().map { FlowID(slot: $0, generation: generations[Int($0)]) }
    }

    /// Drains every flow at its current rate from `self.now` to `now`. Rates do not change
    /// here: the caller removes a flow when `nextCompletion()` says it is done.
    /// - Complexity: O(F).
    public mutating func advance(to now: SimTime) {
        precondition(now >= self.now, "time runs forward: advance(to: \(now)) from \(self.now)")
        guard now > self.now else { return }
        let dt = (now - self.now).seconds
        for slot in activeSlots {
            let s = Int(slot)
            remaining[s] = max(0, remaining[s] - rates[s] * dt)
        }
        self.now = now
    }

    /// The flow that will finish first at the current rates, and when (rounded to the
    /// nanosecond; ties go to the lowest slot, so the answer is deterministic). Nil if no flow
    /// is in progress or none is moving. Valid until the next `addFlow` or `removeFlow`.
    /// - Complexity: O(F).
    public func nextCompletion() -> (FlowID, SimTime)? {
        var best: (slot: Int32, time: SimTime)?
        for slot in activeSlots {
            let s = Int(slot)
            let t: SimTime
            if remaining[s] <= 0 { t = now }
            else if rates[s] > 0 { t = now + SimDuration(seconds: remaining[s] / rates[s]) }
            else { continue }
            if best == nil || t < best!.time || (t == best!.time && slot < best!.slot) { best = (slot, t) }
        }
        guard let best else { return nil }
        return (FlowID(slot: best.slot, generation: generations[Int(best.slot)]), best.time)
    }

    // MARK: Max-min fair rates

    /// Recomputes rates of every flow connected to slot `s`'s links (or of all flows).
    private mutating func recomputeRates(around s: Int) {
        if epoch >= UInt32.max - 2 {   // about to wrap: clear marks so none equals a new epoch
            for i in linkMark.indices { linkMark[i] = 0 }
            for i in flowMark.indices { flowMark[i] = 0 }
            epoch = 0
        }
        epoch += 1
        componentLinks.removeAll(keepingCapacity: true)
        componentFlows.removeAll(keepingCapacity: true)
        switch recomputeScope {
        case .all:
            for l in linkFlows.indices where !linkFlows[l].isEmpty {
                linkMark[l] = epoch; componentLinks.append(Int32(l))
            }
            for slot in activeSlots { flowMark[Int(slot)] = epoch; componentFlows.append(slot) }
        case .component:
            // Breadth-first over the bipartite graph links ↔ flows, seeded with s's links.
            let base = s * Self.maxLinksPerFlow
            for k in 0..<Int(pathCounts[s]) {
                let l = Int(pathLinks[base + k])
                if linkMark[l] != epoch { linkMark[l] = epoch; componentLinks.append(Int32(l)) }
            }
            var next = 0
            while next < componentLinks.count {
                let l = Int(componentLinks[next]); next += 1
                for f in linkFlows[l] where flowMark[Int(f)] != epoch {
                    flowMark[Int(f)] = epoch
                    componentFlows.append(f)
                    let fb = Int(f) * Self.maxLinksPerFlow
                    for k in 0..<Int(pathCounts[Int(f)]) {
                        let m = Int(pathLinks[fb + k])
                        if linkMark[m] != epoch { linkMark[m] = epoch; componentLinks.append(Int32(m)) }
                    }
                }
            }
        }
        progressiveFilling()
    }

    /// Max-min fair rates for `componentFlows` over `componentLinks` by progressive filling.
    /// A flow is "fixed" once its mark is moved to epoch + 1; the epoch then moves there too, so
    /// the next change starts with every mark at or below the current epoch.
    private mutating func progressiveFilling() {
        let fixedMark = epoch + 1
        for l32 in componentLinks {
            let l = Int(l32)
            linkRemaining[l] = capacities[l]
            linkUnfixed[l] = Int32(linkFlows[l].count)
        }
        var unfixed = componentFlows.count
        while unfixed > 0 {
            // The bottleneck: the link whose fair share of what is left is smallest.
            var bottleneck = -1
            var share = Double.infinity
            for l32 in componentLinks {
                let l = Int(l32)
                guard linkUnfixed[l] > 0 else { continue }
                let candidate = max(0, linkRemaining[l]) / Double(linkUnfixed[l])
                if candidate < share { share = candidate; bottleneck = l }
            }
            precondition(bottleneck >= 0, "unfixed flows but no link carrying them")
            for f in linkFlows[bottleneck] where flowMark[Int(f)] != fixedMark {
                let fs = Int(f)
                flowMark[fs] = fixedMark
                rates[fs] = share
                unfixed -= 1
                let fb = fs * Self.maxLinksPerFlow
                for k in 0..<Int(pathCounts[fs]) {
                    let m = Int(pathLinks[fb + k])
                    linkRemaining[m] -= share
                    linkUnfixed[m] -= 1
                }
            }
        }
        epoch = fixedMark
    }
}
