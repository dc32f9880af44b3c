import Testing
import SwarmKernel
@testable import SwarmModel
import SwarmPolicies
import SwarmTestKit

/// Each basic built-in's stated preference (its `summary`) decides a visible outcome on a
/// small scripted fleet, and its parameters change that outcome as documented. Each test
/// also checks a premise: a policy without that preference decides otherwise, so the test
/// is not vacuous. (deadline-aware, gpu-affinity, edge-first and kube-score are in
/// `PolicyBehaviourTests`.)
@Suite("Built-in policies' stated preferences")
struct PolicyPreferenceTests {
    /// One-way latency of the scripted fleets: 5 ms inside a region, 80 ms between regions.
    static let latency: @Sendable (Int, Int) -> Double = { a, b in a == b ? 0.005 : 0.08 }
    static func context(_ seed: UInt64 = 1) -> PolicyContext { PolicyContext(streams: RandomStreams(seed: seed), latency: latency) }

    /// A fleet view scripted by hand: every device online since `onlineSince[d]` seconds (0
    /// when not given), the clock at `now` seconds, and `done[d]` tasks finished per device.
    static func view(_ fleet: Fleet, onlineSince: [Double] = [], now: Double = 0, done: [Int] = []) -> FleetView {
        let view = FleetView(fleet: fleet)
        let order = (0..<fleet.count).sorted { (onlineSince.count > $0 ? onlineSince[$0] : 0, $0) < (onlineSince.count > $1 ? onlineSince[$1] : 0, $1) }
        for d in order { view.deviceCameOnline(d, at: .zero + .seconds(onlineSince.count > d ? onlineSince[d] : 0)) }
        for (d, n) in done.enumerated() { for _ in 0..<n { view.recordAttempt(on: d, succeeded: true) } }
        view.advance(to: .zero + .seconds(now))
        return view
    }

    /// The devices one `place` call assigns to `tasks` (all queued), in assignment order.
    static func placeOnce(_ policy: any SchedulingPolicy, _ view: FleetView, _ tasks: TaskTable) -> [Int] {
        var policy = policy
        var placements = Placements(on: view)
        policy.place(ReadyTasks(queued: (0..<tasks.count).map { TaskID(index: $0) }, in: tasks), on: view, into: &placements)
        return placements.assignments.map(\.device)
    }

    /// Runs `policy` on `fleet` to the end and returns each attempt's start device, in start order.
    static func starts(_ fleet: Fleet, _ tasks: TaskTable, _ policy: any SchedulingPolicy) -> [Int] {
        let engine = WorkEngine(fleet: fleet, tasks: tasks, policy: policy, seed: 1, configuration: .init(regionLatency: latency))
        var devices: [Int] = []
        engine.observer = { if case .started(_, let d, _, _) = $0 { devices.append(d) } }
        engine.run(until: .zero + .days(2))
        #expect(engine.metrics.tasksDone == tasks.count && engine.metrics.refusedPlacements == 0)
        return devices
    }

    static func oneTask(_ work: TaskWork = .seconds(60), dataRegion: Int = 0, residency: RegionSet = .anywhere) -> TaskTable {
        var tasks = TaskTable()
        tasks.add(work: work, dataRegion: dataRegion, residency: residency)
        return tasks
    }

    // MARK: locality-aware

    /// 0: a laptop in us; 1: a GPU server (much faster) in eu. Both idle.
    static let twoRegions = smallFleet((DeviceClass.laptop.alwaysOn(), "us", 1), (DeviceClass.gpuServer, "eu", 1))

    @Test("locality-aware puts a task on the idle device in its data's region while a faster one elsewhere is idle")
    func localityPrefersDataRegion() {
        let tasks = Self.oneTask(dataRegion: 1)   // data in us
        #expect(Self.starts(Self.twoRegions, tasks, LocalityAwarePolicy(context: Self.context())) == [0])
        #expect(Self.starts(Self.twoRegions, tasks, FastestFirstPolicy(context: Self.context())) == [1], "premise: the eu device is faster")
    }

