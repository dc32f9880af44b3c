import Testing
import SwarmKernel
@testable import SwarmModel

/// The bucketed `FlowNetwork` against the full recompute it replaced
/// (`FullRecomputeFlowNetwork`, the eager oracle), on seeded random networks: after every
/// change, every flow's rate and bytes left agree, and the rates are max-min fair.
///
/// Tolerance. Progressive filling computes a rate as R/n, R a capacity less at most F fixed
/// rates, each subtraction rounding by at most ε·C_max (ε = `Double.ulpOfOne`); a bottleneck's
/// error feeds the next one's R, at most L levels deep. So two correct orders of the same
/// arithmetic differ by at most 2·F·L·ε·C_max per rate. Bytes left drift by that rate error
/// times the time elapsed, plus a rounding of each byte count per change (4ε·bytes_max each).
@Suite("Network: bucketed sharing against the full recompute")
struct NetworkFlowOracleTests {
    static let seeds: [UInt64] = [1, 2, 3, 7, 42, 2024, 31337, 99991]

    /// The two networks side by side, with the flows started in both.
    struct Pair {
        var lazy = FlowNetwork()
        var eager = FullRecomputeFlowNetwork()
        var flows: [(FlowID, FlowID)] = []
        var maxBytes = 0.0
        var changes = 0

        mutating func addLink(_ capacity: Double) -> LinkID {
            eager.addLink(capacity: capacity)
            return lazy.addLink(capacity: capacity)
        }

        mutating func add(_ bytes: Double, _ links: [LinkID], at t: SimTime) {
            flows.append((lazy.addFlow(bytes: bytes, links: links, at: t), eager.addFlow(bytes: bytes, links: links, at: t)))
            maxBytes = max(maxBytes, bytes); changes += 1
        }

        mutating func remove(_ i: Int, at t: SimTime) {
            let (x, y) = flows.remove(at: i)
            let (lx, ly) = (lazy.removeFlow(x, at: t), eager.removeFlow(y, at: t))
            #expect(abs(lx - ly) <= bytesTolerance, "bytes left at removal: \(lx) vs \(ly)")
            changes += 1
        }

        var rateTolerance: Double {
            let f = Double(max(flows.count, 1)), l = Double(lazy.linkCount)
            return 2 * f * l * Double.ulpOfOne * (lazy.capacities.max() ?? 0)
        }

        var bytesTolerance: Double {
            rateTolerance * lazy.now.seconds + Double(changes) * 4 * Double.ulpOfOne * maxBytes
        }

        /// Every flow's rate and bytes left agree; the rates are max-min fair.
        func check(_ what: String) {
            for (x, y) in flows {
                let (rx, ry) = (lazy.rate(of: x), eager.rate(of: y))
                #expect(abs(rx - ry) <= rateTolerance, "\(what): rate of \(x) \(rx) vs \(ry)")
                let (bx, by) = (lazy.remainingBytes(of: x), eager.remainingBytes(of: y))
                #expect(abs(bx - by) <= bytesTolerance, "\(what): bytes left of \(x) \(bx) vs \(by)")
            }
            NetworkFlowTests.checkMaxMin(lazy)
            // What a replay starts from: each level's flows per link, as the buckets hold them.
            #expect(lazy.replayEntriesAgree(), "\(what): a component's recorded levels disagree with its buckets' counts")
        }

        /// Removes the flow finishing next, if it finishes by `t`; the two agree on when.
        mutating func completeNext(by t: SimTime) -> Bool {
            guard let (x, at) = lazy.nextCompletion(), at <= t else { return false }
            let (_, oracleAt) = eager.nextCompletion()!
            // The oracle's earliest time, rounded to the ns the same way: equal up to the bytes
            // tolerance at the finishing flow's rate, plus a nanosecond of rounding each.
            let slack = bytesTolerance / max(lazy.rate(of: x), 1) + 2e-9
            #expect(abs((at - oracleAt).seconds) <= slack, "completion at \(at) vs \(oracleAt)")
            remove(flows.firstIndex { $0.0 == x }!, at: at)
            return true
        }
    }

