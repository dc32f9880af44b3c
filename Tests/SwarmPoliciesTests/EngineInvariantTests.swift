import Testing
import SwarmKernel
import SwarmModel
import SwarmPolicies
import SwarmResults

let regions: [(name: String, utcOffsetHours: Double)] = [("eu", 1), ("us", -5), ("asia", 9)]

/// A churning mixed fleet and a mixed bag of tasks, some with residency, some with data.
func randomScenario(seed: UInt64, devices: Int = 60, tasks taskCount: Int = 400) throws -> (Fleet, TaskTable) {
    var flaky = DeviceClass.desktop
    flaky.name = "flaky"
    flaky.availability = .renewal(on: Exponential(mean: 120), off: Exponential(mean: 60))
    let classes = [DeviceClass.phone, .laptop, flaky, .edgeBox, .cloudVM]
    var g = RandomStreams(seed: seed).stream("scenario")
    var mix: [Fleet.Share] = []
    for c in classes { for r in regions { mix.append(.init(className: c.name, region: r.name, count: 1 + g.nextIndex(below: devices / 15))) } }
    let fleet = try Fleet(classes: classes, regions: regions, mix: mix)
    var tasks = TaskTable()
    for i in 0..<taskCount {
        let residency: RegionSet = g.nextUnit() < 0.3 ? RegionSet([g.nextIndex(below: 3)]) : .anywhere
        let work: TaskWork = g.nextUnit() < 0.5 ? .seconds(Exponential(mean: 30).sample(using: &g))
                                               : .kernel(.gemm(m: 512, n: 512, k: 512 + g.nextIndex(below: 4096), dtype: .fp32))
        tasks.add(work: work, inputBytes: Double(g.nextIndex(below: 5_000_000)), outputBytes: Double(g.nextIndex(below: 1_000_000)),
                  dataRegion: g.nextIndex(below: 3), residency: residency, job: i % 7,
                  arrival: SimTime(seconds: Double(g.nextIndex(below: 600))))
    }
    return (fleet, tasks)
}

@Suite("Work engine invariants")
struct EngineInvariantTests {
    static let policyNames = PolicyRegistry.builtin.entries.map(\.name)

    @Test("every task ends exactly once; no device runs two tasks; residency holds; time never goes back",
          arguments: policyNames, [1, 2, 3] as [UInt64])
    func invariants(policy name: String, seed: UInt64) throws {
        let (fleet, tasks) = try randomScenario(seed: seed)
        let context = PolicyContext(streams: RandomStreams(seed: seed), latency: { a, b in a == b ? 0.005 : 0.08 })
        let policy = try PolicyRegistry.builtin.make(name, context: context)
        let engine = WorkEngine(fleet: fleet, tasks: tasks, policy: policy, seed: seed,
                                configuration: .init(heartbeatTimeout: .seconds(30), regionLatency: { a, b in a == b ? 0.005 : 0.08 }))
        var doneCount = [Int](repeating: 0, count: tasks.count)
        var runningOn = [Int](repeating: -1, count: fleet.count)
        var violations: [String] = []
        var last = SimTime.zero
        engine.sim.tracer = { e in
            if e.time < last { violations.append("time went back at \(e.time)") }
            last = e.time
        }
        engine.observer = { record in
            switch record {
            case .started(let t, let d, _, _):
                if runningOn[d] >= 0 { violations.append("device \(d) given \(t) while running task \(runningOn[d])") }
                runningOn[d] = t.index
                if !tasks.residency[t.index].contains(Int(fleet.regionOf[d])) {
                    violations.append("\(t) placed in region \(fleet.regionOf[d]) outside its residency")
                }
            case .lost(_, let d, _), .returned(_, let d, _), .cancelled(_, let d, _):
                runningOn[d] = -1
            case .done(let t, _, _, _):
                doneCount[t.index] += 1
            case .requeued, .blacklisted, .dropped, .queued, .running, .phase, .online, .offline:
                break
            }
        }
        let finished = engine.run(until: .zero + .days(30))
        #expect(violations.isEmpty, "\(violations.prefix(3))")
        #expect(finished)
        #expect(doneCount.allSatisfy { $0 == 1 }, "tasks done ≠ once: \(doneCount.enumerated().filter { $0.element != 1 }.prefix(3))")
        #expect(engine.metrics.tasksDone == tasks.count)
        // The flaky class churns and costs attempts — unless the policy steers clear of it,
        // which availability-aware does here (it prefers the always-on classes).
        #expect(engine.metrics.attemptsLost > 0 || name == AvailabilityAwarePolicy.name, "the flaky class really churned")
        #expect(engine.metrics.refusedPlacements == 0)
        engine.view.checkInvariants()
    }

