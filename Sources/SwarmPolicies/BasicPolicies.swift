import Foundation
import SwarmKernel
import SwarmModel

/// Each task on a uniformly random idle device allowed by its residency: the null model
/// every other policy is compared against.
public struct RandomPolicy: SchedulingPolicy {
    public static let name = "random"
    public static let summary = "A uniformly random idle device (the baseline)."
    var rng: Xoshiro256

    public init(parameters: NoParameters, context: PolicyContext) {
        rng = context.streams.stream("policy", entity: stableHash(Self.name))
    }

    public mutating func place(_ ready: ReadyTasks, on fleet: FleetView, into placements: inout Placements) {
        for task in ready {
            guard let d = fleet.randomIdle(in: task.residency, using: &rng) else {
                if fleet.idleCount == 0 { return } else { continue }
            }
            placements.assign(task, to: d)
        }
    }
}

/// Takes idle devices from each (class, region) group in turn, so work spreads over every
/// kind and place — the round-robin dispatch of early grid brokers.
public struct RoundRobinPolicy: SchedulingPolicy {
    public static let name = "round-robin"
    public static let summary = "Idle devices taken from each class and region in turn."
    var next = 0

    public init(parameters: NoParameters, context: PolicyContext) {}

    public mutating func place(_ ready: ReadyTasks, on fleet: FleetView, into placements: inout Placements) {
        let groups = fleet.fleet.classes.count * fleet.regionCount
        for task in ready {
            if fleet.idleCount == 0 { return }
            for step in 0..<groups {
                let g = (next + step) % groups
                let c = g / fleet.regionCount, r = g % fleet.regionCount
                guard task.residency.contains(r), let d = fleet.idle(classID: c, region: r).last else { continue }
                placements.assign(task, to: Int(d))
                next = g + 1
                break
            }
        }
    }
}

/// The fastest idle device first (by the peak of its faster processor), as heterogeneity-
/// aware list schedulers do (Topcuoglu, Hariri and Wu, "Performance-effective and
/// low-complexity task scheduling for heterogeneous computing", IEEE TPDS 2002: earliest
/// finish time on the best processor).
public struct FastestFirstPolicy: SchedulingPolicy {
    public static let name = "fastest-first"
    public static let summary = "The fastest idle device allowed (heterogeneity-aware)."

    public init(parameters: NoParameters, context: PolicyContext) {}

    public mutating func place(_ ready: ReadyTasks, on fleet: FleetView, into placements: inout Placements) {
        for task in ready {
            if fleet.idleCount == 0 { return }
            guard let d = fleet.firstIdle(in: task.residency) else { continue }
            placements.assign(task, to: d)
        }
    }
}

/// The idle device nearest the task's data: its own region first, then regions by rising
/// latency (the locality preference of MapReduce's scheduler, Dean and Ghemawat, OSDI 2004,
/// applied to regions).
public struct LocalityAwarePolicy: SchedulingPolicy {
    public static let name = "locality-aware"
    public static let summary = "The idle device with the lowest latency to the task's data."
    let latency: @Sendable (Int, Int) -> Double
    var orders: [Int: [Int]] = [:]

    public init(parameters: NoParameters, context: PolicyContext) { latency = context.latency }

    public mutating func place(_ ready: ReadyTasks, on fleet: FleetView, into placements: inout Placements) {
        for task in ready {
            if fleet.idleCount == 0 { return }
            let order = regionsByLatency(from: task.dataRegion, count: fleet.regionCount)
            var chosen: Int?
            for r in order where task.residency.contains(r) {
                if let d = fleet.firstIdle(in: RegionSet([r])) { chosen = d; break }
            }
            if let d = chosen { placements.assign(task, to: d) }
        }
    }

    mutating func regionsByLatency(from r: Int, count: Int) -> [Int] {
        if let o = orders[r] { return o }
        let o = (0..<count).sorted { (latency(r, $0), $0) < (latency(r, $1), $1) }
        orders[r] = o
        return o
    }
}

