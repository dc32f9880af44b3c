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
        BadCase(replace: "seed: 7", with: "sede: 7", expected: "bad.yaml:3:1: sede: unknown key `sede`; did you mean `seed`? (expected one of: version, name, seed, seeds, replications, duration, heartbeat_timeout, regions, edge_sites, clusters, pools, device_classes, availability, fleet_total, fleet, network, workloads, tenants, trust, speculation, policies, outputs, calibration, storage, targets, sizing, sweep)"),
        BadCase(replace: "version: 1", with: "version: 2", expected: "bad.yaml:1:10: version: schema version 2 is not supported; expected 1"),
        BadCase(replace: "region: eu, count", with: "region: mars, count", expected: "bad.yaml:8:31: fleet[0].region: unknown region `mars` (expected one of: eu)"),
        BadCase(replace: "policies: [random]", with: "", expected: "bad.yaml:1:1: missing `policies`"),
        BadCase(replace: "  - { name: eu, utc_offset: 1 }", with: "  - { name: eu, utc_offset: 1 ", expected: "bad.yaml:7:6: malformed YAML: did not find expected ',' or '}'"),
        BadCase(replace: "duration: 2h", with: "duration: 2", expected: "bad.yaml:4:11: duration: \"2\" is not a duration: a unit is required after \"2\"; expected a number and one of ns, µs, ms, s, min, h, d, w (e.g. \"90s\", \"1h30m\")"),
        BadCase(replace: "duration: 2h", with: "duration: 2 parsecs", expected: "bad.yaml:4:11: duration: \"2 parsecs\" is not a duration: expected a number and one of ns, µs, ms, s, min, h, d, w (e.g. \"90s\", \"1h30m\")"),
        BadCase(replace: "duration: 2h", with: "duration: 0s", expected: "bad.yaml:4:11: duration: expected a positive duration, found `0s`"),
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
        BadCase(replace: "work: { seconds: 10s }", with: "work: { minutes: 10 }", expected: "bad.yaml:12:15: workloads[0].bag.work.minutes: unknown key `minutes` (expected one of: seconds, gemm, conv2d, attention, elementwise, reduction, transformer_block, resnet_block, mlp, sequence)"),
        BadCase(replace: "tasks: 5", with: "taks: 5", expected: "bad.yaml:11:7: workloads[0].bag.taks: unknown key `taks`; did you mean `tasks`? (expected one of: tasks, work, input, output, replicas, quorum, release, tenant, data_region, residency, private, pod, input_object)"),
        BadCase(replace: "policies: [random]", with: "policies: []", expected: "bad.yaml:14:11: policies: expected at least one policy"),
        BadCase(replace: "fleet:\n  - { class: desktop, region: eu, count: 10 }", with: "fleet: desktop", expected: "bad.yaml:7:8: fleet: expected a list (lines starting with -), found `desktop`"),
        BadCase(replace: "count: 10", with: "count: 0", expected: "bad.yaml:8:3: fleet: expected at least one device"),
        BadCase(replace: "version: 1\n", with: "", expected: "bad.yaml:1:1: missing `version`"),
        BadCase(replace: "policies: [random]", with: "policies: [random]\nsweep:\n  fleet[0].cont: [1, 2]", expected: "bad.yaml:16:3: sweep.fleet[0].cont: unknown field path: no field `cont` in `fleet[0]`; did you mean `count`? (it has: class, region, count)"),
        BadCase(replace: "policies: [random]", with: "policies: [random]\nsweep:\n  fleet[0].count: []", expected: "bad.yaml:16:19: sweep.fleet[0].count: expected a non-empty list of values"),
        BadCase(replace: "policies: [random]", with: "policies: [random]\nsweep:\n  fleet[0].count: [5, -5]", expected: "bad.yaml:16:23: sweep.fleet[0].count[1]: with fleet[0].count = -5: fleet[0].count: expected a whole number ≥ 0, found `-5`"),
        BadCase(replace: "policies: [random]", with: "policies: [random]\nreplications: 0", expected: "bad.yaml:15:15: replications: expected a whole number ≥ 1, found `0`"),
        BadCase(replace: "seed: 7", with: "seed: 7\nseeds: [1, 2]", expected: "bad.yaml:3:7: seed: give `seed` or `seeds`, not both"),
        BadCase(replace: "policies: [random]", with: "policies: [{ name: random, temperature: 2 }]", expected: "bad.yaml:14:28: policies[0].temperature: unknown key `temperature` (expected one of: name, parameters)"),
        BadCase(replace: "policies: [random]", with: "policies: [{ temperature: 2 }]", expected: "bad.yaml:14:14: policies[0].temperature: unknown key `temperature` (expected one of: name, parameters)"),
        BadCase(replace: "policies: [random]", with: "policies: [{ name: random, parameters: { temperature: 2 } }]", expected: "bad.yaml:14:42: policies[0].parameters.temperature: unknown parameter `temperature`: policy `random` takes no parameters"),
        BadCase(replace: "      input: 1MB", with: "      input: 1MB\n      residency: [eu, mars]", expected: "bad.yaml:14:23: workloads[0].bag.residency[1]: unknown region `mars` (expected one of: eu)"),
        BadCase(replace: "      input: 1MB", with: "      input: 1MB\n      data_region: marz", expected: "bad.yaml:14:20: workloads[0].bag.data_region: unknown region `marz` (expected one of: eu)"),
        BadCase(replace: "      input: 1MB", with: "      input: 1MB\n      tenant: lab-z", expected: "bad.yaml:14:15: workloads[0].bag.tenant: unknown tenant `lab-z` (expected one of: default)"),
        BadCase(replace: "  - { class: desktop, region: eu, count: 10 }", with: "  - { class: desktop, region: eu, count: 10, availability: { model: trace, trace: missing.csv } }", expected: "bad.yaml:8:83: fleet[0].availability.trace: file `missing.csv` not found (looked for missing.csv; paths are relative to the scenario file)"),
        BadCase(replace: "  - { class: desktop, region: eu, count: 10 }", with: "  - { class: desktop, region: eu, count: 10, availability: { model: renewal, on: { law: weibul, shape: 0.5, scale: 1h }, off: { law: exponential, mean: 1h } } }", expected: "bad.yaml:8:89: fleet[0].availability.on.law: unknown law `weibul`; did you mean `weibull`? (expected one of: exponential, weibull, lognormal, gamma, pareto, uniform)"),
        BadCase(replace: "  - { class: desktop, region: eu, count: 10 }", with: "  - { class: desktop, region: eu, count: 10, availability: { model: renewal, on: { law: pareto, shape: 0.9, scale: 1h }, off: { law: exponential, mean: 1h } } }", expected: "bad.yaml:8:82: fleet[0].availability.on: this law has an infinite mean (a pareto needs shape > 1): the long-run ON fraction E[on]/(E[on]+E[off]) and the stationary start are undefined"),
        BadCase(replace: "  - { class: desktop, region: eu, count: 10 }", with: "  - { class: desktop, region: eu, count: 10, availability: { model: renewal, on: { law: weibull, shape: 0.5, mean: 1h }, off: { law: exponential, mean: 1h } } }", expected: "bad.yaml:8:116: fleet[0].availability.on.mean: `mean` does not apply to law `weibull` (it takes: shape, scale)"),
        BadCase(replace: "  - { class: desktop, region: eu, count: 10 }", with: "  - { class: desktop, region: eu, count: 10, availability: { model: renewal, on: { law: exponential, mean: 1h }, off: { law: exponential, mean: 1 } } }", expected: "bad.yaml:8:145: fleet[0].availability.off.mean: \"1\" is not a duration: a unit is required after \"1\"; expected a number and one of ns, µs, ms, s, min, h, d, w (e.g. \"90s\", \"1h30m\")"),
        BadCase(replace: "  - { class: desktop, region: eu, count: 10 }", with: "  - { class: desktop, region: eu, count: 10, availability: { model: renewal, on: { law: exponential, mean: 1h } } }", expected: "bad.yaml:8:60: fleet[0].availability: missing `off` (a renewal model needs `on` and `off` laws)"),
        BadCase(replace: "  - { class: desktop, region: eu, count: 10 }", with: "  - { class: desktop, region: eu, count: 10, availability: { model: always-on, window: { daily: \"23:00-07:00\" } } }", expected: "bad.yaml:8:88: fleet[0].availability.window: `window` does not apply to model `always-on` (it takes: model)"),
        BadCase(replace: "  - { class: desktop, region: eu, count: 10 }", with: "  - { class: desktop, region: eu, count: 10, availability: { model: renewal, on: { law: exponential, mean: 1h }, off: { law: exponential, mean: 1h }, window: { daily: \"25:00-07:00\" } } }", expected: "bad.yaml:8:168: fleet[0].availability.window.daily: expected `HH:MM-HH:MM` (e.g. `23:00-07:00`), found `25:00-07:00`"),
        BadCase(replace: "  - { class: desktop, region: eu, count: 10 }", with: "  - { class: desktop, region: eu, fraction: 0.5 }", expected: "bad.yaml:8:45: fleet[0].fraction: a `fraction` needs `fleet_total` at the top level"),
        BadCase(replace: "  - { class: desktop, region: eu, count: 10 }", with: "  - { class: desktop, region: eu, count: 10, site: shop }", expected: "bad.yaml:8:52: fleet[0].site: unknown edge site `shop` (the scenario defines none)"),
        BadCase(replace: "fleet:\n", with: "device_classes:\n  - { name: box, cpu: 1 TFLOPS/s, cores: 4, memory: 8GiB, idle_power: 5W, busy_power: 20W, downlink: 1Gbit/s, uplink: 1Gbit/s }\nfleet:\n", expected: "bad.yaml:8:23: device_classes[0].cpu: \"1 TFLOPS/s\" is not a compute rate: unknown unit \"TFLOPS/s\" (did you mean \"TFLOP/s\"?); expected a number and one of FLOP/s, kFLOP/s, MFLOP/s, GFLOP/s, TFLOP/s, PFLOP/s, EFLOP/s (or FLOPS, kFLOPS, …) (e.g. \"19.5TFLOP/s\", \"1.5 TFLOPS\")"),
        BadCase(replace: "fleet:\n", with: "device_classes:\n  - { name: box, cpu: 1 TFLOP/s, cores: 4, memory: 8GiB, idle_power: 5W, busy_power: 20W, downlink: 1Gbit/s }\nfleet:\n", expected: "bad.yaml:8:5: device_classes[0]: missing `uplink` (a class without `base` gives it)"),
        BadCase(replace: "fleet:\n", with: "device_classes:\n  - { name: phone, cpu: 1 TFLOP/s }\nfleet:\n", expected: "bad.yaml:8:13: device_classes[0].name: class `phone` already exists (a built-in class); give it another name, or use `base: phone`"),
        BadCase(replace: "fleet:\n", with: "network: { rtt_file: rtt.csv }\nfleet:\n", expected: "bad.yaml:7:22: network.rtt_file: file `rtt.csv` not found (looked for rtt.csv; paths are relative to the scenario file)"),
        BadCase(replace: "fleet:\n", with: "network: { model: mesh }\nfleet:\n", expected: "bad.yaml:7:19: network.model: unknown network model `mesh` (expected one of: latency, flows)"),
        BadCase(replace: "fleet:\n", with: "network: { jitter: { law: exponential, mean: 5 } }\nfleet:\n", expected: "bad.yaml:7:46: network.jitter.mean: \"5\" is not a duration: a unit is required after \"5\"; expected a number and one of ns, µs, ms, s, min, h, d, w (e.g. \"90s\", \"1h30m\")"),
        BadCase(replace: "fleet:\n", with: "trust: { validation: quorum, adversaries: 1.5 }\nfleet:\n", expected: "bad.yaml:7:43: trust.adversaries: expected a number in 0…1, found 1.5"),
        BadCase(replace: "fleet:\n", with: "trust: { validation: quorum, spot_check: 0.2 }\nfleet:\n", expected: "bad.yaml:7:42: trust.spot_check: `spot_check` applies to validation spot-check or credibility, not `quorum`"),
        BadCase(replace: "fleet:\n", with: "trust: { validation: voting }\nfleet:\n", expected: "bad.yaml:7:22: trust.validation: unknown validation `voting` (expected one of: none, quorum, spot-check, credibility)"),
        BadCase(replace: "count: 10 }", with: "count: 10, lend_to: [default] }", expected: "bad.yaml:8:55: fleet[0].lend_to: `lend_to` needs an `owner`: only lent devices can be restricted"),
        BadCase(replace: "count: 10 }", with: "count: 10, owner: alice }", expected: "bad.yaml:8:53: fleet[0].owner: unknown tenant `alice` (expected one of: default)"),
        BadCase(replace: "fleet:\n", with: "speculation: sometimes\nfleet:\n", expected: "bad.yaml:7:14: speculation: expected `off` or a mapping with slowdown and check_every, found `sometimes`"),
        BadCase(replace: "  - bag:", with: "  - requests: { rate: 2, count: 10, work: { seconds: 1s } }\n  - bag:", expected: "bad.yaml:10:23: workloads[0].requests.rate: \"2\" is not a rate: expected a number, `/` and one of s, min, h, d (e.g. \"2/s\", \"30/min\")"),
        BadCase(replace: "  - bag:", with: "  - training: { rounds: 2, workers: 4, wait_for: 5, step: { gemm: { m: 8, n: 8, k: 8 } }, gradient: 1MB }\n  - bag:", expected: "bad.yaml:10:50: workloads[0].training.wait_for: wait_for 5 exceeds workers 4"),
        BadCase(replace: "  - bag:", with: "  - pipeline: { rate: 1/s, requests: 5, stages: 2, stage: { seconds: 1s } }\n  - bag:", expected: "bad.yaml:10:59: workloads[0].pipeline.stage: expected a kernel (`gemm`, `conv2d`, `attention`, `elementwise`, `reduction`, a layer preset or a `sequence`), not fixed seconds"),
        BadCase(replace: "  - bag:", with: "  - dag: { tasks: [{ name: a, work: { seconds: 1s } }, { name: b, after: [c], work: { seconds: 1s } }] }\n  - bag:", expected: "bad.yaml:10:75: workloads[0].dag.tasks[1].after[0]: unknown task `c`; did you mean `a`? (a task's parents are listed before it: a)"),
        BadCase(replace: "  - bag:", with: "  - federated: { rounds: 2, clients: 4, min_reporting: 6, work: { seconds: 1s }, model: 1MB }\n  - bag:", expected: "bad.yaml:10:56: workloads[0].federated.min_reporting: min_reporting 6 exceeds clients 4"),
        BadCase(replace: "  - bag:", with: "  - traced_requests: { file: nowhere.csv, work: { seconds: 1s } }\n  - bag:", expected: "bad.yaml:10:30: workloads[0].traced_requests.file: file `nowhere.csv` not found (looked for nowhere.csv; paths are relative to the scenario file)"),
        BadCase(replace: "duration: 2h", with: "duration: 1000000w", expected: "bad.yaml:4:11: duration: \"1000000w\" is too long: simulated time holds at most 9e9 s (285 years)"),
        BadCase(replace: "  - bag:", with: "  - requests: { rate: 1/d, count: 100000, work: { seconds: 1s } }\n  - bag:", expected: "bad.yaml:10:23: workloads[0].requests.rate: 100000 arrivals at 1/d would span about 8640000000 s; expected at most 1e9 s (a higher rate or fewer arrivals)"),
        BadCase(replace: "  - { class: desktop, region: eu, count: 10 }", with: "  - { class: desktop, region: eu, count: 10, availability: { model: renewal, on: { law: exponential, mean: 1h }, off: { law: exponential, mean: 1h }, window: { off_work: \"00:00-17:00\" } } }", expected: "bad.yaml:8:171: fleet[0].availability.window.off_work: expected working hours inside a day, start before end (e.g. `09:00-17:00`), found `00:00-17:00`"),
        BadCase(replace: "policies: [random]", with: "policies: [random]\ncalibration: profiles/mine.json", expected: "bad.yaml:15:14: calibration: file `profiles/mine.json` not found (looked for profiles/mine.json; paths are relative to the scenario file)"),
        BadCase(replace: "policies: [random]", with: "policies: [random]\noutputs: { timeline_interval: 0s }", expected: "bad.yaml:15:31: outputs.timeline_interval: expected a positive duration, found `0s`"),
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

    @Test("`calibration` names a profile: kernel durations come from its measurements, and a bad profile is refused")
    func calibration() throws {
        let profile = shipped("results/calibration/2-core-x86_64-debian-12.json")
        let text = goodScenario.replacingOccurrences(of: "work: { seconds: 10s }", with: "work: { gemm: { m: 1024, n: 1024, k: 1024 } }")
        let plain = try Scenario.parse(text: text, file: "tiny.yaml", policies: policyNames)
        let calibrated = try Scenario.parse(text: text + "\ncalibration: \(profile)", file: "tiny.yaml", policies: policyNames, allowedPaths: ["/"])
        #expect(plain.calibration == nil && calibrated.calibration?.path == profile)
        let gemm = TensorKernel.gemm(m: 1024, n: 1024, k: 1024, dtype: .fp32)
        let model = CalibratedCostModel(profile: try DeviceProfile.read(path: profile))
        let desktop = calibrated.classes.first { $0.name == "desktop" }!
        let expected = model.duration(of: gemm, on: desktop, processor: .cpu)
        let got = calibrated.configuration(seed: 1).costModel.duration(of: gemm, on: desktop, processor: .cpu)
        #expect(expected != nil && got == expected)
        #expect(got != plain.configuration(seed: 1).costModel.duration(of: gemm, on: desktop, processor: .cpu))
        // The explained form keeps it, so it re-parses to the same model.
        #expect(calibrated.explained.contains("calibration: \(profile)"))

        let broken = FileManager.default.temporaryDirectory.appendingPathComponent("swarmlab-profile-\(getpid()).json").path
        try "{ \"schema\": 1 }".write(toFile: broken, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: broken) }
        #expect {
            try Scenario.parse(text: goodScenario + "\ncalibration: \(broken)", file: "tiny.yaml", policies: policyNames, allowedPaths: ["/"])
        } throws: { error in
            "\(error)".contains("calibration: cannot use the calibration profile: \(broken)")
        }
    }

    @Test("a cluster's nodes are always on unless the cluster gives an availability; a phone cluster loses no work to churn")
    func clustersAlwaysOn() throws {
        let text = goodScenario.replacingOccurrences(of: "fleet:\n", with: """
        clusters:
          - { name: farm, region: eu, nodes: 4, class: phone }
          - { name: flaky, region: eu, nodes: 4, class: desktop, availability: { model: renewal, on: { law: exponential, mean: 1h }, off: { law: exponential, mean: 1h } } }
        fleet:

        """)
        let s = try Scenario.parse(text: text, file: "clusters.yaml", policies: policyNames)
        let farm = try #require(s.classes.first { $0.name == "phone@farm" })
        let flaky = try #require(s.classes.first { $0.name == "desktop@flaky" })
        func alwaysOn(_ c: DeviceClass?) -> Bool { if case .alwaysOn? = c?.availability.source { return true }; return false }
        #expect(alwaysOn(farm), "not the phone class's own churn")
        #expect(!alwaysOn(flaky))
        #expect(s.explained.contains("always-on"))
        let again = try Scenario.parse(text: s.explained, file: "explained.yaml", policies: policyNames)
        #expect(alwaysOn(again.classes.first { $0.name == "phone@farm" }))
    }

    @Test("an edge site makes `flows` the default network model; with `latency` written out, a site is refused: it would have no effect")
    func siteNeedsFlows() throws {
        let text = goodScenario
            .replacingOccurrences(of: "fleet:\n", with: "edge_sites:\n  - { name: shop, region: eu, backhaul: 100Mbit/s }\nfleet:\n")
            .replacingOccurrences(of: "{ class: desktop, region: eu, count: 10 }", with: "{ class: desktop, region: eu, count: 10, site: shop }")
        let byDefault = try Scenario.parse(text: text, file: "site.yaml", policies: policyNames)
        #expect(byDefault.network.model == .flows)
        #expect(byDefault.explained.contains("model: flows"), "the default chosen is written out")
        let latency = text.replacingOccurrences(of: "policies:", with: "network: { model: latency }\npolicies:")
        #expect {
            _ = try Scenario.parse(text: latency, file: "site.yaml", policies: policyNames)
        } throws: { error in
            "\(error)".contains("fleet[0].site: edge site `shop` has no effect with the `latency` network model")
        }
    }

    @Test("a region's `wan` written out makes `flows` the default; without shared links the default stays `latency`")
    func sharedLinksMakeFlowsTheDefault() throws {
        #expect(try Scenario.parse(text: goodScenario, file: "plain.yaml", policies: policyNames).network.model == .latency)
        let wan = goodScenario.replacingOccurrences(of: "{ name: eu", with: "{ name: eu, wan: 1Gbit/s")
        #expect(wan != goodScenario)
        let s = try Scenario.parse(text: wan, file: "wan.yaml", policies: policyNames)
        #expect(s.network.model == .flows)
        #expect(try Scenario.parse(text: s.explained, file: "explained.yaml", policies: policyNames).network.model == .flows)
        let latency = wan.replacingOccurrences(of: "policies:", with: "network: { model: latency }\npolicies:")
        #expect(try Scenario.parse(text: latency, file: "wan.yaml", policies: policyNames).network.model == .latency)
    }

    @Test("`private: true` marks a workload's tasks as never leaving its tenant's devices")
    func privateWorkload() throws {
        let text = goodScenario.replacingOccurrences(of: "      input: 1MB\n", with: "      input: 1MB\n      private: true\n")
        let s = try Scenario.parse(text: text, file: "private.yaml", policies: policyNames)
        var tasks = TaskTable()
        s.workloads[0].generate(into: &tasks, job: 0, streams: .init(seed: 1))
        #expect(tasks.count == 5 && tasks.privateData.allSatisfy { $0 })
        var plain = TaskTable()
        try Scenario.parse(text: goodScenario, file: "tiny.yaml", policies: policyNames).workloads[0].generate(into: &plain, job: 0, streams: .init(seed: 1))
        #expect(plain.privateData.allSatisfy { !$0 })
    }
}