    @Test("locality-aware's extra_latency trades latency for speed: within the budget the faster region wins")
    func localityExtraLatency() {
        let tasks = Self.oneTask(dataRegion: 1)
        // eu is 80 ms − 5 ms = 75 ms farther from the data than us (one way).
        let within = LocalityAwarePolicy(parameters: .init(extraLatency: 0.080 - 0.005), context: Self.context())
        let short = LocalityAwarePolicy(parameters: .init(extraLatency: 0.050), context: Self.context())
        #expect(Self.starts(Self.twoRegions, tasks, within) == [1])
        #expect(Self.starts(Self.twoRegions, tasks, short) == [0])
    }

    @Test("locality-aware goes to the next-nearest region when the data's region has no idle device")
    func localityNextNearest() {
        // Data in asia (2); asia's RTT to us is lower than to eu in this latency table.
        let latency: @Sendable (Int, Int) -> Double = { a, b in a == b ? 0.005 : (Set([a, b]) == [1, 2] ? 0.03 : 0.09) }
        let fleet = smallFleet((DeviceClass.gpuServer, "eu", 1), (DeviceClass.laptop.alwaysOn(), "us", 1))
        let policy = LocalityAwarePolicy(context: PolicyContext(streams: RandomStreams(seed: 1), latency: latency))
        #expect(Self.placeOnce(policy, Self.view(fleet), Self.oneTask(dataRegion: 2)) == [1])
    }

    // MARK: availability-aware

    @Test("availability-aware puts an hour-long task on the steady device, not on the faster one that churns every 10 minutes")
    func availabilityPrefersSteady() {
        // 0: a GPU server whose ON periods last 10 min on average (exponential), online at 0;
        // 1: an always-on laptop. Survival for 1 h: e^(−3600/600) ≈ 0.25% against 1.
        let flaky = DeviceClass.gpuServer.named("flaky-gpu").churning(onMean: 600, offMean: 600, initialOnProbability: 1)
        let fleet = smallFleet((flaky, "eu", 1), (DeviceClass.laptop.alwaysOn(), "eu", 1))
        let view = Self.view(fleet)
        let tasks = Self.oneTask(.seconds(3600))
        #expect(Self.placeOnce(AvailabilityAwarePolicy(context: Self.context()), view, tasks) == [1])
        #expect(Self.placeOnce(FastestFirstPolicy(context: Self.context()), Self.view(fleet), tasks) == [0], "premise: the flaky device is the faster")
    }

    @Test("availability-aware's min_uptime prefers a device online that long over a younger one of the same class")
    func availabilityMinUptime() {
        // Two always-on laptops, equally likely to stay; device 0 online since 0, device 1
        // since 50 min; now 1 h 30 min: ages 90 and 40 minutes.
        let fleet = smallFleet((DeviceClass.laptop.alwaysOn(), "eu", 2))
        let tasks = Self.oneTask()
        let view = { Self.view(fleet, onlineSince: [0, 3000], now: 5400) }
        let plain = AvailabilityAwarePolicy(context: Self.context())
        let proven = AvailabilityAwarePolicy(parameters: .init(minUptime: 3600), context: Self.context())
        #expect(Self.placeOnce(plain, view(), tasks) == [1], "premise: without min_uptime the tie goes to the first candidate, the younger")
        #expect(Self.placeOnce(proven, view(), tasks) == [0])
        // Nobody proven yet (both younger than 2 h): the younger one is still used.
        let tooLong = AvailabilityAwarePolicy(parameters: .init(minUptime: 7200), context: Self.context())
        #expect(Self.placeOnce(tooLong, view(), tasks) == [1])
    }

    // MARK: least-loaded

    @Test("least-loaded with two choices picks the one unloaded device of four with probability 1 − (3/4)² = 7/16, random with 1/4")
    func leastLoadedPowerOfTwo() {
        // Devices 0–2 have done 5 tasks each, device 3 none.
        let fleet = smallFleet((DeviceClass.laptop.alwaysOn(), "eu", 4))
        let n = 800
        var leastLoaded = 0, random = 0, many = 0
        for seed in 1...UInt64(n) {
            let view = { Self.view(fleet, done: [5, 5, 5, 0]) }
            if Self.placeOnce(LeastLoadedPolicy(context: Self.context(seed)), view(), Self.oneTask()) == [3] { leastLoaded += 1 }
            if Self.placeOnce(RandomPolicy(context: Self.context(seed)), view(), Self.oneTask()) == [3] { random += 1 }
            if Self.placeOnce(LeastLoadedPolicy(parameters: .init(choices: 16), context: Self.context(seed)), view(), Self.oneTask()) == [3] { many += 1 }
        }
        // Binomial(n, p): within 4 standard deviations √(n·p·(1−p)) of n·p.
        func near(_ count: Int, _ p: Double) -> Bool { abs(Double(count) - Double(n) * p) <= 4 * (Double(n) * p * (1 - p)).squareRoot() }
        #expect(near(leastLoaded, 7.0 / 16), "\(leastLoaded) of \(n)")
        #expect(near(random, 1.0 / 4), "\(random) of \(n)")
        // Sixteen choices: missed only when all 16 draws miss it, (3/4)^16 ≈ 1%.
        #expect(near(many, 1 - 0.75.pow(16)), "\(many) of \(n)")
    }

