import Testing
import SwarmKernel
@testable import SwarmModel

/// One class per ON/OFF law: ON and OFF means of a few hours, so a day holds several cycles.
let stationaryLaws: [(name: String, on: any Distribution, off: any Distribution)] = [
    ("exponential", Exponential(mean: 3 * 3_600), Exponential(mean: 5 * 3_600)),
    // FTA-like heavy tails: Weibull shapes below 1 (Javadi et al. 2011). With fresh first
    // periods (the old start) this fleet is 51% online at 1 h instead of 69%.
    ("weibull", Weibull(shape: 0.45, scale: 3_600), Weibull(shape: 0.8, scale: 3_600)),
    ("lognormal", LogNormal(mu: 8, sigma: 1.5), LogNormal(mu: 9, sigma: 1.2)),
    ("gamma", Gamma(shape: 0.5, scale: 4 * 3_600), Gamma(shape: 2, scale: 3_600)),
    ("pareto", Pareto(shape: 1.5, scale: 1_200), Pareto(shape: 2.5, scale: 3_600)),
    ("uniform", Uniform(600, 6 * 3_600), Uniform(0, 10 * 3_600)),
    ("empirical", Empirical(samples: [60, 300, 600, 3_600, 20_000, 90_000]), Empirical(samples: [120, 1_800, 7_200, 40_000])),
]

func lawFleet(_ law: (name: String, on: any Distribution, off: any Distribution), count: Int) throws -> Fleet {
    var c = DeviceClass.desktop
    c.name = "law-" + law.name
    c.availability = .renewal(on: law.on, off: law.off)
    return try Fleet(classes: [c], regions: testRegions, mix: [.init(className: c.name, region: "eu", count: count)])
}

@Suite("Stationary availability")
struct AvailabilityStationaryTests {
    /// p = E[on]/(E[on]+E[off]); over n independent devices the online share has standard
    /// error √(p(1−p)/n); 4 of them bound it (a false alarm about 1 in 16 000 per check).
    @Test("the online fraction at 0, 1 h and 1 d is the stationary E[on]/(E[on]+E[off]) for every law",
          arguments: stationaryLaws.indices)
    func stationaryFromStart(lawIndex: Int) throws {
        let law = stationaryLaws[lawIndex]
        let n = 20_000
        let fleet = try lawFleet(law, count: n)
        var a = FleetAvailability(fleet: fleet, seed: 11)
        let p = law.on.mean / (law.on.mean + law.off.mean)
        let tolerance = 4 * (p * (1 - p) / Double(n)).squareRoot()
        for t in [SimDuration.zero, .hours(1), .days(1)] {
            let on = (0..<n).filter { a.isAvailable($0, at: .zero + t) }.count
            let share = Double(on) / Double(n)
            #expect(abs(share - p) < tolerance, "\(law.name) at \(t.seconds) s: \(share) online, stationary \(p) ± \(tolerance)")
        }
    }

    @Test("the lazy path and the eager oracle agree on the stationary start of every law")
    func eagerAgreesOnEveryLaw() throws {
        var classes: [DeviceClass] = []
        for law in stationaryLaws {
            var c = DeviceClass.desktop
            c.name = "law-" + law.name
            c.availability = .renewal(on: law.on, off: law.off)
            classes.append(c)
        }
        let fleet = try Fleet(classes: classes, regions: testRegions,
                              mix: classes.map { .init(className: $0.name, region: "us", count: 40) })
        let horizon = SimTime.zero + .days(2)
        let sim = Simulation()
        let eager = EagerAvailability(fleet: fleet, seed: 5, sim: sim, recording: true)
        sim.run(until: horizon)
        var lazy = FleetAvailability(fleet: fleet, seed: 5)
        var mismatches: [Int] = []
        for d in 0..<fleet.count {
            let l = lazyTimeline(&lazy, d, horizon: horizon).filter { $0.time <= horizon }
            let e = eager.changes[d]
            if l.count != e.count || !zip(l, e).allSatisfy({ $0.time == $1.time && $0.available == $1.available }) {
                mismatches.append(d)
            }
        }
        #expect(mismatches.isEmpty)
    }

    @Test("a law without a known residual starts from a warm-up of 20 mean cycles before t = 0")
    func warmUpForUnknownLaws() throws {
        // A law SwarmModel does not know (a shifted exponential written as its own type).
        struct Shifted: Distribution {
            func sample<G: RandomNumberGenerator>(using g: inout G) -> Double { 600 + Exponential(mean: 3_000).sample(using: &g) }
            var mean: Double { 3_600 }
            var variance: Double { 3_000 * 3_000 }
        }
        let laws = RenewalLaws(on: Shifted(), off: Exponential(mean: 3_600), model: .renewal(on: Shifted(), off: Exponential(mean: 3_600)))
        #expect(laws.warmUpTicks == SimDuration(seconds: 20 * (3_600 + 3_600)).ticks)
        let exact = RenewalLaws(on: Weibull(shape: 0.4, scale: 1), off: Gamma(shape: 0.3, scale: 1), model: .alwaysOn)
        #expect(exact.warmUpTicks == 0)
        let n = 20_000
        let fleet = try lawFleet(("shifted", Shifted(), Exponential(mean: 3_600)), count: n)
        var a = FleetAvailability(fleet: fleet, seed: 3)
        let on = (0..<n).filter { a.isAvailable($0, at: .zero) }.count
        #expect(abs(Double(on) / Double(n) - 0.5) < 4 * (0.25 / Double(n)).squareRoot())
    }

