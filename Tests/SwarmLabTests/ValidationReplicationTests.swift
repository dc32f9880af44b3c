import Foundation
import Testing
import SwarmModel
import SwarmScenario
import SwarmPolicies
import SwarmResults
import SwarmRuntime
@testable import SwarmLab

@Suite("Validation, replicated statistics")
struct ValidationReplicatedStatisticsTests {
    @Test("Welch's test of two equal-variance samples: t = −2 on 8 degrees of freedom, p from the closed form for even ν")
    func welchEqualVariances() throws {
        // a: mean 3, s² = 2.5; b: mean 5, s² = 2.5; n = m = 5
        let w = try #require(WelchTest([1, 2, 3, 4, 5], [3, 4, 5, 6, 7]))
        // t = (3 − 5) / √(2.5/5 + 2.5/5) = −2;  ν = 1² / (0.5²/4 + 0.5²/4) = 8
        #expect(abs(w.t - -2) < 1e-12)
        #expect(abs(w.degreesOfFreedom - 8) < 1e-12)
        // For even ν: F(t) = ½ + t / (2√(ν + t²)) · Σ_{k<ν/2} C(2k, k)/4^k · (ν / (ν + t²))^k
        let nu = 8.0, t = 2.0
        let x = nu / (nu + t * t)
        let sum = (0..<4).reduce(0.0) { s, k in
            let c = [1.0, 1.0 / 2, 3.0 / 8, 5.0 / 16][k]
            return s + c * pow(x, Double(k))
        }
        let cdf = 0.5 + t / (2 * (nu + t * t).squareRoot()) * sum
        #expect(abs(w.pValue - 2 * (1 - cdf)) < 1e-9, "p \(w.pValue)")   // ≈ 0.0805
    }

    @Test("Welch's test with unequal variances uses the Welch–Satterthwaite degrees of freedom")
    func welchUnequal() throws {
        let w = try #require(WelchTest([10, 12, 11, 13, 9], [14, 15, 13, 16]))
        // s²ₐ/n = 2.5/5 = 0.5; b: mean 14.5, s² = (0.25 + 0.25 + 2.25 + 2.25)/3 = 5/3, s²/m = 5/12
        let qa = 0.5, qb = 5.0 / 12
        #expect(abs(w.t - (11 - 14.5) / (qa + qb).squareRoot()) < 1e-12)
        #expect(abs(w.degreesOfFreedom - (qa + qb) * (qa + qb) / (qa * qa / 4 + qb * qb / 3)) < 1e-12)
        #expect(w.pValue > 0 && w.pValue < 0.01)   // |t| ≈ 3.66 on ≈ 7 degrees of freedom
        // without spread: equal means p = 1, different means p = 0; one value: no test
        #expect(WelchTest([2, 2], [2, 2])?.pValue == 1)
        #expect(WelchTest([2, 2], [3, 3])?.pValue == 0)
        #expect(WelchTest([1], [1, 2]) == nil)
    }

    @Test("a side's mean makespan carries mean ± t(0.975; R−1)·s/√R; latency percentiles interpolate order statistics")
    func side() throws {
        let s = ValidationSide(makespans: [10, 12, 11, 13, 9], throughputs: [1, 2, 3, 4, 5], latencies: [1, 2, 3, 4])
        #expect(s.meanMakespan == 11)
        // s = √2.5, t(0.975; 4) = 2.776445
        #expect(abs(try #require(s.makespanHalfWidth) - 2.776445 * (2.5).squareRoot() / (5.0).squareRoot()) < 1e-5)
        #expect(s.throughput == 3)
        // h = (4 − 1)·0.5 = 1.5 → 2 + 0.5·(3 − 2); h = 3·0.95 = 2.85 → 3 + 0.85·(4 − 3)
        #expect(s.latencyP50 == 2.5)
        #expect(abs(s.latencyP95 - 3.85) < 1e-12)
        #expect(ValidationSide(makespans: [4], throughputs: [1], latencies: [1]).makespanHalfWidth == nil)
    }

