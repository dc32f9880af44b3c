import Foundation
import Testing
import SwarmModel
import SwarmScenario
import SwarmPolicies
import SwarmResults
import SwarmRuntime
@testable import SwarmLab

@Suite("Validation, refusals and determinism")
struct ValidationRefusalTests {
    static let base = """
    version: 1
    name: val-test-refusal
    seed: 1
    duration: 10min
    regions:
      - { name: lab }
      - { name: far }
    device_classes:
      - { name: reference, cpu: 100GFLOP/s, cores: 1, memory: 4GiB, idle_power: 5W, busy_power: 15W,
          downlink: 1Gbit/s, uplink: 1Gbit/s, access_latency: 1ms }
      - { name: fifth, base: reference, cpu: 20GFLOP/s }
    fleet:
      - { class: fifth, region: lab, count: 2 }
    workloads:
      - bag: { tasks: 4, work: { gemm: { m: 256, n: 256, k: 256 } }, input: 1MB, output: 1MB }
    policies: [least-loaded]
    """

    func scenario(_ extra: String, replacing: (String, String)? = nil) throws -> Scenario {
        var text = Self.base
        if let (a, b) = replacing { text = text.replacingOccurrences(of: a, with: b) }
        return try Scenario.parse(text: text + "\n" + extra, file: "refusal.yaml", policies: PolicyRegistry.builtin.entries.map(\.name))
    }

    @Test("a scenario with shared-bandwidth flows is refused, naming network.model with its line")
    func flows() throws {
        let s = try scenario("network: { model: flows }")
        let refused = Validation.refusals(s)
        #expect(refused.count == 1)
        let e = try #require(refused.first)
        #expect(e.path == "network.model" && e.file == "refusal.yaml")
        #expect(e.line == 17, "\(e)")   // the line `network: { model: flows }` follows the 16 lines of the base
        #expect(e.description.contains("refusal.yaml:17:") && e.description.contains("flows"))
    }

    @Test("each feature the runtime does not emulate is refused with its field")
    func eachFeature() throws {
        #expect(Validation.refusals(try scenario("")).isEmpty)
        let cases: [(String, (String, String)?, String)] = [
            ("network: { jitter: { law: exponential, mean: 5ms } }", nil, "network.jitter"),
            ("trust: { adversaries: 0.5, adversary: colluding }", nil, "trust.adversary"),
            ("", ("policies: [least-loaded]", "policies: [least-loaded, random]"), "policies"),
            ("", ("count: 2 }", "count: 2 }\n  - { class: gpu-server, region: lab, count: 1 }"), "fleet[1].class"),
            ("", ("{ name: fifth, base: reference, cpu: 20GFLOP/s }", "{ name: fifth, base: reference, cpu: 200GFLOP/s }"), "fleet[0].class"),
            ("", ("output: 1MB }", "output: 1MB, data_region: far }"), "workloads[0].bag.data_region"),
            ("sweep: { \"fleet[0].count\": [1, 2] }", nil, "sweep"),
        ]
        for (extra, replacing, path) in cases {
            let refused = Validation.refusals(try scenario(extra, replacing: replacing))
            #expect(refused.map(\.path).contains(path), "\(path): \(refused)")
            #expect(refused.allSatisfy { $0.line > 0 }, "\(refused)")
        }
    }

    @Test("an uplink slower than the downlink is emulated, not refused: the plan gives each device both")
    func asymmetricLinks() throws {
        let s = try scenario("", replacing: ("{ name: fifth, base: reference, cpu: 20GFLOP/s }",
                                             "{ name: fifth, base: reference, cpu: 20GFLOP/s, uplink: 10Mbit/s }"))
        #expect(Validation.refusals(s).isEmpty)
        let profile = try DeviceProfile.read(path: ValidationProfileMatchingTests.committed)
        let (_, engine) = try Validation.simulate(s, profile: profile)
        let plan = try Validation.plan(s, engine: engine, profile: profile)
        // 10 Mbit/s = 1.25e6 bytes/s up; the reference class's 1 Gbit/s = 1.25e8 down
        #expect(plan.devices.allSatisfy { $0.uplink == 1.25e6 && $0.bandwidth == 1.25e8 })
    }

    @Test("a Kubernetes node pool running several pods per node is refused at its max_pods; one pod per node is not")
    func kubernetesPods() throws {
        let pool = try scenario("clusters:\n  - { name: k8s, region: lab, nodes: 1, class: fifth, max_pods: 4 }")
        let refused = Validation.refusals(pool)
        #expect(refused.map(\.path) == ["clusters[0].max_pods"], "\(refused)")
        // Line 18: `clusters:` follows the 16 lines of the base, the entry is the next line.
        let e = try #require(refused.first)
        #expect(e.line == 18 && e.description.contains("4 pods per node"), "\(e)")
        #expect(Validation.refusals(try scenario("clusters:\n  - { name: k8s, region: lab, nodes: 1, class: fifth }")).isEmpty)
    }

