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

    @Test("the table says how busy other programs kept the machine, and warns when it was not quiet")
    func otherLoadInTable() throws {
        func row(_ load: [Double]) -> ReplicatedComparison {
            let side = ValidationSide(makespans: [1, 1.1], throughputs: [1, 1], latencies: [1, 1])
            var r = ReplicatedComparison(name: "x", devices: 1, tasksCompared: 1, tasks: 1, replicationsLoweredByFile: false,
                                         seeds: [0, 1], sim: side, real: side, profiles: ["p", "p"], baseProfile: "p", realWallSeconds: 2, runs: [])
            r.otherLoad = load; r.stolen = [0, 0.01]
            return r
        }
        let committed = ValidationProfileMatchingTests.committed
        let choice = ProfileChoice(path: committed, profile: try DeviceProfile.read(path: committed), reason: "test", calibratedNow: false)
        let quiet = ValidationReport.markdown([row([0.02, 0.05])], profile: choice, command: "c")
        #expect(quiet.contains("| 0.05 cores |") && quiet.contains("at most 0.05") && !quiet.contains("not quiet"))
        let busy = ValidationReport.markdown([row([0.02, 1.4])], profile: choice, command: "c")
        #expect(busy.contains("| 1.40 cores |") && busy.contains("**The machine was not quiet**"))
    }

    @Test("the verdict: agree when the means are within 8% and the intervals overlap")
    func verdict() throws {
        func side(_ m: [Double]) -> ValidationSide { ValidationSide(makespans: m, throughputs: m.map { 1 / $0 }, latencies: m) }
        func compare(_ a: [Double], _ b: [Double]) -> ReplicatedComparison {
            ReplicatedComparison(name: "x", devices: 1, tasksCompared: 1, tasks: 1, replicationsLoweredByFile: false,
                                 seeds: (0..<UInt64(a.count)).map { $0 }, sim: side(a), real: side(b), profiles: ["p"],
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

@Suite("Validation, re-measuring as the run computes")
struct ValidationRemeasureTests {
    @Test("the idle between a device's computations is the median gap from one's end to its next start, capped")
    func idleBetweenComputations() {
        var o = ValidationObservation(side: "simulation", taskStart: [], taskFinish: [], lostWorkSeconds: 0, attemptsLost: 0, wallSeconds: 0)
        // device 0 computes [0, 1], [1.08, 2], [2.5, 3]: gaps 0.08 and 0.5 (capped at 0.25);
        // device 1 computes [0.1, 0.2], [0.3, 0.4]: gap 0.1; an attempt that never computed.
        let runs: [(d: Int, s: Double, e: Double)] = [(0, 0, 1), (0, 1.08, 2), (0, 2.5, 3), (1, 0.1, 0.2), (1, 0.3, 0.4), (1, .nan, .nan)]
        for (i, r) in runs.enumerated() {
            o.attemptTask.append(i); o.attemptDevice.append(r.d); o.attemptNumber.append(1)
            o.attemptAssigned.append(0); o.attemptReturned.append(0); o.attemptOutcome.append(0)
            o.attemptComputeStart.append(r.s); o.attemptComputeEnd.append(r.e)
        }
        // gaps 0.08, 0.1, min(0.5, 0.25): the median is 0.1
        #expect(abs(Validation.idleBetweenComputations(o) - 0.1) < 1e-12)
        #expect(abs(Validation.idleBetweenComputations(o, cap: 0.05) - 0.05) < 1e-12)
        // no device computes twice: the cap (cold, as after a long wait)
        var once = o
        once.attemptComputeStart = [0, .nan, .nan, 0.1, .nan, .nan]
        #expect(Validation.idleBetweenComputations(once) == 0.25)
    }

    @Test("measurements before and after a run pool kernel by kernel; the profile takes their mean, minimum and coefficient of variation")
    func pooledMeasurements() throws {
        let g = TensorKernel.gemm(m: 64, n: 64, k: 64, dtype: .fp32), e = TensorKernel.elementwise(count: 4096, flopsPerElement: 2, dtype: .fp32)
        func samples(_ xs: [Double]) -> [WorkerMeasurement.Sample] { xs.map { .init(compute: $0, around: $0 / 10) } }
        // Before the run the machine was faster (1, 2 ms) than after it (3, 4 ms); the
        // elementwise kernel was measured only after.
        let before = [Validation.KernelSamples(kernel: g, samples: samples([0.001, 0.002]))]
        let after = [Validation.KernelSamples(kernel: g, samples: samples([0.003, 0.004])),
                     Validation.KernelSamples(kernel: e, samples: samples([0.5]))]
        let pooled = Validation.pooled(before, after)
        #expect(pooled.map(\.kernel) == [g, e])
        #expect(pooled[0].samples.map(\.compute) == [0.001, 0.002, 0.003, 0.004])
        let base = try DeviceProfile.read(path: ValidationProfileMatchingTests.committed)
        let p = Validation.profile(base, measured: pooled)
        let gemm = try #require(p.kernels.first { $0.kernel == g })
        // mean 2.5 ms; sample standard deviation √(((1.5² + 0.5²) · 2) / 3) ms = √(5/3) ms
        #expect(abs(gemm.seconds - 0.0025) < 1e-15 && gemm.minSeconds == 0.001 && gemm.repeats == 4)
        #expect(abs((gemm.spread ?? 0) - (5.0 / 3).squareRoot() / 2.5) < 1e-12)
        #expect(abs((gemm.aroundSeconds ?? 0) - 0.00025) < 1e-15)
        // one profile entry per kernel: the base profile's own entry for it is replaced
        #expect(p.kernels.filter { $0.kernel.asFP32 == g }.count == 1)
        #expect(p.kernels.first { $0.kernel == e }?.seconds == 0.5)
    }

    @Test("the simulator records when each attempt computed: after its input's latency, for the kernel's time")
    func simulatedComputePhases() throws {
        let text = """
        version: 1
        name: val-test-phases
        seed: 1
        duration: 10min
        regions:
          - { name: lab }
        device_classes:
          - { name: reference, cpu: 100GFLOP/s, cores: 1, memory: 4GiB, idle_power: 5W, busy_power: 15W,
              downlink: 1Gbit/s, uplink: 1Gbit/s, access_latency: 30ms }
        network:
          intra_region_rtt: 0s
        fleet:
          - { class: reference, region: lab, count: 1 }
        workloads:
          - bag: { tasks: 3, work: { gemm: { m: 128, n: 128, k: 128 } } }
        policies: [least-loaded]
        """
        let s = try Scenario.parse(text: text, file: "phases.yaml", registry: .builtin)
        let profile = try DeviceProfile.read(path: ValidationProfileMatchingTests.committed)
        let (o, _) = try Validation.simulate(s, profile: profile)
        #expect(o.attemptComputeStart.count == 3 && o.attemptComputeEnd.count == 3)
        for i in 0..<3 {
            // 30 ms of access latency before computing, and as much after it
            #expect(o.attemptComputeStart[i] - o.attemptAssigned[i] >= 0.030 - 1e-9)
            #expect(o.attemptComputeEnd[i] > o.attemptComputeStart[i])
            #expect(o.attemptReturned[i] - o.attemptComputeEnd[i] >= 0.030 - 1e-9)
        }
        // one device, back to back: the gap between computations is the two legs' latency
        #expect(abs(Validation.idleBetweenComputations(o) - 0.060) < 0.002)
    }
}

@Suite("Validation, replicated end to end")
struct ValidationReplicatedEndToEndTests {
    @Test("a small scenario runs twice per side: each replication re-measures its own profile, writes it and names it in its results")
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
        // how busy the rest of the machine was, per reference run
        #expect(c.otherLoad.count == 2 && c.stolen.count == 2 && (c.otherLoad + c.stolen).allSatisfy { $0 >= 0 })
        // Poisson arrivals differ between the seeds, so the two simulated makespans do too
        #expect(c.sim.makespans[0] != c.sim.makespans[1])
        #expect(c.sim.makespanHalfWidth != nil && c.real.makespanHalfWidth != nil && c.welchP != nil)
        // each request: at least 2 × (30 ms + 100 kB at 1 Gbit/s) of network
        #expect(c.sim.latencyP50 >= 2 * 0.0308 && c.sim.latencyP95 >= c.sim.latencyP50)
        // each replication re-measured its own profile just before its reference run
        let profilePaths = (1...2).map { dir.appendingPathComponent("val-test-replicated-r\($0)-profile.json").path }
        #expect(c.profiles == profilePaths && c.baseProfile == committed)
        let written = try profilePaths.map { try DeviceProfile.read(path: $0) }
        // with the work around the kernel measured at its own sizes
        for p in written { #expect(p.kernels.contains { $0.kernel == .gemm(m: 384, n: 384, k: 384, dtype: .fp32) && ($0.aroundSeconds ?? 0) > 0 }) }
        for k in 1...2 {
            for side in ["sim", "real"] {
                let r = try ResultsReader(path: dir.appendingPathComponent("val-test-replicated-r\(k)-\(side).h5").path)
                #expect(r.string("calibration_profile") == profilePaths[k - 1])
                #expect(r.string("base_calibration_profile") == committed)
                #expect(r.number("replication") == Double(k) && r.number("seed") == Double(2 + k))
            }
        }
        // given its profile, each replication's simulation is the same again
        let s = try Scenario.read(path: file, policies: PolicyRegistry.builtin.entries.map(\.name))
        let again = try zip(c.seeds, written).map { seed, p in
            let o = try Validation.simulateReplications(s, profile: p, seeds: [seed])[0]
            return Validation.counted(try s.materialize(seed: 0).tasks, sim: o.0).map { o.0.taskFinish[$0] }.max() ?? .nan
        }
        #expect(again == c.sim.makespans)
    }
}
