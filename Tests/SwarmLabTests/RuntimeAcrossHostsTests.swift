import Foundation
import Testing
import SwarmLab
import SwarmRuntime

/// The reference runtime across hosts, on the one-node Slurm of `scripts/slurm-local`
/// (started and stopped by each test, like the Slurm sweep test; a Slurm that cannot be
/// started fails the test with the reason): workers as `srun` steps of an allocation,
/// connecting over TCP to the coordinator's `--listen` address with the same HMAC protocol,
/// their keys in 0600 files, churn delivered through `srun`.
@Suite("The runtime across hosts, workers as Slurm steps", .serialized)
struct RuntimeAcrossHostsTests {
    /// A small validation scenario without churn: two devices at a fifth of the reference
    /// speed, 12 GEMMs of 1536³ (val-homogeneous-bag with fewer tasks, ≈ 2 s of makespan).
    static let bag = """
    version: 1
    name: hosts-bag
    seed: 3
    duration: 10min
    heartbeat_timeout: 2s
    regions:
      - { name: lab }
    device_classes:
      - { name: reference, cpu: 100GFLOP/s, cores: 1, memory: 4GiB, idle_power: 5W, busy_power: 15W,
          downlink: 1Gbit/s, uplink: 1Gbit/s, access_latency: 1ms }
      - { name: fifth, base: reference, cpu: 20GFLOP/s }
    fleet:
      - { class: fifth, region: lab, count: 2 }
    workloads:
      - bag: { tasks: 12, work: { gemm: { m: 1536, n: 1536, k: 1536 } }, input: 1MB, output: 1MB }
    policies: [least-loaded]
    """

    /// The validation band: `docs/validation.md`'s verdict `agree` allows the simulator an
    /// error of the means of at most 8% against reality.
    static let validationBand = 0.08

    /// Validations per side (one replication each, the sides alternating).
    static let pairs = 3

    @Test("a validation scenario whose workers run as Slurm steps gives the makespans of local spawn, within the validation band")
    func validateUnderSrun() throws {
        try ClusterTestSupport.withLocalSlurm {
            let (dir, _) = try ClusterTestSupport.folder("hosts")
            defer { try? FileManager.default.removeItem(atPath: dir) }
            let scenario = dir + "/hosts-bag.yaml"
            try Self.bag.write(toFile: scenario, atomically: true, encoding: .utf8)
            let binary = repositoryRoot.appendingPathComponent(".build/debug/swarmlab").path
            let profile = try ProfileForThisMachine.write(into: dir)
            let common = ["validate", scenario, "--replications", "1", "--profile", profile, "--no-remeasure",
                          "--results", "none", "--json"]
            // Inside an allocation (salloc runs the command here with SLURM_JOB_ID set): every
            // worker an `srun` step; the coordinator listens on this machine's name.
            let keys = dir + "/keys"
            let underSlurm = ["--nodes=1", "--job-name=swarmlab-hosts-test", binary] + common
                + ["--launcher", "srun", "--listen", TCPAddress.hostName() + ":0", "--key-directory", keys]
            // Pairs run alternately, local then srun, so that a change in the shared machine's
            // load over the test falls on both sides alike.
            var localReal: [Double] = [], slurmReal: [Double] = []
            var localSeconds = 0.0, slurmSeconds = 0.0
            for _ in 0..<Self.pairs {
                let t0 = Date()
                let local = try ClusterTestSupport.run(binary, common)
                localSeconds += Date().timeIntervalSince(t0)
                try #require(local.status == 0, "local validate: \(local.stderr)")
                let t1 = Date()
                let slurm = try ClusterTestSupport.run("/usr/bin/salloc", underSlurm)
                slurmSeconds += Date().timeIntervalSince(t1)
                try #require(slurm.status == 0, "validate --launcher srun under salloc: \(slurm.stderr)")
                localReal += try Self.realMakespans(local.stdout)
                slurmReal += try Self.realMakespans(slurm.stdout)
            }
            try #require(localReal.count == Self.pairs && slurmReal.count == Self.pairs)
            let mean = { (x: [Double]) in x.reduce(0, +) / Double(x.count) }
            // Both sides run the same plan (same seed, same draws) on the same machine; only the
            // way workers start differs, and both count time from their first assignment. So the
            // srun side must agree with local spawn at least as well as the simulator must agree
            // with reality: its mean makespan within the validation band of local spawn's.
            // On a machine other tests are loading (`make test` runs suites in parallel), two
            // local runs of the same plan differ by more than the band: then the band cannot be
            // resolved, and the tolerance is the local runs' own spread (max − min over mean) —
            // still failing when srun is off by more than the machine's noise.
            let error = abs(mean(slurmReal) - mean(localReal)) / mean(localReal)
            let noise = ((localReal.max() ?? 0) - (localReal.min() ?? 0)) / mean(localReal)
            let tolerance = max(Self.validationBand, noise)
            print(String(format: "runtime across hosts: real makespans local %@ s, srun %@ s; error of means %.1f%% (band %.0f%%, local spread %.1f%%); wall %.1f s local, %.1f s under salloc (all runs)",
                         localReal.map { String(format: "%.3f", $0) }.joined(separator: ", "),
                         slurmReal.map { String(format: "%.3f", $0) }.joined(separator: ", "),
                         error * 100, Self.validationBand * 100, noise * 100, localSeconds, slurmSeconds))
            #expect(error <= tolerance, "srun \(slurmReal) against local \(localReal): \(error * 100)% (tolerance \(tolerance * 100)%)")
            // The srun launcher made the run's key folder there, and removed it after the run.
            let left = try FileManager.default.contentsOfDirectory(atPath: keys)
            #expect(left.isEmpty, "key folders left behind: \(left)")
        }
    }

