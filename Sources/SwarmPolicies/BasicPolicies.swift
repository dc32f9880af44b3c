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
/// applied to regions). `extra_latency` trades latency for speed: every allowed region at most
/// that much farther (one-way) than the nearest region with an idle device counts as near,
/// and the fastest idle device among them wins (0 s, the default: the nearest region only,
/// fastest first within it — delay scheduling's "how far from the data may a task run",
/// Zaharia et al., EuroSys 2010, as a latency budget).
public struct LocalityAwarePolicy: SchedulingPolicy {
    public static let name = "locality-aware"
    public static let summary = "The idle device with the lowest latency to the task's data."

    public struct Parameters: PolicyParameters {
        public static let fields = [
            PolicyParameter("extra_latency", .duration(0...86_400), default: 0,
                            doc: "one-way latency beyond the nearest region with an idle device still counted as near; the fastest idle device of the near regions wins"),
        ]
        /// Seconds.
        public var extraLatency: Double
        public init(extraLatency: Double = 0) { self.extraLatency = extraLatency }
        public init(values: PolicyParameterValues) { extraLatency = values.value("extra_latency") }
    }

    let latency: @Sendable (Int, Int) -> Double
    let extraLatency: Double
    var orders: [Int: [Int]] = [:]

    public init(parameters: Parameters, context: PolicyContext) {
        latency = context.latency
        extraLatency = parameters.extraLatency
    }

    public mutating func place(_ ready: ReadyTasks, on fleet: FleetView, into placements: inout Placements) {
        for task in ready {
            if fleet.idleCount == 0 { return }
            let order = regionsByLatency(from: task.dataRegion, count: fleet.regionCount)
            var chosen: Int?
            for r in order where task.residency.contains(r) {
                guard let d = fleet.firstIdle(in: RegionSet([r])) else { continue }
                chosen = d
                if extraLatency > 0 {
                    // Every allowed region within the budget of this nearest one: fastest first.
                    let budget = latency(task.dataRegion, r) + extraLatency
                    let near = order.filter { task.residency.contains($0) && latency(task.dataRegion, $0) <= budget }
                    chosen = fleet.firstIdle(in: RegionSet(near)) ?? d
                }
                break
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
/// always considered, plus `samples` random idle devices — never a fleet scan. With
/// `min_uptime`, a candidate online for at least that long beats any younger one (a device
/// that has proven itself, as BOINC's scheduler favours hosts by their measured on-fraction,
/// Anderson, GRID 2004); younger ones are used only when no proven candidate is idle.
public struct AvailabilityAwarePolicy: SchedulingPolicy {
    public static let name = "availability-aware"
    public static let summary = "The idle device most likely to stay online for the whole task."

    public struct Parameters: PolicyParameters {
        public static let fields = [
            PolicyParameter("min_uptime", .duration(0...30 * 86_400), default: 0,
                            doc: "a candidate online at least this long beats any younger one; younger devices only when no such one is idle"),
            PolicyParameter("samples", .integer(0...1024), default: 12,
                            doc: "random idle devices considered per task, besides the first idle device of each class"),
        ]
        /// Seconds.
        public var minUptime: Double
        public var samples: Int
        public init(minUptime: Double = 0, samples: Int = 12) { self.minUptime = minUptime; self.samples = samples }
        public init(values: PolicyParameterValues) { minUptime = values.value("min_uptime"); samples = values.integer("samples") }
    }

    var rng: Xoshiro256
    let costModel: any CostModel
    let samples: Int
    /// Ticks.
    let minUptime: Int64

    public init(parameters: Parameters, context: PolicyContext) {
        rng = context.streams.stream("policy", entity: stableHash(Self.name))
        costModel = context.costModel
        samples = parameters.samples
        minUptime = Int64((parameters.minUptime * 1e9).rounded())
    }

    public mutating func place(_ ready: ReadyTasks, on fleet: FleetView, into placements: inout Placements) {
        for task in ready {
            if fleet.idleCount == 0 { return }
            var best: Int?, bestScore = -1.0
            let minUptime = self.minUptime
            func consider(_ d: Int?) {
                guard let d else { return }
                var s = survival(of: d, for: task, fleet)
                // A proven device (online ≥ min_uptime) scores above every unproven one.
                if minUptime > 0 && s > 0 && fleet.now.ticks - fleet.onlineSince[d] >= minUptime { s += 2 }
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

/// Among `choices` sampled idle devices (default 2), the one that has done the least work so
/// far, spreading load (and volunteer credit) evenly — "power of d choices" (Mitzenmacher,
/// IEEE TPDS 2001); `choices: 1` is the random policy.
public struct LeastLoadedPolicy: SchedulingPolicy {
    public static let name = "least-loaded"
    public static let summary = "Among sampled idle devices, the one with the fewest tasks done."

    public struct Parameters: PolicyParameters {
        public static let fields = [
            PolicyParameter("choices", .integer(1...64), default: 2,
                            doc: "idle devices drawn at random per task (with replacement); the one with the fewest tasks done wins"),
        ]
        public var choices: Int
        public init(choices: Int = 2) { self.choices = choices }
        public init(values: PolicyParameterValues) { choices = values.integer("choices") }
    }

    var rng: Xoshiro256
    let choices: Int

    public init(parameters: Parameters, context: PolicyContext) {
        rng = context.streams.stream("policy", entity: stableHash(Self.name))
        choices = parameters.choices
    }

    public mutating func place(_ ready: ReadyTasks, on fleet: FleetView, into placements: inout Placements) {
        for task in ready {
            if fleet.idleCount == 0 { return }
            let best = fleet.bestOfRandomIdle(choices, in: task.residency, using: &rng) {
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
        VolunteerFirstPolicy.self, StorageLocalityPolicy.self,
    ]
}