    @Test("a policy that breaks the rules is refused, not obeyed")
    func badPolicyIsRefused() throws {
        struct Rogue: SchedulingPolicy {
            static let name = "rogue"
            static let summary = "Puts everything on device 0, residency or not."
            init(parameters: NoParameters, context: PolicyContext) {}
            mutating func place(_ ready: ReadyTasks, on fleet: FleetView, into placements: inout Placements) {
                for task in ready { placements.assign(task, to: 0); placements.assign(task, to: -7) }
            }
        }
        var tasks = TaskTable()
        tasks.add(work: .seconds(1), residency: RegionSet([1]))   // device 0 is in region 0
        tasks.add(work: .seconds(1))
        var c = DeviceClass.cloudVM
        c.name = "vm"
        let fleet = try Fleet(classes: [c], regions: regions, mix: [.init(className: "vm", region: "eu", count: 1),
                                                                     .init(className: "vm", region: "us", count: 1)])
        let engine = WorkEngine(fleet: fleet, tasks: tasks, policy: Rogue(context: PolicyContext(streams: RandomStreams(seed: 1))), seed: 1)
        engine.run(until: .zero + .hours(1))
        #expect(engine.tasks.state[0] == .queued, "the task that may only run in 'us' never ran in 'eu'")
        #expect(engine.tasks.state[1] == .done)
        #expect(engine.metrics.refusedPlacements > 0)
    }

    @Test("an unknown policy name lists the valid ones and suggests the nearest")
    func unknownPolicy() {
        #expect(throws: PolicyRegistry.LookupError.self) {
            try PolicyRegistry.builtin.make("fastest-frist", context: PolicyContext(streams: RandomStreams(seed: 1)))
        }
        do {
            _ = try PolicyRegistry.builtin.make("fastest-frist", context: PolicyContext(streams: RandomStreams(seed: 1)))
        } catch {
            #expect(error.description.hasPrefix("unknown policy 'fastest-frist'; did you mean 'fastest-first'? (known: random, round-robin"))
        }
    }
}

@Suite("Analytic checks")
struct AnalyticTests {
    /// One always-on device, Poisson arrivals (λ = 0.5/s), exponential work (mean 1 s): an
    /// M/M/1 queue, whose mean response time is 1/(μ − λ) = 2 s. Ten replications of 20,000
    /// requests; the 95% confidence interval of their means must contain 2.
    @Test("a single always-on device matches M/M/1 mean response time")
    func mm1() throws {
        var vm = DeviceClass.cloudVM
        vm.name = "server"
        vm.accessLatency = .zero
        let fleet = try Fleet(classes: [vm], regions: [("eu", 0)], mix: [.init(className: "server", region: "eu", count: 1)])
        var means: [Double] = []
        for rep in 0..<10 as Range<UInt64> {
            var tasks = TaskTable()
            PoissonRequests(rate: 0.5, count: 20_000, exponentialSecondsMean: 1)
                .generate(into: &tasks, job: 0, streams: RandomStreams(seed: 100 + rep))
            let engine = WorkEngine(fleet: fleet, tasks: tasks, policy: FastestFirstPolicy(context: PolicyContext(streams: RandomStreams(seed: rep))), seed: rep)
            #expect(engine.run())
            means.append(engine.metrics.latency.mean)
        }
        let ci = try #require(ConfidenceInterval(means))
        #expect(ci.lower <= 2 && 2 <= ci.upper, "mean response \(ci) should cover 1/(μ−λ) = 2 s")
        #expect(ci.halfWidth < 0.2)
    }

    @Test("no churn, no waste: busy time equals the work done")
    func noChurnNoWaste() throws {
        let fleet = try Fleet(classes: [.cloudVM], regions: [("eu", 0)], mix: [.init(className: "cloud-vm", region: "eu", count: 4)])
        var tasks = TaskTable()
        BagOfTasks(count: 100, work: .seconds(10)).generate(into: &tasks, job: 0, streams: RandomStreams(seed: 1))
        let engine = WorkEngine(fleet: fleet, tasks: tasks, policy: RoundRobinPolicy(context: PolicyContext(streams: RandomStreams(seed: 1))), seed: 1)
        #expect(engine.run())
        // Each attempt: 10 s of work plus its assignment and result, one access latency each.
        let attempt = 10 + 2 * DeviceClass.cloudVM.accessLatency.seconds
        #expect(engine.metrics.wastedSeconds == 0)
        #expect(abs(engine.metrics.busySeconds - 100 * attempt) < 1e-6)
        #expect(abs(engine.metrics.makespan - 100 * attempt / 4) < 1e-6)
        // 4 VMs busy throughout at 3.5 W per vCPU × 8 vCPU = 28 W busy.
        #expect(abs(engine.metrics.energyJoules - 100 * attempt * 28) < 1e-3)
        #expect(abs(engine.metrics.money - 100 * attempt / 3600 * 0.34) < 1e-9)
    }
}