    @Test("pauses, a kill and a restart reach workers running as Slurm steps, as they reach local workers")
    func churnThroughSrun() throws {
        try ClusterTestSupport.withLocalSlurm {
            let (dir, _) = try ClusterTestSupport.folder("hosts-churn")
            defer { try? FileManager.default.removeItem(atPath: dir) }
            let allocation = try ClusterTestSupport.run("/usr/bin/salloc", ["--no-shell", "--nodes=1", "--job-name=swarmlab-hosts-churn"])
            let job = try #require(allocation.stderr.firstMatch(of: /Granted job allocation (\d+)/)?.1, "salloc: \(allocation.stderr)").description
            defer { _ = try? ClusterTestSupport.run("/usr/bin/scancel", [job]) }

            let srun = RuntimeTransport(listen: TCPAddress(host: TCPAddress.hostName(), port: 0),
                                        launcher: .srun(SrunLaunch(jobID: job, nodes: [TCPAddress.hostName()], keyDirectory: dir + "/keys")))
            let local = try ReferenceRuntime.run(Self.churnPlan(), wallLimit: 60)
            let remote = try ReferenceRuntime.run(Self.churnPlan(), wallLimit: 60, transport: srun)
            for (side, report) in [("local", local), ("srun", remote)] {
                let log = report.log.joined(separator: "\n")
                let accepted = report.taskFinish.allSatisfy { $0.isFinite }
                #expect(accepted, "\(side): every task accepted\n\(log)")
                // The coordinator loses the attempt device 1 holds at each stop (the pause at 0.3 s,
                // the kill at 2.4 s): two lost attempts, whatever the signal's path.
                #expect(report.attempts.filter { $0.device == 1 && $0.outcome == .lost }.count == 2, "\(side)\n\(log)")
                // The worker gives the paused attempt up only once it was really stopped and
                // continued (it counts SIGCONTs): the pause and the resume reached it.
                #expect(log.contains("device 1 abandoned attempt"), "\(side): the stop did not reach the worker\n\(log)")
                // The kill closed the worker's connection; the worker was started again.
                #expect(log.contains("device 1 disconnected"), "\(side)\n\(log)")
                #expect(log.contains("device 1 restarted"), "\(side)\n\(log)")
            }
            print(String(format: "churn plan: makespan local %.3f s, srun %.3f s; wall %.2f s local, %.2f s srun",
                         local.makespan, remote.makespan, local.wallSeconds, remote.wallSeconds))
        }
    }

    /// Two devices, eight tasks of 1 s of busy work; device 1 is paused from 0.3 s to 0.9 s
    /// (well inside its first attempt, so the stop lands before that attempt could end even
    /// after Slurm's forwarding), killed at 2.4 s and started again at the end of the pause
    /// beginning then (3.0 s). The heartbeat timeout is 1 s.
    static func churnPlan() throws -> RuntimePlan {
        let fleet = try Fleet(classes: [.desktop], regions: [("local", 0)], mix: [.init(className: "desktop", region: "local", count: 2)])
        var tasks = TaskTable()
        for _ in 0..<8 { _ = tasks.add(work: .seconds(1)) }
        let devices = [EmulatedDevice(), EmulatedDevice(pauses: [(start: 0.3, end: 0.9), (start: 2.4, end: 3.0)], killAt: 2.4)]
        return RuntimePlan(devices: devices, fleet: fleet, tasks: tasks,
                           policy: FastestFirstPolicy(parameters: NoParameters(), context: PolicyContext(streams: RandomStreams(seed: 1))),
                           heartbeatTimeout: 1, timeScale: 1)
    }

    /// The real side's makespans of the first (only) row of `validate --json`.
    static func realMakespans(_ json: String) throws -> [Double] {
        let rows = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [[String: Any]], "not JSON rows: \(json)")
        let real = try #require(rows.first?["real"] as? [String: Any])
        return try #require(real["makespans"] as? [Double])
    }
}
