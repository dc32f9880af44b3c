import Testing
import CTestSupport
@testable import SwarmKernel
@testable import SwarmModel

/// A fleet of one window-less renewal class per law pair (every boundary flips availability):
/// the devices `FleetAvailability` walks with plain laws (`PlainRenewal`).
func flipOnlyFleet(perClass: Int) throws -> Fleet {
    let pairs: [(String, any Distribution, any Distribution)] = [
        ("weibull", Weibull(shape: 0.5, scale: 3_600), Weibull(shape: 0.6, scale: 1_800)),
        ("exponential", Exponential(mean: 2_000), Exponential(mean: 900)),
        ("lognormal-gamma", LogNormal(mu: 7, sigma: 1.2), Gamma(shape: 0.7, scale: 2_000)),
        ("pareto-weibull", Pareto(shape: 2.5, scale: 600), Weibull(shape: 1.5, scale: 1_200)),
    ]
    var classes: [DeviceClass] = []
    for (name, on, off) in pairs {
        var c = DeviceClass.desktop
        c.name = name
        c.availability = .renewal(on: on, off: off)
        classes.append(c)
    }
    return try Fleet(classes: classes, regions: testRegions,
                     mix: classes.map { .init(className: $0.name, region: "eu", count: perClass) })
}

@Suite("Availability hot path")
struct AvailabilityHotPathTests {
    @Test("every flip-only class takes the plain-law path, and it walks exactly as the general one (same phases, same draws)",
          arguments: [4, 5] as [UInt64])
    func plainWalkEqualsGeneral(seed: UInt64) throws {
        let fleet = try flipOnlyFleet(perClass: 25)
        var lazy = FleetAvailability(fleet: fleet, seed: seed)
        #expect(lazy.plain.allSatisfy { $0 != nil }, "each class of this fleet has plain laws")
        let reference = FleetAvailability(fleet: fleet, seed: seed)
        let horizon = (SimTime.zero + .days(3)).ticks
        var compared = 0
        for d in 0..<fleet.count {
            let laws = reference.laws[Int(fleet.classOf[d])]!
            var general: FleetAvailability.Phase? = nil
            var t: Int64 = 0
            while t <= horizon {
                let fast = lazy.state(of: d, at: SimTime(ticks: t))     // the plain walk, after the first question
                general = reference.renewalPhase(d, at: t, laws, from: general)
                let g = general!
                #expect(fast.available == g.on && fast.until.ticks == g.end && lazy.drawsUsed(d) == g.draws,
                        "device \(d) at \(t) ticks")
                compared += 1
                t = g.end
            }
        }
        #expect(compared > 10 * fleet.count, "the fleet really churned (\(compared) phases)")
    }

    @Test("flip-only devices: the lazy path and the eager oracle give identical timelines")
    func flipOnlyLazyEqualsEager() throws {
        let fleet = try flipOnlyFleet(perClass: 20)
        let horizon = SimTime.zero + .days(5)
        let sim = Simulation()
        let eager = EagerAvailability(fleet: fleet, seed: 6, sim: sim, recording: true)
        sim.run(until: horizon)
        var lazy = FleetAvailability(fleet: fleet, seed: 6)
        var mismatches = 0
        for d in 0..<fleet.count {
            let l = lazyTimeline(&lazy, d, horizon: horizon).filter { $0.time <= horizon }
            let e = eager.changes[d]
            if l.count != e.count || !zip(l, e).allSatisfy({ $0.time == $1.time && $0.available == $1.available }) { mismatches += 1 }
        }
        #expect(mismatches == 0)
    }

    /// The churn benchmark's loop (`ChurnBenchmark`'s churn mode): one pending event per device,
    /// its next change, with the cursor prefetch hint set.
    final class Churn {
        var availability: FleetAvailability
        let sim: Simulation
        var change = EventKind(rawValue: 0)
        var available = 0
        init(fleet: Fleet, sim: Simulation, hint: Bool) {
            availability = FleetAvailability(fleet: fleet, seed: 3)
            self.sim = sim
            change = sim.register("change") { [unowned self] e in self.changed(Int(e.target)) }
            if hint {
                let cursors = availability.prefetchAddress
                sim.setPrefetch(change, base: cursors.base, stride: cursors.stride)
            }
            for d in 0..<fleet.count { changed(d) }
        }
        func changed(_ d: Int) {
            let s = availability.state(of: d, at: sim.now)
            available += s.available ? 1 : 0
            if s.until != .distantFuture { sim.schedule(change, target: UInt32(d), at: s.until) }
        }
    }

    @Test("churn of 20 000 flip-only devices calls the allocator on no event of its steady state (counted per call)")
    func churnAllocatesNothing() throws {
        try #require(swarm_malloc_count_available() == 1, "the malloc interposer needs glibc")
        let sim = Simulation(expectedPending: 20_000)
        let model = Churn(fleet: try flipOnlyFleet(perClass: 5_000), sim: sim, hint: true)
        sim.run(until: .zero + .hours(12))   // warm up: the event list's buckets reach their working sizes
        let before = sim.eventsProcessed, buffersBefore = sim.state.pointee.queue.bufferAllocations
        swarm_malloc_count_start()
        sim.run(until: .zero + .hours(36))
        let calls = swarm_malloc_count_stop()
        let events = sim.eventsProcessed - before
        let buffers = UInt64(sim.state.pointee.queue.bufferAllocations - buffersBefore)
        print("churn: \(calls) allocator calls over \(events) events, \(buffers) of them bucket buffers")
        #expect(events > 1_000_000 && model.available > 0)
        // Every call left is the event list regrowing a bucket buffer as the buckets take turns
        // holding the 20 000 pending events (amortised: ~600 over these 10⁶ events when
        // measured); the availability walk, the handler and the rest of the kernel make none.
        // One call per event would be `events`; the bound is one per 1 000.
        #expect(calls <= buffers, "\(calls) allocator calls, \(buffers) bucket buffers")
        #expect(calls * 1_000 < events, "\(calls) allocator calls over \(events) events")
    }

    @Test("the cursor prefetch hint changes no result")
    func hintChangesNothing() throws {
        let fleet = try flipOnlyFleet(perClass: 500)
        func run(hint: Bool) -> (UInt64, Int, [Bool]) {
            let sim = Simulation()
            let m = Churn(fleet: fleet, sim: sim, hint: hint)
            sim.run(until: .zero + .days(2))
            return (sim.eventsProcessed, m.available, (0..<fleet.count).map { m.availability.isAvailable($0, at: sim.now) })
        }
        let with = run(hint: true), without = run(hint: false)
        #expect(with.0 == without.0 && with.1 == without.1 && with.2 == without.2)
        #expect(with.0 > 10_000)
    }
}
