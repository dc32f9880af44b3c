import Testing
import SwarmKernel
import SwarmModel
import SwarmPolicies

/// The shared lifecycle's pieces on their own, and the model rules it carries for both
/// drivers: latency on every message, memory, bytes moved.
@Suite("Task lifecycle: validators, task graph, messages, memory")
struct LifecycleTests {
    static func ballot(_ results: [UInt64], quorum: Int = 2, live: Int = 0, fleet: Int = 10, maxAttempts: Int = 10) -> BallotContext {
        BallotContext(votes: results.enumerated().map { Vote(result: $1, device: Int32($0), seconds: 1) },
                      quorum: quorum, attempts: results.count + live, live: live, fleetSize: fleet, maxAttempts: maxAttempts)
    }

    @Test("quorum: accept once q results agree, wait below it, plurality when exhausted")
    func quorum() {
        let v = QuorumValidator()
        #expect(v.verdict(Self.ballot([7, 7])) == .accept(result: 7))
        #expect(v.verdict(Self.ballot([7, 8])) == .needMore(now: false))
        #expect(v.verdict(Self.ballot([7, 8, 8])) == .accept(result: 8))
        // Every device of a 3-device fleet voted, no attempt out: the plurality (ties: smaller) wins.
        #expect(v.verdict(Self.ballot([9, 8, 3], quorum: 2, fleet: 3)) == .accept(result: 3))
        #expect(v.verdict(Self.ballot([9, 8], quorum: 2, live: 1, fleet: 2)) == .needMore(now: false))
    }

    @Test("spot check: p = 1 re-runs every first result at once; the one who disagrees is blacklisted")
    func spotCheck() {
        var v = SpotCheckValidator(probability: 1, rng: RandomStreams(seed: 1).stream("spot-check"))
        #expect(v.verdict(Self.ballot([5])) == .needMore(now: true))
        #expect(v.spotChecks == 1)
        #expect(v.verdict(Self.ballot([5, 6])) == .needMore(now: false), "one against one: a third decides")
        #expect(v.verdict(Self.ballot([5, 6, 5])) == .accept(result: 5, blacklist: [1]))
        var never = SpotCheckValidator(probability: 0, rng: RandomStreams(seed: 1).stream("spot-check"))
        #expect(never.verdict(Self.ballot([5])) == .accept(result: 5))
    }

    @Test("credibility: a device's passed checks make its word enough on its own")
    func credibility() {
        // f = 0.2, threshold 0.9: a new device alone is 1 − 0.2 = 0.8 credible; two agreeing new
        // devices 1 − 0.2² = 0.96; after k passed checks one device is 1 − 0.2/(k + 1).
        var v = CredibilityValidator(threshold: 0.9, assumedSaboteurs: 0.2, spotCheckProbability: 0, devices: 2,
                                     rng: RandomStreams(seed: 1).stream("spot-check"))
        #expect(v.verdict(Self.ballot([4])) == .needMore(now: false))
        #expect(v.verdict(Self.ballot([4, 4])) == .accept(result: 4, credit: [0, 1]))
        #expect(v.passedChecks == [1, 1])
        // k = 1: 1 − 0.2/2 = 0.9 ≥ 0.9.
        #expect(v.verdict(Self.ballot([4])) == .accept(result: 4))
    }

    @Test("task graph: all parents, a quorum barrier, and a barrier deadline")
    func graph() {
        var tasks = TaskTable()
        let a = tasks.add(work: .seconds(1)), b = tasks.add(work: .seconds(1)), c = tasks.add(work: .seconds(1))
        let all = tasks.add(work: .seconds(1), parents: [a, b])
        let quorum = tasks.add(work: .seconds(1), parents: [a, b, c], parentQuorum: 2)
        let timed = tasks.add(work: .seconds(1), parents: [a, b, c], parentQuorum: 2, barrierTimeout: .seconds(5))
        var g = TaskGraph(tasks)
        #expect(g.readied[a.index] && !g.readied[all.index])
        let armedA = g.armBarriers(readyParent: a.index, tasks: tasks), armedB = g.armBarriers(readyParent: b.index, tasks: tasks)
        #expect(armedA.map(\.barrier) == [timed.index] && armedB.isEmpty, "armed once, by the first ready parent")
        let afterA = g.settle(a.index, done: true, tasks: tasks)
        // b done: `all` has both parents, `quorum` its 2 of 3; `timed` waits for all until its deadline.
        let afterB = g.settle(b.index, done: true, tasks: tasks)
        #expect(afterA.isEmpty && afterB == [all.index, quorum.index])
        let first = g.expire(timed.index, tasks: tasks), again = g.expire(timed.index, tasks: tasks)
        #expect(first && !again, "ready at its deadline, once")
    }

