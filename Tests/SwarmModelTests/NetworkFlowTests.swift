import Testing
import SwarmKernel
@testable import SwarmModel

/// Max-min fair sharing, checked against rates and completion times derived by hand (the
/// bucketed implementation against the full recompute: `NetworkFlowOracleTests`).
@Suite("Network: flow-level max-min sharing")
struct NetworkFlowTests {
    /// A flow to start: when, how many bytes, over which links.
    struct Start { var at: SimTime; var bytes: Double; var links: [LinkID] }

    /// A tiny event loop: starts flows at their times and removes each when it completes;
    /// returns every flow's completion time, in the order the flows were given.
    static func completionTimes(_ net: inout FlowNetwork, _ starts: [Start]) -> [SimTime] {
        var pending = starts.enumerated().sorted { $0.element.at < $1.element.at }[...]
        var index: [FlowID: Int] = [:]
        var done = [SimTime](repeating: .distantFuture, count: starts.count)
        while true {
            let completion = net.nextCompletion()
            if let next = pending.first, completion == nil || next.element.at <= completion!.1 {
                pending.removeFirst()
                index[net.addFlow(bytes: next.element.bytes, links: next.element.links, at: next.element.at)] = next.offset
            } else if let (flow, t) = completion {
                net.removeFlow(flow, at: t)
                done[index[flow]!] = t
            } else {
                return done
            }
        }
    }

    @Test("two flows sharing one link get half each")
    func equalShare() {
        var net = FlowNetwork()
        let shared = net.addLink(capacity: 100e6)
        let upA = net.addLink(capacity: 1e9), upB = net.addLink(capacity: 1e9)
        let a = net.addFlow(bytes: 1e9, links: [upA, shared], at: .zero)
        let b = net.addFlow(bytes: 1e9, links: [upB, shared], at: .zero)
        #expect(net.rate(of: a) == 100e6 / 2)
        #expect(net.rate(of: b) == 100e6 / 2)
    }

    @Test("a flow limited by its own access link leaves the rest of the shared link to the other")
    func maxMinNotEqualSplit() {
        var net = FlowNetwork()
        let shared = net.addLink(capacity: 100e6)
        let slowUp = net.addLink(capacity: 20e6), fastUp = net.addLink(capacity: 1e9)
        let slow = net.addFlow(bytes: 1e9, links: [slowUp, shared], at: .zero)
        let fast = net.addFlow(bytes: 1e9, links: [fastUp, shared], at: .zero)
        #expect(net.rate(of: slow) == 20e6)
        #expect(net.rate(of: fast) == 100e6 - 20e6)
    }

    @Test("three flows over two links: the classic max-min example")
    func threeFlowsTwoLinks() {
        // Flow 0 crosses both links, flow 1 only L1, flow 2 only L2. L1 is the bottleneck:
        // flows 0 and 1 get 10e6 / 2 each; flow 2 gets what flow 0 leaves of L2.
        var net = FlowNetwork()
        let l1 = net.addLink(capacity: 10e6), l2 = net.addLink(capacity: 30e6)
        let f0 = net.addFlow(bytes: 1e9, links: [l1, l2], at: .zero)
        let f1 = net.addFlow(bytes: 1e9, links: [l1], at: .zero)
        let f2 = net.addFlow(bytes: 1e9, links: [l2], at: .zero)
        #expect(net.rate(of: f0) == 10e6 / 2)
        #expect(net.rate(of: f1) == 10e6 / 2)
        #expect(net.rate(of: f2) == 30e6 - 10e6 / 2)
    }

    @Test("when one flow finishes the other speeds up; completion times as derived by hand")
    func speedUpAfterCompletion() {
        // Link of 50e6 B/s. B (25e6 bytes) starts at 0 alone; A (100e6 bytes) starts at 0.1 s
        // (a start latency of 100 ms). From 0.1 s they share 25e6 each; B ends at tB, then A has
        // the whole link.
        var net = FlowNetwork()
        let link = net.addLink(capacity: 50e6)
        let times = Self.completionTimes(&net, [
            Start(at: SimTime(seconds: 0.1), bytes: 100e6, links: [link]),
            Start(at: .zero, bytes: 25e6, links: [link]),
        ])
        let tB = 0.1 + (25e6 - 0.1 * 50e6) / 25e6                  // 0.9 s
        let tA = tB + (100e6 - (tB - 0.1) * 25e6) / 50e6            // 2.5 s
        #expect(times[1] == SimTime(seconds: tB))
        #expect(times[0] == SimTime(seconds: tA))
        #expect(times[0] == SimTime(seconds: 2.5))
        #expect(net.activeFlowCount == 0)
    }

    @Test("a bottleneck released mid-way: the freed capacity goes to the flows still limited")
    func releaseSpreadsToOthers() {
        // Three flows with fast access links share a 100e6 B/s link: 100e6 / 3 each. The two
        // 25e6-byte flows end together; the big one has sent 25e6 too, then has the link alone.
        var net = FlowNetwork()
        let shared = net.addLink(capacity: 100e6)
        let up = (0..<3).map { _ in net.addLink(capacity: 1e9) }
        let times = Self.completionTimes(&net, [
            Start(at: .zero, bytes: 100e6, links: [up[0], shared]),
            Start(at: .zero, bytes: 25e6, links: [up[1], shared]),
            Start(at: .zero, bytes: 25e6, links: [up[2], shared]),
        ])
        let tSmall = 25e6 / (100e6 / 3)                              // 0.75 s, both small ones
        let tBig = tSmall + (100e6 - 25e6) / 100e6                   // big one had sent 25e6 too
        #expect(times[1] == SimTime(seconds: tSmall))
        #expect(times[2] == SimTime(seconds: tSmall))
        #expect(times[0] == SimTime(seconds: tBig))
        #expect(times[0] == SimTime(seconds: 1.5))
    }