    @Test("an elastic pool is refused once, naming `pools` with its line (its slots' class is not judged as a fleet entry)")
    func pools() throws {
        let s = try scenario("pools: [{ name: burst, region: lab, max: 4, rule: { queue_per_device: 2 } }]")
        let refused = Validation.refusals(s)
        #expect(refused.map(\.path) == ["pools"], "\(refused)")
        #expect(refused.first?.line == 17)   // after the 16 lines of the base
        #expect(refused.first?.description.contains("elastic pool") == true)
    }

    @Test("spot checks, speculation and tenants are not refused")
    func notRefused() throws {
        #expect(Validation.refusals(try scenario("trust: { validation: spot-check, spot_check: 0.2 }\nspeculation: { slowdown: 2 }")).isEmpty)
    }

    @Test("validate refuses the scenario before running anything, with the field named")
    func runRefuses() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("swarmlab-refuse-\(getpid())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("flows.yaml").path
        try (Self.base + "\nnetwork: { model: flows }\n").write(toFile: file, atomically: true, encoding: .utf8)
        let profile = try DeviceProfile.read(path: ValidationProfileMatchingTests.committed)
        let choice = ProfileChoice(path: ValidationProfileMatchingTests.committed, profile: profile, reason: "test", calibratedNow: false)
        do {
            _ = try Validation.runReplicated(file: file, profile: choice, replications: 2, directory: dir.path, remeasure: false)
            Issue.record("a scenario with flows was not refused")
        } catch let e as Validation.Failure {
            #expect(e.description.contains("network.model") && e.description.contains("flows.yaml:17:"), "\(e)")
        }
        #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("val-test-refusal-r1-sim.h5").path))
    }

    @Test("swarmlab validate refuses a scenario with flows before measuring anything: exit 64, the field named on stderr")
    func cliRefuses() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("swarmlab-cli-refuse-\(getpid())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("flows.yaml").path
        try (Self.base + "\nnetwork: { model: flows }\n").write(toFile: file, atomically: true, encoding: .utf8)
        // an empty calibration folder: had it not refused first, it would calibrate now
        let r = try swarmlab("validate", file, "--results", "none", "--calibration-directory", dir.path)
        #expect(r.status == 64)
        #expect(r.stderr.contains("flows.yaml:17:") && r.stderr.contains("network.model"), "\(r.stderr)")
        #expect(!r.stderr.contains("calibrating now"))
    }

    @Test("no scenario of the validation suite is refused")
    func suiteNotRefused() throws {
        for f in try ValidationReport.files([repositoryRoot.appendingPathComponent("scenarios/validation").path]) {
            let s = try Scenario.read(path: f, policies: PolicyRegistry.builtin.entries.map(\.name))
            #expect(Validation.refusals(s).isEmpty, "\(f): \(Validation.refusals(s))")
        }
    }

    @Test("the same scenario and profile give identical simulated results across two calls, replication by replication")
    func deterministic() throws {
        let file = repositoryRoot.appendingPathComponent("scenarios/validation/05-churn-reexecution.yaml").path
        let s = try Scenario.read(path: file, policies: PolicyRegistry.builtin.entries.map(\.name))
        let profile = try DeviceProfile.read(path: ValidationProfileMatchingTests.committed)
        let seeds = Validation.replicationSeeds(s, count: 3)
        #expect(seeds == [5, 6, 7])
        let a = try Validation.simulateReplications(s, profile: profile, seeds: seeds).map(\.0)
        let b = try Validation.simulateReplications(s, profile: profile, seeds: seeds).map(\.0)
        func same(_ x: ValidationObservation, _ y: ValidationObservation) -> Bool {
            func eq(_ p: [Double], _ q: [Double]) -> Bool { p.count == q.count && zip(p, q).allSatisfy { $0 == $1 || ($0.isNaN && $1.isNaN) } }
            return eq(x.taskStart, y.taskStart) && eq(x.taskFinish, y.taskFinish) && x.attemptTask == y.attemptTask
                && x.attemptDevice == y.attemptDevice && eq(x.attemptAssigned, y.attemptAssigned)
                && eq(x.attemptReturned, y.attemptReturned) && x.attemptOutcome == y.attemptOutcome
                && x.lostWorkSeconds == y.lostWorkSeconds && x.attemptsLost == y.attemptsLost
        }
        for (x, y) in zip(a, b) { #expect(same(x, y)) }
        // and the seeds do differ: churn draws move the makespan
        #expect(Set(a.map { $0.taskFinish.max() ?? 0 }).count > 1)
    }

    @Test("a scenario file's own replications key lowers the number asked for, never raises it")
    func replicationCount() throws {
        let plain = try scenario("")
        #expect(Validation.replicationCount(plain, requested: 5) == (5, false))
        let long = try scenario("replications: 2")
        #expect(Validation.replicationCount(long, requested: 5) == (2, true))
        #expect(Validation.replicationCount(long, requested: 1) == (1, false))
        let seeded = try scenario("", replacing: ("seed: 1\n", "seeds: [11, 21, 31]\n"))
        #expect(Validation.replicationSeeds(seeded, count: 2) == [11, 21])
        // too few seeds listed: the first, then +1, +2, …
        #expect(Validation.replicationSeeds(seeded, count: 4) == [11, 12, 13, 14])
    }
}

@Suite("Validation, the wider suite")
struct ValidationSuiteShapeTests {
    static func scenario(_ name: String) throws -> Scenario {
        try Scenario.read(path: repositoryRoot.appendingPathComponent("scenarios/validation/\(name).yaml").path,
                          policies: PolicyRegistry.builtin.entries.map(\.name))
    }
    static let profile = ValidationProfileMatchingTests.committed