/// The idle device most likely to stay online for the whole task. For each candidate it
/// estimates P(still on after τ | on for a so far) = S(a + τ) / S(a) from its class's ON-period
/// law (volunteer hosts' ON periods have decreasing hazard — Weibull shape < 1, Javadi et al.,
/// MASCOTS 2011 — so a device up for longer is likelier to stay), with τ the task's expected
/// time on that device, and zero when the class's opt-in window (in the region's local time)
/// closes before τ. Candidates: the first idle device of every class, so a steadier class is
/// always considered, plus a few random idle devices — never a fleet scan.
public struct AvailabilityAwarePolicy: SchedulingPolicy {
    public static let name = "availability-aware"
    public static let summary = "The idle device most likely to stay online for the whole task."
    var rng: Xoshiro256
    let costModel: any CostModel
    let samples = 12

    public init(parameters: NoParameters, context: PolicyContext) {
        rng = context.streams.stream("policy", entity: stableHash(Self.name))
        costModel = context.costModel
    }

    public mutating func place(_ ready: ReadyTasks, on fleet: FleetView, into placements: inout Placements) {
        for task in ready {
            if fleet.idleCount == 0 { return }
            var best: Int?, bestScore = -1.0
            func consider(_ d: Int?) {
                guard let d else { return }
                let s = survival(of: d, for: task, fleet)
                if s > bestScore { best = d; bestScore = s }
            }
            for c in fleet.classesBySpeed { consider(fleet.firstIdle(in: task.residency, classOrder: [c])) }
            for _ in 0..<samples { consider(fleet.randomIdle(in: task.residency, using: &rng)) }
            if let d = best { placements.assign(task, to: d) }
        }
    }

    /// The estimated probability that device `d` stays available for the whole task.
    func survival(of d: Int, for task: ReadyTask, _ fleet: FleetView) -> Double {
        let c = fleet.deviceClass(d)
        let compute: Double
        switch task.work {
        case .seconds(let s): compute = s
        case .kernel(let k): compute = costModel.best(for: k, on: c).seconds
        }
        let tau = compute + task.inputBytes / c.downlink
        let age = Double(fleet.now.ticks - fleet.onlineSince[d]) / 1e9
        var s: Double
        switch c.availability.source {
        case .alwaysOn:
            s = 1
        case .renewal(let on, _):
            if let fa = DistributionFit.cdf(on, age), let fb = DistributionFit.cdf(on, age + tau) {
                s = (1 - fb) / max(1 - fa, 1e-12)
            } else {
                s = Foundation.exp(-tau / on.mean)
            }
        case .trace:
            s = 0.5   // no law to reason with
        }
        if let w = c.availability.window {
            let local = fleet.now.ticks / 1_000_000_000 + Int64(fleet.fleet.utcOffset(d))
            let state = w.state(atLocal: local)
            if state.open && Double(state.until - local) < tau { s = 0 }
        }
        return s
    }
}

/// Among a few sampled idle devices, the one that has done the least work so far, spreading
/// load (and volunteer credit) evenly — "power of d choices" (Mitzenmacher, IEEE TPDS 2001).
public struct LeastLoadedPolicy: SchedulingPolicy {
    public static let name = "least-loaded"
    public static let summary = "Among sampled idle devices, the one with the fewest tasks done."
    var rng: Xoshiro256

    public init(parameters: NoParameters, context: PolicyContext) {
        rng = context.streams.stream("policy", entity: stableHash(Self.name))
    }

    public mutating func place(_ ready: ReadyTasks, on fleet: FleetView, into placements: inout Placements) {
        for task in ready {
            if fleet.idleCount == 0 { return }
            let best = fleet.bestOfRandomIdle(2, in: task.residency, using: &rng) {
                fleet.completed[$0] < fleet.completed[$1]
            }
            if let d = best { placements.assign(task, to: d) }
        }
    }
}

extension PolicyRegistry {
    /// Every built-in policy: the one list a run is given unless it passes its own.
    public static let builtin: PolicyRegistry = PolicyRegistry() + [
        RandomPolicy.self, RoundRobinPolicy.self, FastestFirstPolicy.self, LocalityAwarePolicy.self,
        AvailabilityAwarePolicy.self, LeastLoadedPolicy.self,
        DeadlineAwarePolicy.self, GPUAffinityPolicy.self, EdgeFirstPolicy.self, KubeScorePolicy.self,
    ]
}