    @Test("a flow limited by its access link does not speed up when a sharer ends")
    func accessThenShared() {
        // Shared 50e6 B/s; A's access is 10e6, B's 1e9: A gets 10e6, B the other 40e6. B's 60e6
        // bytes end at 60e6 / 40e6 = 1.5 s. A does not speed up then (its access still limits
        // it): it has sent 1.5 * 10e6 and sends the rest at 10e6.
        var net = FlowNetwork()
        let shared = net.addLink(capacity: 50e6)
        let upA = net.addLink(capacity: 10e6), upB = net.addLink(capacity: 1e9)
        let times = Self.completionTimes(&net, [
            Start(at: .zero, bytes: 20e6, links: [upA, shared]),
            Start(at: .zero, bytes: 60e6, links: [upB, shared]),
        ])
        let tB = 60e6 / (50e6 - 10e6)
        let tA = tB + (20e6 - tB * 10e6) / 10e6
        #expect(times[1] == SimTime(seconds: tB))
        #expect(times[0] == SimTime(seconds: tA))
        #expect(times[0] == SimTime(seconds: 2))
    }

    @Test("advance drains at the current rates; removing a flow returns what it had left")
    func drainAndCancel() {
        var net = FlowNetwork()
        let link = net.addLink(capacity: 100e6)
        let a = net.addFlow(bytes: 100e6, links: [link], at: .zero)
        let b = net.addFlow(bytes: 100e6, links: [link], at: .zero)
        net.advance(to: SimTime(seconds: 1))
        #expect(net.remainingBytes(of: a) == 100e6 - 1 * 50e6)
        let left = net.removeFlow(b, at: SimTime(seconds: 1.5))
        #expect(left == 100e6 - 1.5 * 50e6)
        #expect(net.rate(of: a) == 100e6)
        #expect(net.nextCompletion()! == (a, SimTime(seconds: 1.5 + (100e6 - 1.5 * 50e6) / 100e6)))
        #expect(!net.contains(b))
    }

    @Test("a slot reused by a new flow does not revive the old id")
    func generations() {
        var net = FlowNetwork()
        let link = net.addLink(capacity: 1e6)
        let old = net.addFlow(bytes: 1, links: [link], at: .zero)
        net.removeFlow(old, at: .zero)
        let new = net.addFlow(bytes: 1, links: [link], at: .zero)
        #expect(new.slot == old.slot)
        #expect(new != old)
        #expect(!net.contains(old) && net.contains(new))
    }

    @Test("flows in separate components do not disturb each other; an empty flow ends at once")
    func separateComponents() {
        var net = FlowNetwork()
        let l1 = net.addLink(capacity: 10e6), l2 = net.addLink(capacity: 30e6)
        let a = net.addFlow(bytes: 1e9, links: [l1], at: .zero)
        let b = net.addFlow(bytes: 1e9, links: [l2], at: .zero)
        let c = net.addFlow(bytes: 1e9, links: [l2, l2], at: .zero)   // duplicate link crossed once
        #expect(net.rate(of: a) == 10e6)
        #expect(net.rate(of: b) == 30e6 / 2 && net.rate(of: c) == 30e6 / 2)
        #expect(net.links(of: c) == [l2])
        let empty = net.addFlow(bytes: 0, links: [l1], at: SimTime(seconds: 1))
        #expect(net.nextCompletion()! == (empty, SimTime(seconds: 1)))
    }

    // MARK: Oracle and invariants

    /// Max-min fairness characterised (Bertsekas and Gallager, ch. 6): no link carries
    /// more than its capacity, and every flow has a bottleneck link — saturated, and on which
    /// no other flow gets more than it.
    static func checkMaxMin(_ net: FlowNetwork, sourceLocation: SourceLocation = #_sourceLocation) {
        let flows = net.activeFlows
        var load = [Double](repeating: 0, count: net.linkCount)
        var maxRate = [Double](repeating: 0, count: net.linkCount)
        for f in flows {
            for l in net.links(of: f) {
                load[l.index] += net.rate(of: f)
                maxRate[l.index] = max(maxRate[l.index], net.rate(of: f))
            }
        }
        let tol = 1e-9
        for l in 0..<net.linkCount {
            #expect(load[l] <= net.capacities[l] * (1 + tol), "link \(l) overloaded", sourceLocation: sourceLocation)
        }
        for f in flows {
            let r = net.rate(of: f)
            let hasBottleneck = net.links(of: f).contains { l in
                load[l.index] >= net.capacities[l.index] * (1 - tol) && r >= maxRate[l.index] * (1 - tol)
            }
            #expect(hasBottleneck, "\(f) at \(r) B/s has no bottleneck link", sourceLocation: sourceLocation)
        }
    }
}