    @Test("the verdict: agree when the means are within 8% and the intervals overlap")
    func verdict() throws {
        func side(_ m: [Double]) -> ValidationSide { ValidationSide(makespans: m, throughputs: m.map { 1 / $0 }, latencies: m) }
        func compare(_ a: [Double], _ b: [Double]) -> ReplicatedComparison {
            ReplicatedComparison(name: "x", devices: 1, tasksCompared: 1, tasks: 1, replicationsLoweredByFile: false,
                                 seeds: (0..<UInt64(a.count)).map { $0 }, sim: side(a), real: side(b), profile: "p",
                                 baseProfile: "p", realWallSeconds: 0, runs: [])
        }
        // means 10 and 10.2 (2%), spreads wide enough to overlap
        let agree = compare([9.5, 10, 10.5], [9.7, 10.2, 10.7])
        #expect(agree.intervalsOverlap == true && agree.verdict == .agree)
        #expect(abs(agree.errorOfMeans - 0.2 / 10.2) < 1e-12)
        // means 10 and 10.5 (4.8%), spreads of ±0.01: the intervals are apart
        let offset = compare([9.99, 10, 10.01], [10.49, 10.5, 10.51])
        #expect(offset.intervalsOverlap == false && offset.verdict == .offset)
        #expect(try #require(offset.welchP) < 0.001)
        // means 10 and 12: 16.7% apart
        #expect(compare([9, 10, 11], [11, 12, 13]).verdict == .differ)
        // one replication: no interval, no test
        let single = compare([10], [10.1])
        #expect(single.verdict == .single && single.intervalsOverlap == nil && single.welchP == nil)
    }
}

@Suite("Validation, any machine")
struct ValidationProfileMatchingTests {
    static let committed = repositoryRoot.appendingPathComponent("results/calibration/2-core-x86_64-debian-12.json").path

    func folder() throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("swarmlab-profiles-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir.path
    }

    @Test("a profile is used only on a machine with its CPU model, cores and OpenBLAS core; another CPU of the same class is calibrated anew")
    func matching() throws {
        let dir = try folder()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var profile = try DeviceProfile.read(path: Self.committed)
        profile.blasCore = "Haswell"
        try profile.jsonData().write(to: URL(fileURLWithPath: dir + "/a.json"))
        let same = MachineIdentity(cpu: profile.cpu, cores: profile.cores, blasCore: "Haswell", blasConfiguration: "whatever")
        #expect(same.mismatch(profile) == nil)
        var calibrated: [String] = []
        let choice = try Calibration.choose(directory: dir, identity: same) { calibrated.append($0); return profile }
        #expect(choice.path == dir + "/a.json" && !choice.calibratedNow && calibrated.isEmpty)

        // Same machine class (2 cores, same OpenBLAS), another CPU: never that profile.
        let other = MachineIdentity(cpu: "Intel(R) Xeon(R) Platinum 8375C CPU @ 2.90GHz", cores: profile.cores,
                                    blasCore: "Haswell", blasConfiguration: profile.blas)
        #expect(other.mismatch(profile)?.contains("CPU") == true)
        let fresh = try Calibration.choose(directory: dir, identity: other) { path in calibrated.append(path); return profile }
        #expect(fresh.calibratedNow && calibrated.count == 1)
        #expect(fresh.path != dir + "/a.json" && fresh.path.hasPrefix(dir + "/"))
        #expect(fresh.path.contains("intel-r-xeon-r-platinum-8375c-cpu-2-90ghz--haswell"), "\(fresh.path)")
        #expect(fresh.reason.contains("a.json") && fresh.reason.contains("CPU"))
        // The two CPUs' default files differ.
        #expect(Calibration.defaultPath(directory: dir, identity: same) != Calibration.defaultPath(directory: dir, identity: other))
        // Another OpenBLAS core, or other cores, do not match either.
        #expect(MachineIdentity(cpu: profile.cpu, cores: profile.cores, blasCore: "Zen", blasConfiguration: "").mismatch(profile) != nil)
        #expect(MachineIdentity(cpu: profile.cpu, cores: 4, blasCore: "Haswell", blasConfiguration: "").mismatch(profile) != nil)
    }

    @Test("the committed profile, which predates the OpenBLAS core field, loads and matches only on its OpenBLAS build description")
    func legacyProfile() throws {
        let profile = try DeviceProfile.read(path: Self.committed)
        #expect(profile.blasCore == nil)
        let identity = MachineIdentity(cpu: profile.cpu, cores: profile.cores, blasCore: "Haswell", blasConfiguration: profile.blas)
        #expect(identity.mismatch(profile) == nil)
        var otherBuild = identity
        otherBuild.blasConfiguration = "OpenBLAS 0.3.26 DYNAMIC_ARCH SkylakeX MAX_THREADS=64"
        #expect(otherBuild.mismatch(profile)?.contains("no OpenBLAS core recorded") == true)
    }

    @Test("this machine's identity reads a CPU model, its cores and OpenBLAS's core name")
    func current() {
        let me = MachineIdentity.current
        #expect(!me.cpu.isEmpty && me.cores == ProcessInfo.processInfo.activeProcessorCount)
        #expect(!me.blasCore.isEmpty && me.blasConfiguration.contains("OpenBLAS"))
    }

