import Foundation
import Testing
import SwarmLab
import SwarmResults
import SwarmScenario

@Suite("Running scenarios")
struct ScenarioRunTests {
    static let text = """
    version: 1
    name: determinism
    seed: 3
    duration: 12h
    regions:
      - { name: eu, utc_offset: 1 }
      - { name: us, utc_offset: -5 }
    fleet:
      - { class: desktop, region: eu, count: 300 }
      - { class: phone, region: us, count: 300 }
    workloads:
      - bag:
          tasks: 2000
          work: { gemm: { m: 2048, n: 2048, k: 2048 } }
          input: 50MB
          output: 10MB
      - requests:
          rate: 0.5/s
          count: 500
          work: { seconds: 2s }
          slo: 30s
    policies: [random, availability-aware]
    """

    func runOnce() throws -> (ResultsReader, String) {
        let s = try Scenario.parse(text: Self.text, file: "determinism.yaml", policies: ["random", "availability-aware"])
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("swarmlab-\(getpid())-\(UUID().uuidString).h5").path
        let results = try ScenarioRunner.run(s, resultsPath: path)
        #expect(results.count == 2 && results.allSatisfy { $0.metrics.tasksDone == 2_500 })
        return (try ResultsReader(path: path), path)
    }

    @Test("tasks no device can hold are reported by check and by the run summary, never left waiting")
    func unplaceableReported() throws {
        let text = """
        version: 1
        name: too-big
        duration: 1h
        regions:
          - { name: lab }
        device_classes:
          - { name: small, cpu: 10GFLOP/s, cores: 1, memory: 1MB, idle_power: 1W, busy_power: 2W,
              downlink: 1Gbit/s, uplink: 1Gbit/s, access_latency: 1ms }
        fleet:
          - { class: small, region: lab, count: 2 }
        workloads:
          - bag: { tasks: 3, work: { gemm: { m: 16384, n: 16384, k: 16384 } } }
          - bag: { tasks: 2, work: { gemm: { m: 32, n: 32, k: 32 } } }
        policies: [least-loaded]
        """
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("swarmlab-\(getpid())-too-big.yaml").path
        try text.write(toFile: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: file) }
        let check = try ScenarioRunner.checkFile(file)
        #expect(check.contains("workloads[0]: 3 tasks need 3.0 GiB in memory"), "\(check)")
        let s = try Scenario.parse(text: text, file: file, policies: ["least-loaded"])
        let results = try ScenarioRunner.run(s, resultsPath: nil)
        #expect(results[0].finished && results[0].metrics.tasksUnplaceable == 3 && results[0].metrics.tasksDone == 2)
        #expect(ScenarioRunner.summary(results).contains("warning: 3 tasks need more memory than any device"))
    }

    @Test("same scenario and seed give byte-identical tables, run after run")
    func deterministic() throws {
        let (a, pa) = try runOnce(), (b, pb) = try runOnce()
        defer { try? FileManager.default.removeItem(atPath: pa); try? FileManager.default.removeItem(atPath: pb) }
        #expect(a.children().map(\.name) == ["availability-aware", "random"])
        for policy in ["random", "availability-aware"] {
            let tables = a.children(of: policy).map(\.name)
            #expect(tables == ["access", "devices", "jobs", "summary", "tasks", "tenants", "timeline"])
            for table in tables {
                let x = try a.rawTable("\(policy)/\(table)"), y = try b.rawTable("\(policy)/\(table)")
                #expect(x.bytes == y.bytes, "\(policy)/\(table) differs between runs")
                #expect(!x.bytes.isEmpty)
            }
        }
        // And the two policies really differ (the comparison is not vacuous).
        #expect(try a.column("random/tasks", "end") != a.column("availability-aware/tasks", "end"))
        #expect(a.string("scenario") == Self.text)
        #expect(a.string("scenario_name") == "determinism" && a.number("seed") == 3)
        #expect(a.string("calibration_profile") == "none")
        #expect(a.string("git_commit").map { $0 == "unknown" || $0.prefix(40).allSatisfy(\.isHexDigit) } == true)
        #expect((a.number("wall_time") ?? 0) > 0)
        // Workload kinds are named as the scenario file spells them (not the parser's wrapper type).
        #expect(a.attribute("kind_names", on: "/random/jobs") == .strings(["bag", "requests"]))
    }

    @Test("a scenario naming a calibration profile is costed by it and says so in its results")
    func calibratedRun() throws {
        let profile = repositoryRoot.appendingPathComponent("results/calibration/2-core-x86_64-debian-12.json").path
        // cloud-vm has no GPU: every GEMM runs on a CPU, where the calibration applies.
        let text = Self.text.replacingOccurrences(of: "policies: [random, availability-aware]", with: "policies: [random]")
            .replacingOccurrences(of: "class: desktop", with: "class: cloud-vm").replacingOccurrences(of: "class: phone", with: "class: cloud-vm")
        let plain = try Scenario.parse(text: text, file: "plain.yaml", policies: ["random"])
        let calibrated = try Scenario.parse(text: text + "\ncalibration: \(profile)", file: "calibrated.yaml", policies: ["random"], allowedPaths: ["/"])
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("swarmlab-cal-\(getpid())-\(UUID().uuidString).h5").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let a = try ScenarioRunner.run(plain, resultsPath: nil)[0], b = try ScenarioRunner.run(calibrated, resultsPath: path)[0]
        #expect(a.metrics.tasksDone == 2_500 && b.metrics.tasksDone == 2_500)
        // The 2048³ GEMMs take this machine's measured time instead of the data sheets' roofline.
        #expect(a.metrics.busySeconds != b.metrics.busySeconds)
        #expect(try ResultsReader(path: path).string("calibration_profile") == profile)
    }
}
