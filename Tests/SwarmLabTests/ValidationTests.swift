import Foundation
import Testing
import SwarmModel
import SwarmScenario
import SwarmPolicies
@testable import SwarmLab

@Suite("Validation statistics")
struct ValidationStatisticsTests {
    @Test("KS distance: 0 for equal samples, 1 for disjoint ones, the largest CDF gap otherwise")
    func ks() {
        #expect(ValidationStatistics.ksDistance([1, 2, 3], [3, 2, 1]) == 0)
        #expect(ValidationStatistics.ksDistance([1, 2, 3], [4, 5]) == 1)
        // F₁ jumps to 1/2 at 1 and 1 at 3; F₂ to 1/2 at 2 and 1 at 3: gap 1/2 on [1, 2)
        #expect(ValidationStatistics.ksDistance([1, 3], [2, 3]) == 0.5)
        // a shift by a quarter of a uniform grid's span leaves a quarter of the mass uncovered
        let a = (0..<100).map(Double.init), b = a.map { $0 + 25 }
        #expect(abs(ValidationStatistics.ksDistance(a, b) - 0.25) < 1e-12)
        #expect(ValidationStatistics.ksDistance([], [1]).isNaN)
    }

    @Test("relative and paired errors ignore what is missing")
    func errors() {
        #expect(ValidationStatistics.relativeError(simulated: 9, measured: 10) == 0.1)
        #expect(ValidationStatistics.relativeError(simulated: 1, measured: 0).isNaN)
        let p = ValidationStatistics.pairedError([1, 2, .nan, 4], [1.5, 2, 3, 7])
        #expect(p.count == 3 && p.median == 0.5 && p.max == 3)
    }
}

@Suite("Validation, end to end")
struct ValidationEndToEndTests {
    static let profile = repositoryRoot.appendingPathComponent("results/calibration/2-core-x86_64-debian-12.json").path

    @Test("every validation scenario parses and runs in the simulator with its calibrated cost model")
    func scenariosSimulate() throws {
        let files = try ValidationReport.files([repositoryRoot.appendingPathComponent("scenarios/validation").path])
        #expect(files.count >= 8)
        let profile = try DeviceProfile.read(path: Self.profile)
        for f in files {
            let s = try Scenario.read(path: f, policies: PolicyRegistry.builtin.entries.map(\.name))
            let (sim, engine) = try Validation.simulate(s, profile: profile)
            #expect(sim.taskFinish.contains { $0.isFinite }, "\(f): no task finished")
            let plan = try Validation.plan(s, engine: engine, profile: profile)
            #expect(plan.devices.allSatisfy { $0.speed > 0 && $0.speed <= 1 }, "\(f)")
            #expect(plan.timeScale == 1)
        }
    }

    @Test("the replication scenario draws exactly one adversary, and the churn scenario loses attempts")
    func scenarioDraws() throws {
        let profile = try DeviceProfile.read(path: Self.profile)
        let dir = repositoryRoot.appendingPathComponent("scenarios/validation")
        let replication = try Scenario.read(path: dir.appendingPathComponent("06-replication-adversary.yaml").path,
                                            policies: PolicyRegistry.builtin.entries.map(\.name))
        let (_, engine) = try Validation.simulate(replication, profile: profile)
        #expect((0..<3).filter { engine.isAdversarial($0) }.count == 1)
        let churn = try Scenario.read(path: dir.appendingPathComponent("05-churn-reexecution.yaml").path,
                                      policies: PolicyRegistry.builtin.entries.map(\.name))
        let (sim, churnEngine) = try Validation.simulate(churn, profile: profile)
        #expect(sim.attemptsLost > 0)
        let plan = try Validation.plan(churn, engine: churnEngine, profile: profile)
        #expect(plan.devices.contains { $0.killAt != nil && !$0.pauses.isEmpty })
    }

    @Test("compute concurrency counts overlapping compute phases; back-to-back ones do not overlap")
    func concurrency() throws {
        let g = TensorKernel.gemm(m: 256, n: 256, k: 256, dtype: .fp32)
        var tasks = TaskTable()
        for _ in 0..<4 { _ = tasks.add(work: .kernel(g)) }
        _ = tasks.add(work: .seconds(5))
        let profile = try DeviceProfile.read(path: Self.profile)
        let cost = CalibratedCostModel(profile: profile)
        let c = cost.computeSeconds(g) + cost.taskOverheadSeconds(g)
        func observation(_ attempts: [(task: Int, assigned: Double)]) -> ValidationObservation {
            var o = ValidationObservation(side: "simulation", taskStart: [], taskFinish: [], lostWorkSeconds: 0, attemptsLost: 0, wallSeconds: 0)
            for (i, a) in attempts.enumerated() {
                o.attemptTask.append(a.task); o.attemptDevice.append(i); o.attemptNumber.append(1)
                o.attemptAssigned.append(a.assigned); o.attemptReturned.append(.nan); o.attemptOutcome.append(0)
            }
            return o
        }
        // three start together, the fourth once they are done; busy work is not a kernel
        #expect(Validation.computeConcurrency(observation([(0, 0), (1, 0), (2, c / 2), (3, c), (4, 0)]), tasks: tasks, cost: cost) == 3)
        #expect(Validation.computeConcurrency(observation([(0, 0), (1, c), (2, 2 * c)]), tasks: tasks, cost: cost) == 1)
        // a transfer in before computing moves a phase: device 1's arrives after device 0 has computed
        let o = observation([(0, 0), (1, 0)])
        #expect(Validation.computeConcurrency(o, tasks: tasks, cost: cost) == 2)
        #expect(Validation.computeConcurrency(o, tasks: tasks, cost: cost, inputSeconds: { _, d in d == 1 ? 2 * c : 0 }) == 1)
        #expect(Validation.computeConcurrency(observation([]), tasks: tasks, cost: cost) == 1)
    }

