import Testing
import SwarmKernel
import SwarmModel
import SwarmPolicies
@testable import SwarmRuntime

/// The runtime drives the same `TaskLifecycle` as the simulator: what the lifecycle decides
/// (replicas together, validators, barriers) must show the same on both sides.
@Suite("reference runtime: the shared lifecycle", .serialized)
struct RuntimeLifecycleTests {
    /// Four tasks of replication 2 on three devices, arriving at 3 s (0.3 s wall, when every
    /// worker is up), each 1 s of compute.
    static func bag(replication: Int = 2, quorum: Int = 2) -> TaskTable {
        var tasks = TaskTable()
        for _ in 0..<4 { tasks.add(work: .seconds(1), arrival: SimTime(seconds: 3), replication: replication, quorum: quorum) }
        return tasks
    }

    @Test("a replicated bag: both drivers place a task's replicas together, in the same order")
    func replicasTogether() throws {
        let tasks = Self.bag()
        let plan = RuntimePlan(devices: Array(repeating: EmulatedDevice(), count: 3), fleet: localFleet(3), tasks: tasks,
                               policy: LowestIdle(), heartbeatTimeout: 20, timeScale: 0.1)
        let r = try runPlan(plan)
        #expect(r.taskFinish.allSatisfy { !$0.isNaN })
        var simStarts: [(task: Int, device: Int)] = []
        // The runtime's devices are always on unless the plan stops them: so are the simulator's here.
        var desktop = DeviceClass.desktop
        desktop.availability = .alwaysOn
        let fleet = try Fleet(classes: [desktop], regions: [("local", 0)], mix: [.init(className: "desktop", region: "local", count: 3)])
        let engine = WorkEngine(fleet: fleet, tasks: tasks, policy: LowestIdle(), seed: 1)
        engine.observer = { if case .started(let t, let d, _, _) = $0 { simStarts.append((t.index, d)) } }
        #expect(engine.run())
        let real = r.attempts.sorted { ($0.assigned, $0.task) < ($1.assigned, $1.task) }
        // Three idle devices at 3 s: task 0's two replicas and task 1's first, on both sides.
        #expect(simStarts.prefix(3).map(\.task) == [0, 0, 1])
        #expect(real.prefix(3).map(\.task) == [0, 0, 1], "\(real)")
        #expect(real.prefix(3).allSatisfy { abs($0.assigned - real[0].assigned) < 0.1 }, "placed in one round")
        #expect(simStarts.prefix(3).map(\.device) == real.prefix(3).map(\.device), "the same devices for the first round")
        // Later rounds follow the order results come back in (real timing); on both sides each
        // task ran its two replicas on distinct devices, and nothing more.
        for t in 0..<tasks.count {
            let sim = simStarts.filter { $0.task == t }.map(\.device), rt = real.filter { $0.task == t }.map(\.device)
            #expect(sim.count == 2 && Set(sim).count == 2 && rt.count == 2 && Set(rt).count == 2)
        }
    }

    @Test("spot checks run in the runtime: every first result is re-run, and the liar is blacklisted")
    func spotChecksInTheRuntime() throws {
        let tasks = Self.bag(replication: 1, quorum: 1)
        let devices = [EmulatedDevice(adversarial: true), EmulatedDevice(), EmulatedDevice()]
        let plan = RuntimePlan(devices: devices, fleet: localFleet(3), tasks: tasks, policy: LowestIdle(),
                               heartbeatTimeout: 20, timeScale: 0.1,
                               lifecycle: LifecycleConfiguration(trust: TrustModel(validation: .spotCheck(probability: 1))))
        let r = try runPlan(plan)
        #expect(r.taskFinish.allSatisfy { !$0.isNaN })
        var compute = WorkerCompute()
        for t in 0..<tasks.count {
            let honest = compute.run(tasks.work[t], seed: SplitMix64.mix(UInt64(t) &+ 1), timeScale: 0).checksum
            #expect(r.acceptedChecksum[t] == honest, "task \(t): the liar's result is never accepted")
            #expect(r.attempts.filter { $0.task == t && $0.outcome == .returned }.count >= 2, "task \(t) was spot-checked")
        }
        // Caught when the first task it voted on is accepted, device 0 gets no work after that.
        let voted = Set(r.attempts.filter { $0.device == 0 && $0.outcome == .returned }.map(\.task))
        let caught = try #require(voted.map { r.taskFinish[$0] }.min())
        #expect(r.attempts.allSatisfy { $0.device != 0 || $0.assigned <= caught }, "\(r.attempts)")
    }

    @Test("a quorum barrier drops its straggler in the runtime as in the simulator")
    func barrierDropsStraggler() throws {
        var tasks = TaskTable()
        let workers = (0..<3).map { i in tasks.add(work: .seconds(i == 2 ? 30 : 1), arrival: SimTime(seconds: 3)) }
        let round = tasks.add(work: .seconds(0.5), parents: workers, parentQuorum: 2)
        let plan = RuntimePlan(devices: Array(repeating: EmulatedDevice(), count: 3), fleet: localFleet(3), tasks: tasks,
                               policy: LowestIdle(), heartbeatTimeout: 20, timeScale: 0.1)
        let r = try runPlan(plan)
        #expect(!r.taskFinish[round.index].isNaN)
        #expect(r.taskFinish[workers[2].index].isNaN, "the 30 s straggler was dropped")
        #expect(r.taskFinish[round.index] < 10, "the round went ahead with the quorum, at about 4.5 s")
        #expect(r.attempts.contains { $0.task == workers[2].index && $0.outcome == .cancelled })
    }
}
