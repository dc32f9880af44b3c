import Foundation
import Testing
import SwarmLab
import SwarmScenario
import SwarmModel

/// The example scenarios, as run by the simulator, and `swarmlab check` on files.
@Suite("Scenario files run")
struct ScenarioFilesRunTests {
    static let examples: [String] = {
        let dir = repositoryRoot.appendingPathComponent("scenarios/examples").path
        return ((try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []).filter { $0.hasSuffix(".yaml") }.sorted()
    }()

    @Test("every example runs under each of its policies and gets work done", arguments: examples)
    func exampleRuns(_ name: String) throws {
        let path = repositoryRoot.appendingPathComponent("scenarios/examples/\(name)").path
        var s = try Scenario.read(path: path, policies: PolicyRegistry.builtin.entries.map(\.name))
        if !s.sweep.isEmpty {
            // `run` refuses a grid (it is `swarmlab sweep`'s); its base point runs.
            #expect(throws: (any Error).self) { try ScenarioRunner.run(s, resultsPath: nil) }
            s.sweep = []
        }
        // Every seed runs; two are enough here.
        s.seeds = Array(s.seeds.prefix(2))
        let results = try ScenarioRunner.run(s, resultsPath: nil)
        #expect(results.map(\.policy) == s.policies.flatMap { p in s.seeds.map { _ in p } })
        for r in results {
            #expect(r.tasks == s.taskCount)
            #expect(r.metrics.tasksDone + r.metrics.tasksDropped == r.tasks, "\(r.policy) left tasks unsettled")
            #expect(r.metrics.tasksDone > 0)
        }
    }

    @Test("swarmlab check --explain prints YAML that parses to the same scenario")
    func explain() throws {
        let r = try swarmlab("check", "--explain", "scenarios/examples/edge.yaml")
        #expect(r.status == 0, "stderr: \(r.stderr)")
        let policies = PolicyRegistry.builtin.entries.map(\.name)
        let original = try Scenario.read(path: repositoryRoot.appendingPathComponent("scenarios/examples/edge.yaml").path, policies: policies)
        let again = try Scenario.parse(text: r.stdout, file: "scenarios/examples/edge.yaml", policies: policies)
        #expect(again.explained == original.explained)
        #expect(r.stdout.contains("backhaul: 200Mbit/s") && r.stdout.contains("heartbeat_timeout: 60s"))
        #expect(r.stdout.hasPrefix("# scenarios/examples/edge.yaml, every default filled in; memory: about "))
        // The classes in use, as comments: edge-box with the access links the file set.
        #expect(r.stdout.contains("# edge-box: cpu 144 GFLOP/s, 6 cores, gpu 1.28 TFLOP/s with 8.0 GiB, memory 8.0 GiB, power 7–15 W, links 500/500 Mbit/s, access 2.0ms"))
    }

    @Test("swarmlab check prints the memory estimate, and refuses a fleet larger than the machine")
    func memory() throws {
        let ok = try swarmlab("check", "scenarios/quickstart.yaml")
        #expect(ok.status == 0)
        #expect(ok.stdout.contains("100000 devices") && ok.stdout.contains("memory: about 68 MiB at peak (fleet: 100000 devices × 200 B = 19 MiB"))
        let huge = FileManager.default.temporaryDirectory.appendingPathComponent("swarmlab-huge-\(getpid()).yaml")
        try """
        version: 1
        name: huge
        duration: 1h
        regions: [{ name: eu }]
        fleet: [{ class: phone, region: eu, count: 4_000_000_000 }]
        workloads: [{ bag: { tasks: 10, work: { seconds: 1s } } }]
        policies: random
        """.write(to: huge, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: huge) }
        let r = try swarmlab("check", huge.path)
        #expect(r.status == 69)
        #expect(r.stderr.contains("\(huge.path):1:1: refused: this scenario needs about 745 GiB at peak (fleet: 4000000000 devices × 200 B = 745 GiB"))
        #expect(r.stderr.contains("fleet dominates (745 GiB) — try fewer devices"))
        let run = try swarmlab("run", huge.path, "--output", "none", "--quiet")
        #expect(run.status == 69 && run.stderr.contains("refused"))
    }