    @Test("the federated scenario never computes more kernels at once than this machine's 2 cores")
    func federatedFitsTwoCores() throws {
        let profile = try DeviceProfile.read(path: Self.profile)
        let file = repositoryRoot.appendingPathComponent("scenarios/validation/08-federated-stragglers.yaml").path
        let s = try Scenario.read(path: file, policies: PolicyRegistry.builtin.entries.map(\.name))
        let (sim, _) = try Validation.simulate(s, profile: profile)
        let m = try s.materialize()
        let n = Validation.computeConcurrency(sim, tasks: m.tasks, cost: Validation.costModel(for: m.fleet, profile: profile),
                                              inputSeconds: Validation.transferInSeconds(m))
        #expect(n == 2)
        // and still a federated round: each of the 4 rounds leaves one straggler's client behind
        #expect(Set(sim.attemptTask.filter { !sim.taskFinish[$0].isFinite }).count == 4)
    }

    @Test("a task without data still pays the latency of its assignment and result in the simulator, as in the runtime")
    func messageLatency() throws {
        let text = """
        version: 1
        name: val-test-messages
        seed: 1
        duration: 10min
        regions:
          - { name: lab }
        device_classes:
          - { name: reference, cpu: 100GFLOP/s, cores: 1, memory: 4GiB, idle_power: 5W, busy_power: 15W,
              downlink: 1Gbit/s, uplink: 1Gbit/s, access_latency: 20ms }
        fleet:
          - { class: reference, region: lab, count: 1 }
        workloads:
          - bag: { tasks: 3, work: { elementwise: { count: 1000, flops_per_element: 2 } } }
        policies: [least-loaded]
        """
        let s = try Scenario.parse(text: text, file: "messages.yaml", policies: PolicyRegistry.builtin.entries.map(\.name))
        let m = try s.materialize()
        #expect(m.tasks.inputBytes.allSatisfy { $0 == 0 } && m.tasks.outputBytes.allSatisfy { $0 == 0 })
        let (sim, _) = try Validation.simulate(s, profile: try DeviceProfile.read(path: Self.profile))
        let oneWay = m.latency(0, 0) + 0.020
        #expect(sim.attemptDurations.count == 3)
        #expect(sim.attemptDurations.allSatisfy { $0 >= 2 * oneWay && $0 < 2 * oneWay + 0.01 }, "\(sim.attemptDurations)")
        // the frames: 24-byte header + payload + 32-byte tag; a result's payload is
        // task u32, attempt u16, checksum u64, compute start and end f64, kernel and attempt CPU f64
        #expect(Validation.messageBytes(.seconds(1)).result == Double(24 + (4 + 2 + 8 + 8 + 8 + 8 + 8) + 32))
        // an assignment: task u32, attempt u16, seed u64, delivery time f64, then the work
        #expect(Validation.messageBytes(.seconds(1)).assign > Double(24 + (4 + 2 + 8 + 8 + 1) + 32))
    }

    @Test("a small scenario runs in the simulator and for real; the comparison is computed and bounded")
    func endToEnd() throws {
        let text = """
        version: 1
        name: val-test-small
        seed: 3
        duration: 10min
        heartbeat_timeout: 2s
        regions:
          - { name: lab }
        device_classes:
          - { name: reference, cpu: 100GFLOP/s, cores: 1, memory: 4GiB, idle_power: 5W, busy_power: 15W,
              downlink: 1Gbit/s, uplink: 1Gbit/s, access_latency: 30ms }
          - { name: quarter, base: reference, cpu: 25GFLOP/s }
        fleet:
          - { class: quarter, region: lab, count: 2 }
        workloads:
          - bag: { tasks: 8, work: { gemm: { m: 384, n: 384, k: 384 } }, input: 100kB, output: 100kB }
        policies: [least-loaded]
        """
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("swarmlab-validate-\(getpid())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("small.yaml").path
        try text.write(toFile: file, atomically: true, encoding: .utf8)
        let profile = try DeviceProfile.read(path: Self.profile)
        let c = try Validation.run(file: file, profile: profile, profilePath: Self.profile,
                                   worker: repositoryRoot.appendingPathComponent(".build/debug/swarmlab-worker").path,
                                   directory: dir.path, remeasure: false)
        #expect(c.tasksCompared == 8 && c.devices == 2)
        // each task: 2 × (30 ms + 100 kB at 1 Gbit/s) of network plus a tiny GEMM: four rounds
        #expect(c.simMakespan > 4 * 2 * 0.0308 && c.simMakespan < 1)
        #expect(c.realMakespan.isFinite && c.realMakespan > 0)
        #expect(c.makespanError.isFinite && c.makespanError < 0.5, "error \(c.makespanError)")
        #expect(c.durationKS >= 0 && c.durationKS <= 1)
        #expect(c.endErrorMax.isFinite && c.endErrorMax >= c.endErrorMedian)
        for side in ["sim", "real"] {
            #expect(FileManager.default.fileExists(atPath: dir.appendingPathComponent("val-test-small-\(side).h5").path))
        }
    }
}

