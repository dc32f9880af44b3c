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

    @Test("same scenario and seed give identical results, run after run")
    func deterministic() throws {
        let (a, pa) = try runOnce(), (b, pb) = try runOnce()
        defer { try? FileManager.default.removeItem(atPath: pa); try? FileManager.default.removeItem(atPath: pb) }
        for policy in ["random", "availability-aware"] {
            for field in ["finish", "attempts", "arrival"] {
                let x = try a.column("\(policy)/tasks", field), y = try b.column("\(policy)/tasks", field)
                #expect(x == y, "\(policy)/tasks.\(field) differs between runs")
            }
            #expect(try a.column("\(policy)/devices", "attempts_lost") == b.column("\(policy)/devices", "attempts_lost"))
        }
        // And the two policies really differ (the comparison is not vacuous).
        #expect(try a.column("random/tasks", "finish") != a.column("availability-aware/tasks", "finish"))
        #expect(a.string("scenario") == Self.text)
    }
}