    @Test("on random region/edge topologies (devices of a few classes, some running several transfers), rates and bytes left match the full recompute",
          arguments: seeds)
    func regionEdgeTopologies(seed: UInt64) {
        var g = RandomStreams(seed: seed).stream("flow-oracle-topology")
        let regions = 1 + g.nextIndex(below: 4), sites = g.nextIndex(below: 5), devices = 20 + g.nextIndex(below: 40)
        let topology = Topology(
            regions: (0..<regions).map { .init(name: "r\($0)", wanCapacity: Double(50 + g.nextIndex(below: 200)) * 1e6) },
            edgeSites: (0..<sites).map { .init(name: "s\($0)", region: RegionID(index: g.nextIndex(below: regions)),
                                                backhaulCapacity: Double(20 + g.nextIndex(below: 100)) * 1e6) })
        var pair = Pair()
        for c in topology.makeFlowNetwork().capacities { _ = pair.addLink(c) }   // the topology's links, same ids
        // Three device classes: (down, up) access capacities, bytes per second.
        let classes: [(Double, Double)] = [(12.5e6, 2.5e6), (50e6, 10e6), (125e6, 125e6)]
        var endpoints: [TransferEndpoint] = []
        for _ in 0..<devices {
            let (down, up) = classes[g.nextIndex(below: classes.count)]
            let downlink = pair.addLink(down), uplink = pair.addLink(up)
            let attachment: NetworkAttachment = sites > 0 && g.nextIndex(below: 2) == 0
                ? .edgeSite(EdgeSiteID(UInt32(g.nextIndex(below: sites))))
                : .region(RegionID(index: g.nextIndex(below: regions)))
            endpoints.append(.device(attachment, uplink: uplink, downlink: downlink))
        }
        // A data source in each region, with a fast link of its own (a storage service).
        let sources = (0..<regions).map { r -> TransferEndpoint in
            let out = pair.addLink(10e9), into = pair.addLink(10e9)
            return .device(.region(RegionID(index: r)), uplink: out, downlink: into)
        }
        var now = SimTime.zero
        for step in 0..<600 {
            now = now + .milliseconds(Int64(g.nextIndex(below: 200)))
            while pair.completeNext(by: now) { pair.check("seed \(seed) step \(step), a completion") }
            if pair.flows.isEmpty || (g.nextIndex(below: 3) != 0 && pair.flows.count < 60) {
                let device = endpoints[g.nextIndex(below: devices)], source = sources[g.nextIndex(below: regions)]
                let path = g.nextIndex(below: 2) == 0 ? topology.path(from: source, to: device) : topology.path(from: device, to: source)
                pair.add(Double(1 + g.nextIndex(below: 1000)) * 1e5, Array(path), at: now)
            } else {
                pair.remove(g.nextIndex(below: pair.flows.count), at: now)
            }
            pair.check("seed \(seed) step \(step)")
        }
    }

    @Test("on arbitrary link sets (repeated links, shared and private, flows ending early), rates and bytes left match the full recompute",
          arguments: seeds)
    func arbitraryLinkSets(seed: UInt64) {
        var g = RandomStreams(seed: seed).stream("flow-oracle-links")
        var pair = Pair()
        let links = 4 + g.nextIndex(below: 16)
        for _ in 0..<links { _ = pair.addLink(Double(1 + g.nextIndex(below: 100)) * 1e6) }
        var now = SimTime.zero
        for step in 0..<400 {
            now = now + .milliseconds(Int64(g.nextIndex(below: 50)))
            while pair.completeNext(by: now) { pair.check("seed \(seed) step \(step), a completion") }
            if pair.flows.isEmpty || (g.nextIndex(below: 3) != 0 && pair.flows.count < 40) {
                var path: [LinkID] = []
                for _ in 0..<(1 + g.nextIndex(below: 4)) { path.append(LinkID(Int32(g.nextIndex(below: links)))) }
                pair.add(Double(g.nextIndex(below: 1000)) * 1e5, path, at: now)
            } else {
                pair.remove(g.nextIndex(below: pair.flows.count), at: now)
            }
            pair.check("seed \(seed) step \(step)")
        }
    }