    @Test("every message pays latency: a request without data is RTT/2 away both ways")
    func latencyWithoutData() throws {
        // One device in "far", the data in "near", 400 ms RTT: assignment and result each take 200 ms.
        let fleet = try Fleet(classes: [.cloudVM], regions: [("near", 0), ("far", 0)],
                              mix: [.init(className: "cloud-vm", region: "far", count: 1)])
        func latency(input: Double) -> Double {
            var tasks = TaskTable()
            tasks.add(work: .seconds(0.1), inputBytes: input, dataRegion: 0)
            let engine = WorkEngine(fleet: fleet, tasks: tasks,
                                    policy: FastestFirstPolicy(context: PolicyContext(streams: RandomStreams(seed: 1))), seed: 1,
                                    configuration: .init(regionLatency: { a, b in a == b ? 0 : 0.2 }))
            #expect(engine.run())
            return engine.metrics.latency.mean
        }
        let access = DeviceClass.cloudVM.accessLatency.seconds
        #expect(abs(latency(input: 0) - (0.1 + 2 * (0.2 + access))) < 1e-6)
        #expect(abs(latency(input: 1) - latency(input: 0) - 1 / DeviceClass.cloudVM.downlink) < 1e-6)
    }

    @Test("memory: a task is never placed on a device that cannot hold it; one no device can hold is dropped and counted")
    func memory() throws {
        let tiny = DeviceClass(name: "tiny", cpuFlops: 1e9, cores: 1, memory: 1e6, idleWatts: 1, busyWatts: 2,
                               downlink: 1e6, uplink: 1e6, accessLatency: .zero, availability: .alwaysOn)
        let fleet = try Fleet(classes: [tiny, .cloudVM], regions: [("eu", 0)],
                              mix: [.init(className: "tiny", region: "eu", count: 3), .init(className: "cloud-vm", region: "eu", count: 1)])
        var tasks = TaskTable()
        // 2048³ fp32 GEMM: A, B and C are 3 × 16 MiB, far above 1 MB.
        let big = TensorKernel.gemm(m: 2048, n: 2048, k: 2048, dtype: .fp32)
        #expect(big.workingSetBytes > 1e6 && big.workingSetBytes < DeviceClass.cloudVM.memory)
        for _ in 0..<4 { tasks.add(work: .kernel(big)) }
        var devices: Set<Int> = []
        let engine = WorkEngine(fleet: fleet, tasks: tasks, policy: RandomPolicy(context: PolicyContext(streams: RandomStreams(seed: 3))), seed: 3)
        engine.observer = { if case .started(_, let d, _, _) = $0 { devices.insert(d) } }
        #expect(engine.run())
        #expect(devices == [3], "only the VM holds the GEMM")

        let smalls = try Fleet(classes: [tiny], regions: [("eu", 0)], mix: [.init(className: "tiny", region: "eu", count: 2)])
        var one = TaskTable()
        one.add(work: .kernel(big))
        one.add(work: .seconds(1))
        let refused = WorkEngine(fleet: smalls, tasks: one, policy: RandomPolicy(context: PolicyContext(streams: RandomStreams(seed: 3))), seed: 3)
        #expect(refused.run(), "the run ends: the task no device holds does not wait for ever")
        #expect(refused.metrics.tasksUnplaceable == 1 && refused.metrics.tasksDone == 1)
    }

    @Test("a contributor's devices run only the tenants it lends them to; a tenant with no device is reported, not left waiting")
    func ownership() throws {
        let fleet = try vmFleet(4)
        let tenants = [Tenant(name: "alice"), Tenant(name: "bob"), Tenant(name: "carol", role: .contributor)]
        var owned = DeviceOwnership()
        owned.lend(0..<4, owner: 2, to: TenantSet([0]), deviceCount: 4)   // carol lends all four to alice only
        var tasks = TaskTable()
        for i in 0..<6 { tasks.add(work: .seconds(1), tenant: i % 2) }
        var ran: [(tenant: Int, device: Int)] = []
        var config = WorkEngine.Configuration(tenants: tenants)
        config.ownership = owned
        let engine = WorkEngine(fleet: fleet, tasks: tasks, policy: FastestFirstPolicy(context: PolicyContext(streams: RandomStreams(seed: 1))),
                                seed: 1, configuration: config)
        engine.observer = { if case .started(let t, let d, _, _) = $0 { ran.append((t.index % 2, d)) } }
        #expect(engine.run())
        #expect(ran.count == 3 && ran.allSatisfy { $0.tenant == 0 }, "only alice's tasks ran")
        #expect(engine.metrics.tasksUnplaceable == 3 && engine.metrics.tasksDone == 3, "bob's three are reported")
    }

