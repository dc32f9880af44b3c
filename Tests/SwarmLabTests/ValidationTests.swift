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