    /// What the reference runtime's validation suite needs, in one small file: heterogeneous
    /// speeds and links, latency, churn, replication against an adversary, a DAG and a
    /// federated round with stragglers.
    static let validationNeeds = """
    version: 1
    name: validation-needs
    seed: 5
    duration: 6h
    regions:
      - { name: a, utc_offset: 0 }
      - { name: b, utc_offset: 0 }
    network:
      rtt: [{ from: a, to: b, rtt: 80ms }]
      intra_region_rtt: 2ms
      jitter: { law: uniform, min: 0ms, max: 4ms }
    device_classes:
      - { name: slow, cpu: 20 GFLOP/s, cores: 1, memory: 1GiB, idle_power: 2W, busy_power: 5W, downlink: 20Mbit/s, uplink: 5Mbit/s }
      - { name: fast, cpu: 200 GFLOP/s, cores: 4, memory: 4GiB, idle_power: 5W, busy_power: 30W, downlink: 1Gbit/s, uplink: 1Gbit/s }
      - name: flaky
        base: slow
        availability:
          model: renewal
          on: { law: exponential, mean: 20min }
          off: { law: exponential, mean: 5min }
    fleet:
      - { class: slow, region: a, count: 4 }
      - { class: fast, region: b, count: 4 }
      - { class: flaky, region: a, count: 4 }
    workloads:
      - bag: { tasks: 20, work: { gemm: { m: 512, n: 512, k: 512 } }, input: 4MB, output: 1MB, replicas: 3, quorum: 2, data_region: a }
      - dag:
          tasks:
            - { name: split, work: { seconds: 5s }, output: 8MB }
            - { name: left, after: [split], work: { gemm: { m: 256, n: 256, k: 256 } }, input: 4MB, output: 1MB }
            - { name: right, after: [split], work: { gemm: { m: 256, n: 256, k: 256 } }, input: 4MB, output: 1MB }
            - { name: join, after: [left, right], work: { seconds: 2s }, input: 2MB }
      - federated: { rounds: 1, clients: 6, min_reporting: 4, deadline: 2min, work: { seconds: 30s }, model: 10MB }
    trust: { validation: quorum, adversaries: 0.25, adversary: colluding }
    policies: [random]
    """

    @Test("the validation suite's needs are expressible: speeds, links, latency, churn, adversary, DAG, stragglers")
    func validationNeedsRun() throws {
        let s = try Scenario.parse(text: Self.validationNeeds, file: "validation-needs.yaml", policies: PolicyRegistry.builtin.entries.map(\.name))
        let m = try s.materialize()
        #expect(m.fleet.count == 12 && m.tasks.count == 20 + 4 + 7)
        #expect(m.fleet.deviceClass(0).cpuFlops == 20e9 && m.fleet.deviceClass(4).downlink == 1e9 / 8)
        #expect(m.latency(0, 1) == 0.040 && m.configuration.trust.colluding)
        let r = try ScenarioRunner.run(s, resultsPath: nil)[0]
        #expect(r.metrics.tasksDone + r.metrics.tasksDropped == 31)
        #expect(r.metrics.tasksDone >= 27)
    }

    @Test("the embedded quickstart is the file, and `swarmlab check` finds it from any folder")
    func embeddedQuickstart() throws {
        let file = try String(contentsOf: repositoryRoot.appendingPathComponent(Scenario.quickstartPath), encoding: .utf8)
        #expect(Scenario.quickstartText == file, "copy scenarios/quickstart.yaml into Scenario+Quickstart.swift")
        let p = Process()
        p.executableURL = repositoryRoot.appendingPathComponent(".build/debug/swarmlab")
        p.arguments = ["check", Scenario.quickstartPath]
        p.currentDirectoryURL = FileManager.default.temporaryDirectory
        let out = Pipe()
        p.standardOutput = out
        p.standardError = Pipe()
        try p.run()
        p.waitUntilExit()
        #expect(p.terminationStatus == 0)
        #expect(String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            .hasPrefix("scenarios/quickstart.yaml: ok — quickstart: 3 regions, 100000 devices"))
    }
}