    @Test("the residual sampler has the equilibrium mean E[X²]/(2 E[X]) for every law", arguments: stationaryLaws.indices)
    func residualMean(lawIndex: Int) {
        let law = stationaryLaws[lawIndex]
        for d in [law.on, law.off] where d.variance.isFinite {
            let p = PeriodLaw(d)
            var g = Xoshiro256(seed: 99)
            var stats = RunningStats()
            for _ in 0..<200_000 { stats.add(p.sampleResidual(using: &g)) }
            // E[residual] = E[X²]/(2E[X]) = (Var + mean²)/(2 mean).
            let expected = (d.variance + d.mean * d.mean) / (2 * d.mean)
            #expect(abs(stats.mean - expected) / expected < 0.03, "\(law.name): \(stats.mean) vs \(expected)")
        }
    }

    @Test("windows with jitter add no start-up transient: the same hour of two days has the same online share")
    func windowsHaveNoTransient() throws {
        // The window is a fixed function of local time (each device's jitter drawn once), so
        // with a stationary renewal under it, 01:00 on Monday (hour 1) and on Tuesday (hour
        // 25) must agree; so must 10:00 (window shut for most) on both days.
        var c = DeviceClass.phone
        c.name = "windowed"
        c.availability = .renewal(on: Weibull(shape: 0.45, scale: 3_600), off: Weibull(shape: 0.8, scale: 3_600),
                                  window: .daily(fromHour: 23, toHour: 7), windowJitter: 3_600)
        let n = 20_000
        let fleet = try Fleet(classes: [c], regions: testRegions, mix: [.init(className: "windowed", region: "eu", count: n)])
        var a = FleetAvailability(fleet: fleet, seed: 6)
        var shares: [Double] = []
        for h in [1.0, 10, 25, 34] {
            shares.append(Double((0..<n).filter { a.isAvailable($0, at: .zero + .hours(h)) }.count) / Double(n))
        }
        // Two independent-enough binomial shares: their difference has sd ≤ √(2·0.25/n).
        let tolerance = 4 * (0.5 / Double(n)).squareRoot()
        #expect(abs(shares[0] - shares[2]) < tolerance, "01:00 UTC on day 1 and day 2: \(shares[0]) vs \(shares[2])")
        #expect(abs(shares[1] - shares[3]) < tolerance, "10:00 UTC on day 1 and day 2: \(shares[1]) vs \(shares[3])")
        #expect(shares[0] > 0.3, "the window is open at 01:00 (02:00 local) for most devices")
    }

    @Test("trace devices replay from their own phase: first changes differ, the online share is the trace's")
    func tracePhases() throws {
        var c = DeviceClass.desktop
        c.name = "traced"
        c.availability = AvailabilityModel(source: .trace(tinyTrace, loop: true))
        let n = 20_000
        let fleet = try Fleet(classes: [c], regions: testRegions, mix: [.init(className: "traced", region: "eu", count: n)])
        var a = FleetAvailability(fleet: fleet, seed: 2)
        let firstChanges = Set((0..<200).map { a.state(of: $0, at: .zero).until })
        #expect(firstChanges.count > 190, "200 devices on 2 hosts should not share 2 timelines (\(firstChanges.count) distinct)")
        // Host a is on 3 600 + 1 800 + 30 000 s, host b 1 000 + 26 400 s, of an 86 400 s span.
        let hostA: Double = 3_600 + 1_800 + 30_000
        let hostB: Double = 1_000 + 26_400
        let p: Double = (hostA + hostB) / 2 / 86_400
        #expect(abs(c.availability.renewalOnFraction - p) < 1e-12)
        let tolerance = 4 * (p * (1 - p) / Double(n)).squareRoot()
        for t in [SimDuration.zero, .hours(1), .days(1)] {
            let share = Double((0..<n).filter { a.isAvailable($0, at: .zero + t) }.count) / Double(n)
            #expect(abs(share - p) < tolerance, "at \(t.seconds) s: \(share) vs \(p)")
        }
    }

    @Test("without loop, each trace device replays exactly one period of its host, wrapping around")
    func traceOnePeriod() throws {
        var c = DeviceClass.desktop
        c.name = "traced"
        c.availability = AvailabilityModel(source: .trace(tinyTrace, loop: false))
        let fleet = try Fleet(classes: [c], regions: testRegions, mix: [.init(className: "traced", region: "eu", count: 50)])
        var a = FleetAvailability(fleet: fleet, seed: 8)
        let sim = Simulation()
        let eager = EagerAvailability(fleet: fleet, seed: 8, sim: sim, recording: true)
        sim.run(until: .zero + .days(3))
        for d in 0..<fleet.count {
            let timeline = lazyTimeline(&a, d, horizon: .zero + .days(3))
            var onSeconds = 0.0
            for (x, y) in zip(timeline, timeline.dropFirst()) where x.available { onSeconds += (y.time - x.time).seconds }
            #expect(timeline.last?.available == false, "offline after its period")
            let hostA: Double = 3_600 + 1_800 + 30_000, hostB: Double = 1_000 + 26_400
            let expected = d % 2 == 0 ? hostA : hostB
            #expect(abs(onSeconds - expected) < 1e-6, "device \(d): \(onSeconds) s on, its host \(expected) s")
            #expect(timeline.count == eager.changes[d].count
                    && zip(timeline, eager.changes[d]).allSatisfy { $0.time == $1.time && $0.available == $1.available })
        }
    }
}