    @Test("private data never leaves its tenant's own devices, even devices lent to that tenant")
    func privateData() throws {
        let fleet = try vmFleet(4)
        let tenants = [Tenant(name: "alice"), Tenant(name: "bob"), Tenant(name: "carol", role: .contributor)]
        var owned = DeviceOwnership()
        owned.lend(0..<1, owner: 0, to: TenantSet([]), deviceCount: 4)     // alice owns device 0
        owned.lend(1..<4, owner: 2, to: .anyone, deviceCount: 4)           // carol lends 1–3 to anyone
        var tasks = TaskTable()
        for _ in 0..<3 { tasks.add(work: .seconds(1), tenant: 0, privateData: true) }
        for _ in 0..<3 { tasks.add(work: .seconds(1), tenant: 0) }
        tasks.add(work: .seconds(1), tenant: 1, privateData: true)           // bob owns nothing
        var ran: [(task: Int, device: Int)] = []
        var config = WorkEngine.Configuration(tenants: tenants)
        config.ownership = owned
        let engine = WorkEngine(fleet: fleet, tasks: tasks, policy: RandomPolicy(context: PolicyContext(streams: RandomStreams(seed: 2))),
                                seed: 2, configuration: config)
        engine.observer = { if case .started(let t, let d, _, _) = $0 { ran.append((t.index, d)) } }
        #expect(engine.run())
        #expect(ran.filter { $0.task < 3 }.allSatisfy { $0.device == 0 } && ran.filter { $0.task < 3 }.count == 3)
        #expect(ran.contains { (3..<6).contains($0.task) && $0.device != 0 }, "shared data may use lent devices")
        #expect(engine.metrics.tasksUnplaceable == 1, "bob's private task has nowhere to go, and says so")
    }

    @Test("bytes moved and WAN bytes are counted per task, per device and per run")
    func bytesMoved() throws {
        let fleet = try Fleet(classes: [.cloudVM], regions: [("eu", 0), ("us", 0)],
                              mix: [.init(className: "cloud-vm", region: "eu", count: 1), .init(className: "cloud-vm", region: "us", count: 1)])
        var tasks = TaskTable()
        tasks.add(work: .seconds(1), inputBytes: 1000, outputBytes: 10, dataRegion: 0, residency: RegionSet([0]))
        tasks.add(work: .seconds(1), inputBytes: 2000, outputBytes: 20, dataRegion: 0, residency: RegionSet([1]))
        let engine = WorkEngine(fleet: fleet, tasks: tasks, policy: RandomPolicy(context: PolicyContext(streams: RandomStreams(seed: 1))), seed: 1)
        #expect(engine.run())
        #expect(engine.metrics.bytesMoved == 1000 + 10 + 2000 + 20)
        #expect(engine.metrics.wanBytes == 2000 + 20, "only the task run in us, with its data in eu, crosses regions")
        #expect(engine.lifecycle.taskBytes == [1010, 2020])
        #expect(engine.lifecycle.deviceBytes == [1010, 2020])
    }
}

/// A driver without a simulator: the lifecycle's decisions do not depend on who keeps time.
final class ManualDriver: LifecycleDriver {
    var now: SimTime = .zero
    var begun: [(task: Int, device: Int)] = []
    var dispatchWanted = false
    func beginAttempt(task: Int, device: Int) { begun.append((task, device)) }
    func cancelAttempt(task: Int, device: Int) {}
    func wakeBarrier(_ task: Int, after delay: SimDuration) {}
    func requestDispatch(at time: SimTime?) { if time == nil { dispatchWanted = true } }
    func record(_ r: LifecycleRecord) {}
    func lifecycleFinished() {}
}

@Suite("Task lifecycle: driven by hand")
struct ManualDriverTests {
    @Test("a replicated bag: replicas together, one vote per device, the liar outvoted — without a simulator")
    func replicatedBag() throws {
        var tasks = TaskTable()
        for _ in 0..<2 { tasks.add(work: .seconds(1), replication: 2, quorum: 2) }
        let fleet = try vmFleet(3)
        let life = TaskLifecycle(tasks: tasks, view: FleetView(fleet: fleet),
                                 policy: FastestFirstPolicy(context: PolicyContext(streams: RandomStreams(seed: 1))),
                                 validator: QuorumValidator(), configuration: LifecycleConfiguration())
        let driver = ManualDriver()
        _ = life.attach(driver)
        for d in 0..<3 { life.deviceCameOnline(d) }
        _ = life.arrive()
        while driver.dispatchWanted { driver.dispatchWanted = false; life.dispatch() }
        #expect(driver.begun.map(\.task) == [0, 0, 1], "task 0's two replicas go out together")
        let liar = driver.begun[0].device, honest = driver.begun[1].device
        driver.now = SimTime(seconds: 1)
        life.attemptReturned(device: liar, result: 666)
        life.attemptReturned(device: honest, result: TrustModel.correctResult(0))
        // No agreement: task 0 needs a third vote, from the one device that has not voted —
        // busy with task 1 — so task 1's second replica goes first, on a free voter.
        while driver.dispatchWanted { driver.dispatchWanted = false; life.dispatch() }
        #expect(driver.begun.count == 4 && driver.begun[3].task == 1)
        let other = driver.begun[2].device
        driver.now = SimTime(seconds: 2)
        life.attemptReturned(device: other, result: TrustModel.correctResult(1))
        while driver.dispatchWanted { driver.dispatchWanted = false; life.dispatch() }
        #expect(driver.begun.last!.task == 0 && driver.begun.last!.device == other)
        life.attemptReturned(device: other, result: TrustModel.correctResult(0))
        #expect(life.tasks.state[0] == .done && life.acceptedResult[0] == TrustModel.correctResult(0))
    }
}