    @Test("the suite has at least 16 scenarios; every one but the long run simulates in under 20 scenario seconds per replication")
    func suiteSize() throws {
        let files = try ValidationReport.files([repositoryRoot.appendingPathComponent("scenarios/validation").path])
        #expect(files.count >= 16)
        let profile = try DeviceProfile.read(path: Self.profile)
        var long = 0
        for f in files {
            let s = try Scenario.read(path: f, policies: PolicyRegistry.builtin.entries.map(\.name))
            let seeds = Validation.replicationSeeds(s, count: Validation.replicationCount(s, requested: 5).count)
            let makespans = try Validation.simulateReplications(s, profile: profile, seeds: seeds).map { $0.0.taskFinish.filter(\.isFinite).max() ?? .nan }
            if makespans.allSatisfy({ $0 < 20 }) { continue }
            long += 1
            #expect(s.replications == 2 && makespans.allSatisfy { $0 >= 300 }, "\(f): \(makespans)")
        }
        #expect(long == 1)
    }

    @Test("the Weibull churn scenario sends every device away several times before its bag is done")
    func weibullChurn() throws {
        let s = try Self.scenario("11-weibull-churn")
        let profile = try DeviceProfile.read(path: Self.profile)
        for seed in Validation.replicationSeeds(s, count: 5) {
            let (sim, engine) = try Validation.simulate(s, profile: profile, seed: seed)
            let makespan = sim.taskFinish.max() ?? 0
            let plan = try Validation.plan(s, engine: engine, profile: profile, seed: seed)
            let offs = plan.devices.map { $0.pauses.filter { $0.start - Validation.startDelay < makespan }.count }
            #expect(offs.reduce(0, +) >= 2 * plan.devices.count, "seed \(seed): OFF periods per device \(offs) before \(makespan) s; \(plan.devices.map(\.pauses))")
            #expect(sim.attemptsLost > 0, "seed \(seed)")
        }
    }

    @Test("the replicated bag asks 2 matching results of 2 replicas, and its liars outvoted cost extra attempts")
    func replicatedBag() throws {
        let s = try Self.scenario("09-replicated-bag-liar")
        let m = try s.materialize()
        #expect(m.tasks.replication.allSatisfy { $0 == 2 } && m.tasks.quorum.allSatisfy { $0 == 2 })
        let profile = try DeviceProfile.read(path: Self.profile)
        var liars = 0
        for seed in Validation.replicationSeeds(s, count: 5) {
            let (sim, engine) = try Validation.simulate(s, profile: profile, seed: seed)
            let n = (0..<4).filter { engine.isAdversarial($0) }.count
            liars += n
            #expect(sim.taskFinish.allSatisfy { $0.isFinite }, "seed \(seed)")
            if n > 0 { #expect(sim.attemptTask.count > 2 * 12, "seed \(seed): \(n) liars but no extra attempt") }
        }
        #expect(liars > 0)
    }

    @Test("the many-devices scenario emulates at least 32 devices, together under one core")
    func manyDevices() throws {
        let s = try Self.scenario("17-many-devices")
        let (_, engine) = try Validation.simulate(s, profile: try DeviceProfile.read(path: Self.profile))
        let plan = try Validation.plan(s, engine: engine, profile: try DeviceProfile.read(path: Self.profile))
        #expect(plan.devices.count >= 32)
        #expect(plan.devices.reduce(0) { $0 + $1.speed } <= 1)
    }
}
