import Testing
import SwarmKernel
@testable import SwarmModel

let testRegions: [(name: String, utcOffsetHours: Double)] = [("eu", 1), ("us", -6), ("asia", 9)]

/// A small trace: two hosts, a few hours of real-looking intervals (seconds).
let tinyTrace = AvailabilityTrace(hosts: [
    (name: "a", intervals: [(0, 3_600), (7_200, 9_000), (20_000, 50_000)]),
    (name: "b", intervals: [(1_000, 2_000), (60_000, 86_400)]),
])

func mixedFleet(perClass: Int) throws -> Fleet {
    var classes = DeviceClass.builtin
    var traced = DeviceClass.desktop
    traced.name = "traced"
    traced.availability = AvailabilityModel(source: .trace(tinyTrace, loop: true), window: .daily(fromHour: 8, toHour: 20))
    classes.append(traced)
    var logn = DeviceClass.laptop
    logn.name = "lognormal-laptop"
    logn.availability = .renewal(on: LogNormal(mu: 7, sigma: 1.2), off: Gamma(shape: 0.7, scale: 2_000),
                                 window: .offWork(fromHour: 9, toHour: 17), windowJitter: 900)
    classes.append(logn)
    var mix: [Fleet.Share] = []
    for c in classes { for r in testRegions { mix.append(.init(className: c.name, region: r.name, count: perClass)) } }
    return try Fleet(classes: classes, regions: testRegions, mix: mix)
}

/// The lazy timeline of device d from 0 to horizon, by repeated questions.
func lazyTimeline(_ a: inout FleetAvailability, _ d: Int, horizon: SimTime) -> [(time: SimTime, available: Bool)] {
    var t = SimTime.zero
    var out: [(time: SimTime, available: Bool)] = []
    while t <= horizon {
        let s = a.state(of: d, at: t)
        out.append((t, s.available))
        if s.until == .distantFuture { break }
        t = s.until
    }
    return out
}

@Suite("Availability")
struct AvailabilityTests {
    @Test("the lazy path and the eager oracle give identical timelines", arguments: [1, 2, 3] as [UInt64])
    func lazyEqualsEager(seed: UInt64) throws {
        let fleet = try mixedFleet(perClass: 12)
        let horizon = SimTime.zero + .days(7)
        let sim = Simulation()
        let eager = EagerAvailability(fleet: fleet, seed: seed, sim: sim, recording: true)
        sim.run(until: horizon)
        var lazy = FleetAvailability(fleet: fleet, seed: seed)
        var mismatches = 0, changes = 0
        for d in 0..<fleet.count {
            let l = lazyTimeline(&lazy, d, horizon: horizon).filter { $0.time <= horizon }
            let e = eager.changes[d]
            changes += e.count
            if l.count != e.count || !zip(l, e).allSatisfy({ $0.time == $1.time && $0.available == $1.available }) {
                mismatches += 1
            }
        }
        #expect(mismatches == 0)
        #expect(changes > 5 * fleet.count, "the fleet really churned (\(changes) changes)")
    }

    @Test("asking at arbitrary increasing times agrees with the eager oracle")
    func pointQueries() throws {
        let fleet = try mixedFleet(perClass: 5)
        let sim = Simulation()
        let eager = EagerAvailability(fleet: fleet, seed: 9, sim: sim, recording: true)
        sim.run(until: .zero + .days(3))
        var lazy = FleetAvailability(fleet: fleet, seed: 9)
        var g = Xoshiro256(seed: 1)
        var disagreements = 0
        for d in 0..<fleet.count {
            var t: Int64 = 0
            while t < SimDuration.days(3).ticks {
                let expected = eager.changes[d].last(where: { $0.time.ticks <= t })!.available
                if lazy.isAvailable(d, at: SimTime(ticks: t)) != expected { disagreements += 1 }
                t += Int64(g.nextIndex(below: 4 * 3_600)) * 1_000_000_000 + Int64(g.nextIndex(below: 1_000_000_000))
            }
        }
        #expect(disagreements == 0)
    }

