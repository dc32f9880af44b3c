import Foundation
import Testing
import SwarmKernel
import SwarmModel
@testable import SwarmScenario

/// `pools`: elastic pools in a scenario file (`ScenarioParser+Pools.swift`).
@Suite("Scenario files: elastic pools")
struct PoolScenarioTests {
    static let pool = """
    pools:
      - name: burst
        region: eu
        max: 6
        rule: { queue_per_device: 4 }
        step_up: 2
        billing_granularity: 1min

    """
    static var text: String { goodScenario.replacingOccurrences(of: "workloads:\n", with: pool + "workloads:\n") }

    @Test("a pool's slots follow the fleet, its defaults are filled, and the explained file reads back the same")
    func parses() throws {
        let s = try Scenario.parse(text: Self.text, file: "pool.yaml", policies: policyNames)
        let p = try #require(s.pools.first)
        // 10 desktops first (devices 0…9), then the pool's 6 slots (10…15) of `cloud-vm@burst`.
        #expect(p.firstDevice == 10 && p.devices == 10..<16)
        #expect(s.fleet.last == Fleet.Share(className: "cloud-vm@burst", region: "eu", count: 6))
        #expect(s.deviceCount == 10 + 6)
        #expect(p.minSize == 0 && p.initialSize == 0 && p.maxSize == 6 && p.rule == .queuePerDevice(4))
        #expect(p.stepUp == 2 && p.stepDown == 1)
        #expect(p.cooldown == .seconds(60) && p.evaluationInterval == .seconds(30) && p.provisioningDelay == .seconds(90))
        #expect(p.billingGranularity == .seconds(60))
        #expect(p.pricePerHour == DeviceClass.cloudVM.pricePerHour)
        #expect(try s.materialize().configuration.pools == [p])
        let again = try Scenario.parse(text: s.explained, file: "explained.yaml", policies: policyNames)
        #expect(again.pools == s.pools)
        // The sizing axis: the pool's max, read and set by its field path.
        #expect(s.poolMaxSizes == [6])
        let bigger = try s.with([("pools[0].max", "12")])
        #expect(bigger.poolMaxSizes == [12] && bigger.deviceCount == 10 + 12)
    }

    @Test("a utilisation rule takes a fraction or a percentage")
    func utilisation() throws {
        for (given, expected) in [("0.7", 0.7), ("70%", 0.7), ("1", 1.0)] {
            let text = Self.text.replacingOccurrences(of: "{ queue_per_device: 4 }", with: "{ utilisation: \(given) }")
            let s = try Scenario.parse(text: text, file: "pool.yaml", policies: policyNames)
            #expect(s.pools.first?.rule == .utilisation(expected), "\(given)")
        }
    }

    static let badCases: [(String, String, String)] = [
        ("{ queue_per_device: 4 }", "{ queue_per_device: 4, utilisation: 0.5 }",
         "bad.yaml:13:11: pools[0].rule: expected exactly one of `utilisation` (e.g. 0.7) or `queue_per_device` (e.g. 4), found queue_per_device and utilisation"),
        ("{ queue_per_device: 4 }", "{ utilisation: 1.5 }",
         "bad.yaml:13:26: pools[0].rule.utilisation: expected a target utilisation in (0, 1] (e.g. 0.7 or 70%), found `1.5`"),
        ("{ queue_per_device: 4 }", "{ queue_per_device: 0 }",
         "bad.yaml:13:31: pools[0].rule.queue_per_device: expected tasks per device > 0 (e.g. 4), found `0`"),
        ("{ queue_per_device: 4 }", "{ queue_lenght: 4 }",
         "bad.yaml:13:13: pools[0].rule.queue_lenght: unknown key `queue_lenght` (expected one of: utilisation, queue_per_device)"),
        ("    max: 6\n", "    min: 8\n    max: 6\n",
         "bad.yaml:13:10: pools[0].max: expected `max` ≥ `min` (8), found 6"),
        ("    max: 6\n", "    max: 6\n    initial: 7\n",
         "bad.yaml:13:14: pools[0].initial: expected a size in min…max (0…6), found 7"),
        ("    step_up: 2\n", "    step_up: 2\n    cooldown: 2\n",
         "bad.yaml:15:15: pools[0].cooldown: \"2\" is not a duration: a unit is required after \"2\"; expected a number and one of ns, µs, ms, s, min, h, d, w (e.g. \"90s\", \"1h30m\")"),
        ("    billing_granularity: 1min\n", "    billing_granularity: 0s\n",
         "bad.yaml:15:26: pools[0].billing_granularity: expected a positive duration, found `0s`"),
        ("    region: eu\n", "    region: eu\n    class: clod-vm\n",
         "bad.yaml:12:12: pools[0].class: unknown device class `clod-vm`; did you mean `cloud-vm`? (expected one of: phone, laptop, desktop, edge-box, cloud-vm, gpu-server)"),
        ("    step_up: 2\n", "    step_up: 2\n    stepdown: 2\n",
         "bad.yaml:15:5: pools[0].stepdown: unknown key `stepdown`; did you mean `step_down`? (expected one of: name, region, class, min, max, initial, rule, step_up, step_down, cooldown, evaluate_every, provisioning_delay, billing_granularity)"),
    ]

    @Test("bad pools are refused with file:line:column, the field, and what was expected", arguments: badCases.indices)
    func bad(_ i: Int) {
        let (old, new, expected) = Self.badCases[i]
        let text = Self.text.replacingOccurrences(of: old, with: new)
        #expect(text != Self.text, "the case must change the file")
        do {
            _ = try Scenario.parse(text: text, file: "bad.yaml", policies: policyNames)
            Issue.record("accepted a bad pool")
        } catch {
            #expect(error.description == expected)
        }
    }
}