    // MARK: round-robin

    @Test("round-robin takes its first four devices from the four (class, region) groups, one each")
    func roundRobinSpreads() {
        // Two classes × two regions, two devices each: 8 devices, 4 groups.
        let fleet = smallFleet((DeviceClass.gpuServer, "eu", 2), (DeviceClass.gpuServer, "us", 2),
                               (DeviceClass.laptop.alwaysOn(), "eu", 2), (DeviceClass.laptop.alwaysOn(), "us", 2))
        var tasks = TaskTable()
        for _ in 0..<4 { tasks.add(work: .seconds(600)) }
        let group = { (d: Int) in "\(fleet.classOf[d])-\(fleet.regionOf[d])" }
        let rr = Self.placeOnce(RoundRobinPolicy(context: Self.context()), Self.view(fleet), tasks)
        #expect(rr.count == 4 && Set(rr.map(group)).count == 4)
        let fastest = Self.placeOnce(FastestFirstPolicy(context: Self.context()), Self.view(fleet), tasks)
        #expect(Set(fastest.map(group)).count == 2, "premise: fastest-first fills the GPU servers' groups first")
    }

    // MARK: fastest-first

    @Test("fastest-first starts queued tasks on the idle devices in order of speed, within residency")
    func fastestFirstOrder() {
        let fleet = smallFleet((DeviceClass.phone.alwaysOn(), "eu", 1), (DeviceClass.laptop.alwaysOn(), "us", 1),
                               (DeviceClass.gpuServer, "asia", 1))
        let peak = { (d: Int) in max(fleet.deviceClass(d).cpuFlops, fleet.deviceClass(d).gpuFlops) }
        let bySpeed = (0..<3).sorted { peak($0) > peak($1) }
        #expect(bySpeed == [2, 1, 0], "premise: GPU server, laptop, phone")
        var tasks = TaskTable()
        for _ in 0..<3 { tasks.add(work: .seconds(600)) }
        #expect(Self.placeOnce(FastestFirstPolicy(context: Self.context()), Self.view(fleet), tasks) == bySpeed)
        // Pinned to us and eu, the fastest allowed is the laptop.
        let pinned = Self.oneTask(residency: RegionSet([0, 1]))
        #expect(Self.placeOnce(FastestFirstPolicy(context: Self.context()), Self.view(fleet), pinned) == [1])
    }

    // MARK: random

    @Test("random spreads one task over five devices of mixed classes uniformly over 1,000 seeds (chi-square, 4 df)")
    func randomUniform() {
        let fleet = smallFleet((DeviceClass.gpuServer, "eu", 2), (DeviceClass.laptop.alwaysOn(), "us", 3))
        let n = 1000, k = 5
        func chiSquare(_ make: (UInt64) -> any SchedulingPolicy) -> Double {
            var counts = [Int](repeating: 0, count: k)
            for seed in 1...UInt64(n) {
                for d in Self.placeOnce(make(seed), Self.view(fleet), Self.oneTask()) { counts[d] += 1 }
            }
            #expect(counts.reduce(0, +) == n)
            let expected = Double(n) / Double(k)
            return counts.reduce(0) { $0 + (Double($1) - expected) * (Double($1) - expected) / expected }
        }
        // χ²(4) exceeds 18.47 with probability 0.001; the seeds are fixed, so this is deterministic.
        #expect(chiSquare { RandomPolicy(context: Self.context($0)) } < 18.47)
        #expect(chiSquare { FastestFirstPolicy(context: Self.context($0)) } > 18.47, "premise: a preference fails the test")
    }
}

private extension Double {
    func pow(_ k: Int) -> Double { (0..<k).reduce(1.0) { p, _ in p * self } }
}