    @Test("a device's time zone shifts its diurnal curve")
    func timeZoneShift() throws {
        var phone = DeviceClass.phone
        phone.availability = AvailabilityModel(source: .alwaysOn, window: .daily(fromHour: 23, toHour: 7))
        let fleet = try Fleet(classes: [phone], regions: testRegions,
                              mix: [.init(className: "phone", region: "eu", count: 1),
                                    .init(className: "phone", region: "asia", count: 1)])
        var a = FleetAvailability(fleet: fleet, seed: 1)
        // eu is UTC+1: 23:00 local is 22:00 UTC; asia is UTC+9: 23:00 local is 14:00 UTC.
        let eu = a.state(of: 0, at: .zero + .hours(12))
        let asia = a.state(of: 1, at: .zero + .hours(12))
        #expect(!eu.available && eu.until == .zero + .hours(22))
        #expect(!asia.available && asia.until == .zero + .hours(14))
        #expect(a.state(of: 1, at: .zero + .hours(14)).until == .zero + .hours(22), "open 23:00–07:00 local = 14:00–22:00 UTC")
    }

    @Test("weekly windows: desktops idle outside 9–17 on weekdays and all weekend")
    func weeklyWindow() {
        let w = WeeklyWindow.offWork(fromHour: 9, toHour: 17)
        #expect(w.state(atLocal: 8 * 3600) == (true, 9 * 3600))                       // Monday 08:00
        #expect(w.state(atLocal: 10 * 3600) == (false, 17 * 3600))                     // Monday 10:00
        #expect(w.state(atLocal: 4 * 86_400 + 18 * 3600) == (true, 7 * 86_400 + 9 * 3600)) // Friday evening to Monday 09:00
        let night = WeeklyWindow.daily(fromHour: 23, toHour: 7)
        #expect(night.state(atLocal: 6 * 86_400 + 23 * 3600 + 5) == (true, 7 * 86_400 + 7 * 3600)) // Sunday night wraps
        #expect(WeeklyWindow.always.state(atLocal: 12345) == (true, .max))
    }

    @Test("long-run availability matches the renewal fraction times the window's share")
    func longRunFraction() throws {
        var c = DeviceClass.desktop
        c.availability = .renewal(on: Exponential(mean: 3_000), off: Exponential(mean: 1_000))
        let fleet = try Fleet(classes: [c], regions: testRegions, mix: [.init(className: "desktop", region: "eu", count: 2_000)])
        var a = FleetAvailability(fleet: fleet, seed: 4)
        var on = 0, total = 0
        for step in 1...20 {
            for d in 0..<fleet.count {
                if a.isAvailable(d, at: .zero + .hours(Double(step) * 5)) { on += 1 }
                total += 1
            }
        }
        // 0.75 expected; 40 000 correlated-in-time samples: allow ±0.02.
        #expect(abs(Double(on) / Double(total) - 0.75) < 0.02)
    }

    @Test("a device nobody asks about costs no events and no draws")
    func lazyCostsNothing() throws {
        let fleet = try Fleet(classes: DeviceClass.builtin, regions: testRegions,
                              mix: [.init(className: "phone", region: "eu", count: 100_000)])
        let sim = Simulation()
        var a = FleetAvailability(fleet: fleet, seed: 1)
        sim.run(until: .zero + .days(1))
        #expect(sim.eventsProcessed == 0)
        _ = a.isAvailable(42, at: .zero + .days(1))
        #expect((0..<fleet.count).filter { a.drawsUsed($0) != 0 } == [42])
    }

    @Test("fleets from fractions add up exactly; bad mixes are refused")
    func fleetMix() throws {
        let f = try Fleet(classes: DeviceClass.builtin, regions: testRegions, total: 1_000,
                          fractions: [("phone", "eu", 0.5), ("laptop", "us", 0.3), ("desktop", "asia", 0.2 / 3 * 2), ("cloud-vm", "eu", 0.2 / 3)])
        #expect(f.count == 1_000)
        #expect(f.classOf.filter { $0 == 0 }.count == 500)
        #expect(throws: Fleet.BuildError.unknownClass("toaster", known: DeviceClass.builtin.map(\.name))) {
            try Fleet(classes: DeviceClass.builtin, regions: testRegions, mix: [.init(className: "toaster", region: "eu", count: 1)])
        }
        #expect(throws: Fleet.BuildError.unknownRegion("mars", known: ["eu", "us", "asia"])) {
            try Fleet(classes: DeviceClass.builtin, regions: testRegions, mix: [.init(className: "phone", region: "mars", count: 1)])
        }
        #expect(throws: Fleet.BuildError.negativeCount(className: "phone", region: "eu", count: -3)) {
            try Fleet(classes: DeviceClass.builtin, regions: testRegions, mix: [.init(className: "phone", region: "eu", count: -3)])
        }
    }
}