    @Test("a change recomputes buckets, not flows: with 10 000 transfers through one WAN link, a start touches a handful of buckets")
    func boundedWork() {
        // One region pair (WAN out of r0, into r1), 10 000 devices of three classes in r1, each
        // downloading from r0: every flow crosses the two WAN links, so all are one component.
        // Flows are interchangeable by class: 3 buckets (one per access capacity).
        let topology = Topology(regions: [.init(name: "r0", wanCapacity: 1e9), .init(name: "r1", wanCapacity: 1e9)])
        var net = topology.makeFlowNetwork()
        let classes: [Double] = [2.5e6, 12.5e6, 125e6]
        var downlinks: [LinkID] = []
        for d in 0..<10_000 { downlinks.append(net.addLink(capacity: classes[d % 3])); _ = net.addLink(capacity: classes[d % 3]) }
        for d in 0..<10_000 {
            net.addFlow(bytes: 1e9, links: [topology.wanOut(RegionID(index: 0)), topology.wanIn(RegionID(index: 1)), downlinks[d]], at: .zero)
        }
        #expect(net.activeFlowCount == 10_000)
        // The first flow alone had a bucket of its own (no shared link); then one per class.
        #expect(net.bucketIndex.count == 1 + classes.count)
        #expect(net.componentBuckets.count <= classes.count)
        // Each start after the first few joins a bucket that has flows, over links already
        // shared: the rates come from replaying the component's last filling.
        #expect(net.replayedChanges >= 10_000 - 10)
        // Max-min: 1e9 B/s over 10 000 flows is 1e5 B/s each, below every access capacity.
        let first = net.activeFlows[0]
        #expect(net.rate(of: first) == 1e9 / 10_000)
    }

    @Test("at fleet scale (many flows per bucket) most changes replay the last filling, and rates and bytes left still match the full recompute",
          arguments: [UInt64(5), 17, 4242])
    func replayAtScale(seed: UInt64) {
        var g = RandomStreams(seed: seed).stream("flow-oracle-scale")
        let regions = 2 + g.nextIndex(below: 2), sites = 2 + g.nextIndex(below: 3)
        let topology = Topology(
            regions: (0..<regions).map { .init(name: "r\($0)", wanCapacity: Double(200 + g.nextIndex(below: 800)) * 1e6) },
            edgeSites: (0..<sites).map { .init(name: "s\($0)", region: RegionID(index: g.nextIndex(below: regions)),
                                                backhaulCapacity: Double(50 + g.nextIndex(below: 200)) * 1e6) })
        var pair = Pair()
        for c in topology.makeFlowNetwork().capacities { _ = pair.addLink(c) }
        // Two classes and one data centre: a few dozen buckets, about ten flows each.
        let classes: [(Double, Double)] = [(12.5e6, 2.5e6), (50e6, 10e6)]
        var endpoints: [TransferEndpoint] = []
        for _ in 0..<300 {
            let (down, up) = classes[g.nextIndex(below: classes.count)]
            let downlink = pair.addLink(down), uplink = pair.addLink(up)
            let attachment: NetworkAttachment = g.nextIndex(below: 2) == 0
                ? .edgeSite(EdgeSiteID(UInt32(g.nextIndex(below: sites))))
                : .region(RegionID(index: g.nextIndex(below: regions)))
            endpoints.append(.device(attachment, uplink: uplink, downlink: downlink))
        }
        let source = TransferEndpoint.device(.region(RegionID(index: 0)), uplink: pair.addLink(10e9), downlink: pair.addLink(10e9))
        // Each device runs one transfer at a time; the one finishing next ends and its device
        // starts another, as in `swarmlab bench flows`.
        var running = [Bool](repeating: false, count: endpoints.count)
        var deviceOf: [FlowID: Int] = [:]
        func start(_ d: Int, at t: SimTime, _ pair: inout Pair, _ g: inout Xoshiro256) {
            let path = g.nextIndex(below: 2) == 0 ? topology.path(from: source, to: endpoints[d]) : topology.path(from: endpoints[d], to: source)
            pair.add(Double(1 + g.nextIndex(below: 100)) * 1e6, Array(path), at: t)
            deviceOf[pair.flows.last!.0] = d; running[d] = true
        }
        for d in endpoints.indices { start(d, at: .zero, &pair, &g) }
        let before = (pair.lazy.replayedChanges, pair.lazy.filledChanges)
        for step in 0..<600 {
            guard let (x, at) = pair.lazy.nextCompletion() else { break }
            let d = deviceOf.removeValue(forKey: x)!
            let completed = pair.completeNext(by: at)
            #expect(completed)
            pair.check("seed \(seed) change \(step), a completion")
            start(d, at: at, &pair, &g)
            pair.check("seed \(seed) change \(step), a start")
        }
        let replayed = pair.lazy.replayedChanges - before.0, filled = pair.lazy.filledChanges - before.1
        #expect(replayed + filled == 1_200)
        // A change fills anew when a bucket empties or a new one opens (one in ten flows or so
        // here), when a link starts or stops being shared, or when the bottleneck moves.
        #expect(replayed > 2 * filled, "replayed \(replayed), filled \(filled), refused \(pair.lazy.refusedReplays)")
    }