    @Test("a profile calibrated here records this machine's identity, matches it, and is found in its folder")
    func calibratedHere() throws {
        let dir = try folder()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = Calibration.defaultPath(directory: dir)
        let p = try Calibration.run(path: path, quick: true)
        #expect(p.blasCore == MachineIdentity.current.blasCore && p.cpu == MachineIdentity.current.cpu)
        #expect(MachineIdentity.current.mismatch(try DeviceProfile.read(path: path)) == nil)
        let choice = try Calibration.choose(directory: dir) { _ in
            Issue.record("calibrated again though a matching profile exists"); return p
        }
        #expect(choice.path == path && !choice.calibratedNow)
    }

    @Test("an explicit profile of another machine is refused")
    func explicitRefused() throws {
        let dir = try folder()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var profile = try DeviceProfile.read(path: Self.committed)
        profile.cpu = "Some Other CPU"
        try profile.jsonData().write(to: URL(fileURLWithPath: dir + "/other.json"))
        #expect(throws: Validation.Failure.self) { try Calibration.explicit(dir + "/other.json") }
    }
}

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
            ("", ("{ name: fifth, base: reference, cpu: 20GFLOP/s }", "{ name: fifth, base: reference, cpu: 20GFLOP/s, uplink: 10Mbit/s }"), "fleet[0].class"),
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
            #expect(offs.reduce(0, +) >= 2 * plan.devices.count, "seed \(seed): OFF periods per device \(offs) before \(makespan) s")
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

@Suite("Validation, replicated end to end")
struct ValidationReplicatedEndToEndTests {
    @Test("a small scenario runs twice per side: one re-measured profile written and named by every replication's results")
    func replicated() throws {
        let text = """
        version: 1
        name: val-test-replicated
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
          - requests: { rate: 20/s, count: 8, work: { gemm: { m: 384, n: 384, k: 384 } }, input: 100kB, output: 100kB }
        policies: [least-loaded]
        """
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("swarmlab-validate-replicated-\(getpid())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("small.yaml").path
        try text.write(toFile: file, atomically: true, encoding: .utf8)
        let committed = ValidationProfileMatchingTests.committed
        let choice = ProfileChoice(path: committed, profile: try DeviceProfile.read(path: committed), reason: "test", calibratedNow: false)
        let c = try Validation.runReplicated(file: file, profile: choice, replications: 2,
                                             worker: repositoryRoot.appendingPathComponent(".build/debug/swarmlab-worker").path,
                                             directory: dir.path, remeasure: true)
        #expect(c.replications == 2 && c.seeds == [3, 4] && c.runs.count == 2)
        #expect(c.sim.makespans.count == 2 && c.real.makespans.count == 2)
        #expect(c.real.makespans.allSatisfy { $0.isFinite && $0 > 0 })
        // Poisson arrivals differ between the seeds, so the two simulated makespans do too
        #expect(c.sim.makespans[0] != c.sim.makespans[1])
        #expect(c.sim.makespanHalfWidth != nil && c.real.makespanHalfWidth != nil && c.welchP != nil)
        // each request: at least 2 × (30 ms + 100 kB at 1 Gbit/s) of network
        #expect(c.sim.latencyP50 >= 2 * 0.0308 && c.sim.latencyP95 >= c.sim.latencyP50)
        let profilePath = dir.appendingPathComponent("val-test-replicated-profile.json").path
        #expect(c.profile == profilePath && c.baseProfile == committed)
        let written = try DeviceProfile.read(path: profilePath)
        #expect(written.kernels.contains { $0.kernel == .gemm(m: 384, n: 384, k: 384, dtype: .fp32) })
        for k in 1...2 {
            for side in ["sim", "real"] {
                let r = try ResultsReader(path: dir.appendingPathComponent("val-test-replicated-r\(k)-\(side).h5").path)
                #expect(r.string("calibration_profile") == profilePath)
                #expect(r.string("base_calibration_profile") == committed)
                #expect(r.number("replication") == Double(k) && r.number("seed") == Double(2 + k))
            }
        }
        // given that profile, the simulator side is the same again
        let s = try Scenario.read(path: file, policies: PolicyRegistry.builtin.entries.map(\.name))
        let again = try Validation.simulateReplications(s, profile: written, seeds: c.seeds)
            .map { o in Validation.counted(try s.materialize(seed: 0).tasks, sim: o.0).map { o.0.taskFinish[$0] }.max() ?? .nan }
        #expect(again == c.sim.makespans)
    }
}
