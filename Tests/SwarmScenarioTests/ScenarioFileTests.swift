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

    struct BadCase: CustomTestStringConvertible, Sendable {
        let replace: String, with: String, expected: String
        var text: String { goodScenario.replacingOccurrences(of: replace, with: with) }
        var testDescription: String { "\(replace) → \(with)" }
    }

    static let badCases: [BadCase] = [
        BadCase(replace: "count: 10", with: "count: -3", expected: "bad.yaml:8:42: fleet[0].count: expected a whole number ≥ 0, found `-3`"),
        BadCase(replace: "class: desktop", with: "class: dekstop", expected: "bad.yaml:8:14: fleet[0].class: unknown device class `dekstop`; did you mean `desktop`? (expected one of: phone, laptop, desktop, edge-box, cloud-vm, gpu-server)"),
        BadCase(replace: "policies: [random]", with: "policies: [randon]", expected: "bad.yaml:14:12: policies[0]: unknown policy `randon`; did you mean `random`? (expected one of: random, fastest-first, availability-aware)"),
        BadCase(replace: "seed: 7", with: "sede: 7", expected: "bad.yaml:3:1: sede: unknown key `sede`; did you mean `seed`? (expected one of: version, name, seed, seeds, replications, duration, heartbeat_timeout, regions, edge_sites, clusters, device_classes, availability, fleet_total, fleet, network, workloads, tenants, trust, speculation, policies, outputs, sweep)"),
        BadCase(replace: "version: 1", with: "version: 2", expected: "bad.yaml:1:10: version: schema version 2 is not supported; expected 1"),
        BadCase(replace: "region: eu, count", with: "region: mars, count", expected: "bad.yaml:8:31: fleet[0].region: unknown region `mars` (expected one of: eu)"),
        BadCase(replace: "policies: [random]", with: "", expected: "bad.yaml:1:1: missing `policies`"),
        BadCase(replace: "  - { name: eu, utc_offset: 1 }", with: "  - { name: eu, utc_offset: 1 ", expected: "bad.yaml:7:6: malformed YAML: did not find expected ',' or '}'"),
        BadCase(replace: "duration: 2h", with: "duration: 2", expected: "bad.yaml:4:11: duration: \"2\" is not a duration: a unit is required after \"2\"; expected a number and one of ns, µs, ms, s, min, h, d, w (e.g. \"90s\", \"1h30m\")"),
        BadCase(replace: "duration: 2h", with: "duration: 2 parsecs", expected: "bad.yaml:4:11: duration: \"2 parsecs\" is not a duration: expected a number and one of ns, µs, ms, s, min, h, d, w (e.g. \"90s\", \"1h30m\")"),
        BadCase(replace: "duration: 2h", with: "duration: 0s", expected: "bad.yaml:4:11: duration: expected a positive duration"),
        BadCase(replace: "input: 1MB", with: "input: 1mb", expected: "bad.yaml:13:14: workloads[0].bag.input: \"1mb\" is not a data size: unknown unit \"mb\" (did you mean \"MB\"?); expected a number and one of B, kB, MB, GB, TB, PB, KiB, MiB, GiB, TiB, PiB (e.g. \"512MiB\", \"1.5GB\")"),
        BadCase(replace: "input: 1MB", with: "input: -1MB", expected: "bad.yaml:13:14: workloads[0].bag.input: \"-1MB\" is not a data size: the value must not be negative"),
        BadCase(replace: "seed: 7", with: "seed: -7", expected: "bad.yaml:3:7: seed: expected a whole number ≥ 0, found `-7`"),
        BadCase(replace: "name: tiny", with: "name: my run", expected: "bad.yaml:2:7: name: expected a name of letters, digits, - and _ (it names the results file), found `my run`"),
        BadCase(replace: "utc_offset: 1", with: "utc_offset: 15", expected: "bad.yaml:6:29: regions[0].utc_offset: expected hours in −12…14, found 15.0"),
        BadCase(replace: "  - { name: eu, utc_offset: 1 }", with: "  - { name: eu, utc_offset: 1 }\n  - { name: eu }", expected: "bad.yaml:7:13: regions[1].name: region `eu` is listed twice"),
        BadCase(replace: "  - bag:", with: "  - batch:", expected: "bad.yaml:10:5: workloads[0].batch: unknown key `batch` (expected one of: bag, requests, traced_requests, training, federated, pipeline, dag)"),
        BadCase(replace: "tasks: 5", with: "tasks: 5\n      replicas: 2\n      quorum: 3", expected: "bad.yaml:13:15: workloads[0].bag.quorum: quorum 3 exceeds replicas 2"),
        BadCase(replace: "work: { seconds: 10s }", with: "work: { gemm: { m: 64, n: 64 } }", expected: "bad.yaml:12:21: workloads[0].bag.work.gemm: missing `k`"),
        BadCase(replace: "work: { seconds: 10s }", with: "work: { gemm: { m: 64, n: 64, k: 64, dtype: fp8 } }", expected: "bad.yaml:12:51: workloads[0].bag.work.gemm.dtype: unknown dtype `fp8` (expected one of: fp32, fp16, bf16, int8)"),
        BadCase(replace: "work: { seconds: 10s }", with: "work: { minutes: 10 }", expected: "bad.yaml:12:15: workloads[0].bag.work.minutes: unknown key `minutes` (expected one of: seconds, gemm, elementwise)"),
        BadCase(replace: "tasks: 5", with: "taks: 5", expected: "bad.yaml:11:7: workloads[0].bag.taks: unknown key `taks`; did you mean `tasks`? (expected one of: tasks, work, input, output, replicas, quorum, release, tenant, data_region, residency)"),
        BadCase(replace: "policies: [random]", with: "policies: []", expected: "bad.yaml:14:11: policies: expected at least one policy"),
        BadCase(replace: "fleet:\n  - { class: desktop, region: eu, count: 10 }", with: "fleet: desktop", expected: "bad.yaml:7:8: fleet: expected a list (lines starting with -), found `desktop`"),
        BadCase(replace: "count: 10", with: "count: 0", expected: "bad.yaml:8:3: fleet: expected at least one device"),
        BadCase(replace: "version: 1\n", with: "", expected: "bad.yaml:1:1: missing `version`"),
        BadCase(replace: "policies: [random]", with: "policies: [random]\nsweep:\n  fleet[0].cont: [1, 2]", expected: "bad.yaml:16:3: sweep.fleet[0].cont: unknown field path: no field `cont` in `fleet[0]`; did you mean `count`? (it has: class, region, count)"),
        BadCase(replace: "policies: [random]", with: "policies: [random]\nsweep:\n  fleet[0].count: []", expected: "bad.yaml:16:19: sweep.fleet[0].count: expected a non-empty list of values"),
        BadCase(replace: "policies: [random]", with: "policies: [random]\nsweep:\n  fleet[0].count: [5, -5]", expected: "bad.yaml:16:23: sweep.fleet[0].count[1]: with fleet[0].count = -5: fleet[0].count: expected a whole number ≥ 0, found `-5`"),
        BadCase(replace: "policies: [random]", with: "policies: [random]\nreplications: 0", expected: "bad.yaml:15:15: replications: expected a whole number ≥ 1, found `0`"),
        BadCase(replace: "seed: 7", with: "seed: 7\nseeds: [1, 2]", expected: "bad.yaml:3:7: seed: give `seed` or `seeds`, not both"),
    ]

    @Test("bad scenarios are refused with file:line:column, the field and what was expected", arguments: badCases)
    func badScenarios(_ c: BadCase) {
        #expect(c.text != goodScenario, "the case must change the file")
        let expected = c.expected
        do {
            _ = try Scenario.parse(text: c.text, file: "bad.yaml", policies: policyNames)
            Issue.record("accepted a bad scenario")
        } catch {
            #expect(error.description == expected)
        }
    }
}
