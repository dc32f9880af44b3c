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
        let s = try Scenario.read(path: path, policies: PolicyRegistry.builtin.entries.map(\.name))
        let results = try ScenarioRunner.run(s, resultsPath: nil)
        #expect(results.map(\.policy) == s.policies)
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
}