    @Test("two bottlenecks that share no flow may swap order: the replay still checks out, and matches the full recompute")
    func replayAcceptsIndependentLevelsOutOfOrder() {
        // Site backhauls L1 = L2 = 100 B/s behind one WAN link W = 1000 B/s; X flows cross L1
        // and W, Y flows L2 and W. With X = 3, Y = 4 the filling fixes L2 (25) before L1 (33).
        // X = 5 puts L1's share at 20, below L2's: out of the recorded order, but no flow of
        // one level crosses the other's link, so the replay's result is still max-min.
        var pair = Pair()
        let l1 = pair.addLink(100), l2 = pair.addLink(100), w = pair.addLink(1000)
        for _ in 0..<3 { pair.add(1e9, [l1, w], at: .zero) }
        for _ in 0..<4 { pair.add(1e9, [l2, w], at: .zero) }
        pair.check("X = 3, Y = 4")
        #expect(pair.lazy.rate(of: pair.flows[0].0) == 100.0 / 3 && pair.lazy.rate(of: pair.flows[3].0) == 25)
        let before = (pair.lazy.replayedChanges, pair.lazy.refusedReplays)
        pair.add(1e9, [l1, w], at: .zero)   // X = 4: a tie at 25
        pair.add(1e9, [l1, w], at: .zero)   // X = 5: L1 at 20, below L2
        #expect(pair.lazy.replayedChanges == before.0 + 2)
        #expect(pair.lazy.refusedReplays == before.1)
        pair.check("X = 5, Y = 4")
        #expect(pair.lazy.rate(of: pair.flows[0].0) == 20 && pair.lazy.rate(of: pair.flows[3].0) == 25)
    }

    @Test("a change that moves a bottleneck without changing any bucket is caught by the replay's checks and filled anew")
    func replayRefusedWhenTheBottleneckMoves() {
        // L1 = L2 = 100 B/s; bucket X crosses L1, Y crosses L1 and L2, Z crosses L2. With
        // X = 3, Y = 1, Z = 1 flows, L1 is the bottleneck (share 25) and Z gets L2's other 75.
        // Z growing to 4 flows makes L2's share 100/5 = 20 < 25: L2 now fixes Y and Z at 20,
        // and X gets (100 − 20)/3.
        var pair = Pair()
        let l1 = pair.addLink(100), l2 = pair.addLink(100)
        for _ in 0..<3 { pair.add(1e9, [l1], at: .zero) }
        pair.add(1e9, [l1, l2], at: .zero)
        pair.add(1e9, [l2], at: .zero)
        pair.check("X = 3, Y = 1, Z = 1")
        #expect(pair.lazy.rate(of: pair.flows[0].0) == 25 && pair.lazy.rate(of: pair.flows[4].0) == 75)
        let refusedBefore = pair.lazy.refusedReplays
        pair.add(1e9, [l2], at: .zero)   // Z = 2: L2's share 33, L1 still first (replayed)
        pair.add(1e9, [l2], at: .zero)   // Z = 3: a tie at 25
        #expect(pair.lazy.refusedReplays == refusedBefore)
        pair.add(1e9, [l2], at: .zero)   // Z = 4: the bottleneck moves
        #expect(pair.lazy.refusedReplays == refusedBefore + 1)
        pair.check("X = 3, Y = 1, Z = 4")
        #expect(pair.lazy.rate(of: pair.flows[3].0) == 20 && pair.lazy.rate(of: pair.flows[5].0) == 20)
        #expect(abs(pair.lazy.rate(of: pair.flows[0].0) - 80.0 / 3) < 1e-12)
    }

