import Foundation
import Testing
import SwarmModel
@testable import SwarmScenario

let policyNames = ["random", "fastest-first", "availability-aware"]

let goodScenario = """
version: 1
name: tiny
seed: 7
duration: 2h
regions:
  - { name: eu, utc_offset: 1 }
fleet:
  - { class: desktop, region: eu, count: 10 }
workloads:
  - bag:
      tasks: 5
      work: { seconds: 10s }
      input: 1MB
policies: [random]
"""

@Suite("Scenario files")
struct ScenarioFileTests {
    @Test("the shipped quickstart parses")
    func quickstart() throws {
        let s = try Scenario.read(path: shipped("scenarios/quickstart.yaml"), policies: policyNames)
        #expect(s.name == "quickstart")
        #expect(s.fleet.reduce(0) { $0 + $1.count } == 100_000)
        #expect(s.duration == 86_400)
        #expect(s.policies == ["random", "availability-aware"])
    }

    @Test("a small scenario parses into its parts")
    func small() throws {
        let s = try Scenario.parse(text: goodScenario, file: "tiny.yaml", policies: policyNames)
        #expect(s.seed == 7 && s.duration == 7_200 && s.regions.count == 1)
        var tasks = TaskTable()
        s.workloads[0].generate(into: &tasks, job: 0, streams: .init(seed: 1))
        #expect(tasks.count == 5 && tasks.inputBytes[0] == 1e6 && tasks.work[0] == .seconds(10))
    }

    @Test("bad scenarios are refused with file:line:column, the field and what was expected", arguments: [
        (goodScenario.replacingOccurrences(of: "count: 10", with: "count: -3"),
         "bad.yaml:8:42: fleet[0].count: expected a whole number ≥ 0, found `-3`"),
        (goodScenario.replacingOccurrences(of: "class: desktop", with: "class: dekstop"),
         "bad.yaml:8:14: fleet[0].class: unknown device class `dekstop`; did you mean `desktop`? (expected one of: phone, laptop, desktop, edge-box, cloud-vm, gpu-server)"),
        (goodScenario.replacingOccurrences(of: "policies: [random]", with: "policies: [randon]"),
         "bad.yaml:14:12: policies[0]: unknown policy `randon`; did you mean `random`? (expected one of: random, fastest-first, availability-aware)"),
        (goodScenario.replacingOccurrences(of: "seed: 7", with: "sede: 7"),
         "bad.yaml:3:1: sede: unknown key `sede`; did you mean `seed`? (expected one of: version, name, seed, duration, heartbeat_timeout, regions, fleet, workloads, policies)"),
        (goodScenario.replacingOccurrences(of: "version: 1", with: "version: 2"),
         "bad.yaml:1:10: version: schema version 2 is not supported; expected 1"),
        (goodScenario.replacingOccurrences(of: "region: eu, count", with: "region: mars, count"),
         "bad.yaml:8:31: fleet[0].region: unknown region `mars` (expected one of: eu)"),
        (goodScenario.replacingOccurrences(of: "policies: [random]", with: ""),
         "bad.yaml:1:1: missing `policies`"),
        (goodScenario.replacingOccurrences(of: "  - { name: eu, utc_offset: 1 }", with: "  - { name: eu, utc_offset: 1 "),
         "bad.yaml:7:6: malformed YAML: did not find expected ',' or '}'"),
    ])
    func badScenarios(text: String, expected: String) {
        do {
            _ = try Scenario.parse(text: text, file: "bad.yaml", policies: policyNames)
            Issue.record("accepted a bad scenario")
        } catch {
            #expect(error.description.hasPrefix(expected), "got: \(error.description)")
        }
    }
}
