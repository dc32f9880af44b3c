import Testing
import SwarmKernel
import SwarmModel
import SwarmPolicies

@Suite("Distributed workloads")
struct WorkloadTests {
    func run(_ w: some Workload, fleet: Fleet, policy: any SchedulingPolicy.Type = FastestFirstPolicy.self) -> WorkEngine {
        var tasks = TaskTable()
        w.generate(into: &tasks, job: 0, streams: RandomStreams(seed: 3))
        let context = PolicyContext(streams: RandomStreams(seed: 3))
        let engine = WorkEngine(fleet: fleet, tasks: tasks, policy: try! PolicyRegistry.builtin.make(policyName(policy), context: context), seed: 3)
        engine.run(until: .zero + .days(10))
        return engine
    }

    func policyName(_ t: any SchedulingPolicy.Type) -> String { t.name }

    @Test("synchronous training: rounds run in order, each barrier after its workers")
    func training() throws {
        let fleet = try Fleet(classes: [.gpuServer], regions: [("eu", 0)], mix: [.init(className: "gpu-server", region: "eu", count: 8)])
        let w = SynchronousTraining(rounds: 3, workers: 4, step: .gemm(m: 4096, n: 4096, k: 4096, dtype: .fp32), gradientBytes: 100e6)
        var ends: [TaskID: SimTime] = [:], starts: [TaskID: SimTime] = [:]
        var tasks = TaskTable()
        w.generate(into: &tasks, job: 0, streams: RandomStreams(seed: 1))
        #expect(tasks.count == 3 * (4 + 1))
        let engine = WorkEngine(fleet: fleet, tasks: tasks, policy: FastestFirstPolicy(context: PolicyContext(streams: RandomStreams(seed: 1))), seed: 1)
        engine.observer = {
            if case .started(let t, _, _, let at) = $0 { starts[t] = starts[t] ?? at }
            if case .done(let t, _, let at, _) = $0 { ends[t] = at }
        }
        #expect(engine.run())
        for round in 0..<3 {
            let base = round * 5
            let reduce = TaskID(index: base + 4)
            for w in 0..<4 { #expect(ends[TaskID(index: base + w)]! <= starts[reduce]!) }
            if round > 0 { #expect(starts[TaskID(index: base)]! >= ends[TaskID(index: base - 1)]!) }
        }
        #expect(engine.metrics.tasksDropped == 0)
    }

    @Test("backup workers: a barrier waiting for 3 of 4 drops the straggler")
    func stragglers() throws {
        var slow = DeviceClass.phone
        slow.name = "slow"
        slow.availability = .alwaysOn
        let fleet = try Fleet(classes: [.gpuServer, slow], regions: [("eu", 0)],
                              mix: [.init(className: "gpu-server", region: "eu", count: 3), .init(className: "slow", region: "eu", count: 1)])
        let w = SynchronousTraining(rounds: 2, workers: 4, waitFor: 3, step: .gemm(m: 4096, n: 4096, k: 4096, dtype: .fp32),
                                    gradientBytes: 1e6)
        var tasks = TaskTable()
        w.generate(into: &tasks, job: 0, streams: RandomStreams(seed: 1))
        let engine = WorkEngine(fleet: fleet, tasks: tasks, policy: FastestFirstPolicy(context: PolicyContext(streams: RandomStreams(seed: 1))), seed: 1)
        #expect(engine.run())
        // Round 1's phone worker is dropped; in round 2 the phone is idle again and is dropped again.
        #expect(engine.metrics.tasksDropped == 2)
        #expect(engine.metrics.droppedSeconds > 0)
        #expect(engine.metrics.tasksDone == tasks.count - 2)
    }

    @Test("federated rounds: the average waits for the minimum reporting clients, then the next round starts")
    func federated() throws {
        var phone = DeviceClass.phone
        phone.availability = .renewal(on: Exponential(mean: 600), off: Exponential(mean: 300))
        let fleet = try Fleet(classes: [phone, .cloudVM], regions: [("eu", 0)],
                              mix: [.init(className: "phone", region: "eu", count: 50), .init(className: "cloud-vm", region: "eu", count: 1)])
        let w = FederatedRounds(rounds: 5, clientsPerRound: 20, minReporting: 15, localWork: .seconds(120), modelBytes: 5e6)
        var tasks = TaskTable()
        w.generate(into: &tasks, job: 0, streams: RandomStreams(seed: 2))
        let engine = WorkEngine(fleet: fleet, tasks: tasks, policy: RandomPolicy(context: PolicyContext(streams: RandomStreams(seed: 2))), seed: 2)
        #expect(engine.run(until: .zero + .days(2)))
        #expect(engine.metrics.tasksDone + engine.metrics.tasksDropped == tasks.count)
        #expect(engine.metrics.tasksDropped <= 5 * 5, "at most 5 clients dropped per round")
        #expect(engine.metrics.tasksDone >= 5 * (15 + 1))
    }

    @Test("a federated round with a deadline waits for everyone until the deadline, then averages what came in")
    func federatedDeadline() throws {
        var slow = DeviceClass.edgeBox
        slow.name = "slow"
        slow.cpuFlops = 1e9
        slow.gpuFlops = 0; slow.gpuMemory = 0; slow.gpuMemoryBandwidth = 0
        slow.availability = .alwaysOn
        let fleet = try Fleet(classes: [.gpuServer, slow], regions: [("eu", 0)],
                              mix: [.init(className: "gpu-server", region: "eu", count: 10), .init(className: "slow", region: "eu", count: 10)])
        func averageStart(deadline: SimDuration?) throws -> (SimTime, Int) {
            let w = FederatedRounds(rounds: 1, clientsPerRound: 20, minReporting: 10,
                                    localWork: .kernel(.gemm(m: 1024, n: 1024, k: 1024, dtype: .fp32)), modelBytes: 0, deadline: deadline)
            var tasks = TaskTable()
            w.generate(into: &tasks, job: 0, streams: RandomStreams(seed: 1))
            let engine = WorkEngine(fleet: fleet, tasks: tasks, policy: FastestFirstPolicy(context: PolicyContext(streams: RandomStreams(seed: 1))), seed: 1)
            var start = SimTime.distantFuture
            engine.observer = { if case .started(let t, _, _, let at) = $0, t.index == 20 { start = at } }
            #expect(engine.run())
            return (start, engine.metrics.tasksDropped)
        }
        let (eager, droppedEager) = try averageStart(deadline: nil)
        let (patient, droppedPatient) = try averageStart(deadline: .seconds(1))
        // Without a deadline the average starts once the 10 fast clients report (milliseconds).
        #expect(eager < SimTime(seconds: 0.1))
        #expect(droppedEager == 10)
        // With a 1-s deadline it waits for the slow clients (2.1 GFLOP at 1 GFLOP/s ≈ 3 s) until 1 s.
        #expect(patient == SimTime(seconds: 1))
        #expect(droppedPatient == 10)
    }

    @Test("pipeline inference: each request's stages run in order and the SLO is measured")
    func pipeline() throws {
        let fleet = try Fleet(classes: [.desktop, .gpuServer], regions: [("eu", 0)],
                              mix: [.init(className: "desktop", region: "eu", count: 8), .init(className: "gpu-server", region: "eu", count: 2)])
        let w = PipelineInference(rate: 0.5, requests: 200, stages: 4, stageWork: .gemm(m: 64, n: 8192, k: 8192, dtype: .fp16),
                                  activationBytes: 1e6, slo: .seconds(5))
        let engine = run(w, fleet: fleet)
        #expect(engine.metrics.tasksDone == 800)
        #expect(engine.metrics.sloAttainment != nil)
        for r in 0..<200 {
            let stageEnds = (0..<4).map { engine.tasks.finished[r * 4 + $0] }
            #expect(stageEnds == stageEnds.sorted())
        }
    }
}