    @Test("a bucket that empties and fills again keeps its place in the recorded filling: both changes replay, and match the full recompute")
    func replayAcrossAnEmptiedBucket() {
        // W = 100 B/s shared; bucket X: flows over W and a private 1000 B/s link each, bucket Y:
        // over W and a private 10 B/s link each (capped below W's share). Y's last flow leaving
        // opens or closes no shared link: the replay keeps Y's level with no flows in it.
        var pair = Pair()
        let w = pair.addLink(100)
        let fast = (0..<3).map { _ in pair.addLink(1000) }, slow = [pair.addLink(10), pair.addLink(10)]
        for l in fast { pair.add(1e9, [w, l], at: .zero) }
        pair.add(1e9, [w, slow[0]], at: .zero)
        pair.check("X = 3, Y = 1")
        #expect(pair.lazy.rate(of: pair.flows[3].0) == 10 && pair.lazy.rate(of: pair.flows[0].0) == 30)
        let before = (pair.lazy.replayedChanges, pair.lazy.filledChanges)
        let one = SimTime.zero + .seconds(1), two = SimTime.zero + .seconds(2)
        pair.remove(3, at: one)   // Y empties: X shares all of W
        pair.check("X = 3, Y = 0")
        #expect(pair.lazy.rate(of: pair.flows[0].0) == 100.0 / 3)
        pair.add(100, [w, slow[1]], at: two)   // Y opens again, at its cap: 100 B take 10 s
        pair.check("X = 3, Y = 1 again")
        #expect(pair.lazy.rate(of: pair.flows[3].0) == 10 && pair.lazy.rate(of: pair.flows[0].0) == 30)
        #expect(pair.lazy.replayedChanges == before.0 + 2)
        #expect(pair.lazy.filledChanges == before.1)
        // The reopened bucket moves again: its flow is the next to finish, at its cap's rate.
        let (first, at) = pair.lazy.nextCompletion()!
        #expect(first == pair.flows[3].0)
        #expect(at == two + .seconds(10))
    }

    @Test("a bucket the last filling never saw (new, or empty then) joins its links' component as a last level: the change replays, and matches the full recompute")
    func replayAdoptsANewBucket() {
        // Three flows of bucket X cross W = 100 B/s and V = 1000 B/s: one level, W, at 100/3;
        // V is shared but no bottleneck. A flow over V and a private 10 B/s link opens bucket Y:
        // every other flow on V is fixed by W's level, so Y comes last, at its cap.
        var pair = Pair()
        let w = pair.addLink(100), v = pair.addLink(1000), slow = pair.addLink(10), slow2 = pair.addLink(10)
        for _ in 0..<3 { pair.add(1e9, [w, v], at: .zero) }
        pair.check("X = 3")
        let before = (pair.lazy.replayedChanges, pair.lazy.filledChanges)
        pair.add(1e9, [v, slow], at: .zero)
        pair.check("X = 3, Y = 1")
        #expect(pair.lazy.replayedChanges == before.0 + 1)
        #expect(pair.lazy.filledChanges == before.1)
        #expect(pair.lazy.rate(of: pair.flows[3].0) == 10 && pair.lazy.rate(of: pair.flows[0].0) == 100.0 / 3)
        // Recorded now: a second flow in Y replays with Y in its own level.
        pair.add(1e9, [v, slow2], at: .zero)
        pair.check("X = 3, Y = 2")
        #expect(pair.lazy.replayedChanges == before.0 + 2)
        #expect(pair.lazy.filledChanges == before.1)
        #expect(pair.lazy.rate(of: pair.flows[4].0) == 10)
    }
}
