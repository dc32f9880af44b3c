import Testing
import SwarmModel
@testable import SwarmScenario

@Suite("Sweeps and replications")
struct SweepTests {
    let swept = goodScenario + """

    replications: 3
    sweep:
      fleet[0].count: [10, 200]
      policies: [random, [random, fastest-first]]
      workloads[0].bag.work: [{ seconds: 30s }]
    """

    @Test("replications default to 1 and give consecutive seeds")
    func replications() throws {
        let plain = try Scenario.parse(text: goodScenario, file: "tiny.yaml", policies: policyNames)
        #expect(plain.replications == 1 && plain.seeds == [7] && plain.sweep.isEmpty)
        let s = try Scenario.parse(text: swept, file: "tiny.yaml", policies: policyNames)
        #expect(s.replications == 3 && s.seeds == [7, 8, 9])
    }

    @Test("`seeds` lists the runs' seeds")
    func seeds() throws {
        let s = try Scenario.parse(text: goodScenario.replacingOccurrences(of: "seed: 7", with: "seeds: [3, 5]"),
                                   file: "tiny.yaml", policies: policyNames)
        #expect(s.seeds == [3, 5] && s.replications == 2 && s.seed == 3)
    }

    @Test("sweep axes keep their paths and values as YAML text, in file order")
    func axes() throws {
        let s = try Scenario.parse(text: swept, file: "tiny.yaml", policies: policyNames)
        #expect(s.sweep == [SweepAxis(path: "fleet[0].count", values: ["10", "200"]),
                            SweepAxis(path: "policies", values: ["random", "[random, fastest-first]"]),
                            SweepAxis(path: "workloads[0].bag.work", values: ["{seconds: 30s}"])])
    }

    @Test("with(_:) substitutes values and re-parses a complete scenario without its sweep")
    func with() throws {
        let s = try Scenario.parse(text: swept, file: "tiny.yaml", policies: policyNames)
        let run = try s.with([("fleet[0].count", "200"), ("policies", "[fastest-first]"), ("seed", "11")])
        #expect(run.fleet[0].count == 200 && run.policies == ["fastest-first"] && run.seed == 11)
        #expect(run.sweep.isEmpty && !run.text.contains("sweep"))
        #expect(run.replications == 3)
        let again = try Scenario.parse(text: run.text, file: "run.yaml", policies: policyNames)
        #expect(again.fleet[0].count == 200 && again.policies == ["fastest-first"])
        var tasks = TaskTable()
        let w = try s.with([("workloads[0].bag.work", "{ seconds: 30s }")])
        w.workloads[0].generate(into: &tasks, job: 0, streams: .init(seed: 1))
        #expect(tasks.work[0] == .seconds(30))
    }

    @Test("with(_:) names a bad value and an unknown path")
    func withErrors() throws {
        let s = try Scenario.parse(text: goodScenario, file: "tiny.yaml", policies: policyNames)
        do {
            _ = try s.with([("fleet[0].count", "-1")])
            Issue.record("accepted a negative count")
        } catch {
            #expect(error.description == "tiny.yaml: fleet[0].count: expected a whole number ≥ 0, found `-1` (with fleet[0].count=-1)")
        }
        do {
            _ = try s.with([("fleet[0].cuont", "5")])
            Issue.record("accepted an unknown path")
        } catch {
            #expect(error.description == "tiny.yaml: fleet[0].cuont: unknown field path: no field `cuont` in `fleet[0]`; did you mean `count`? (it has: class, region, count)")
        }
        do {
            _ = try s.with([("fleet[3].count", "5")])
            Issue.record("accepted an index out of range")
        } catch {
            #expect(error.message == "unknown field path: `fleet` has 1 entries; index 3 is out of range")
        }
    }

    @Test("a swept scenario's explained form keeps the sweep and parses to the same scenario")
    func explainedSweep() throws {
        let s = try Scenario.parse(text: swept, file: "tiny.yaml", policies: policyNames)
        #expect(s.explained.contains("sweep:"))
        let again = try Scenario.parse(text: s.explained, file: "tiny.yaml", policies: policyNames)
        #expect(again.sweep == s.sweep && again.explained == s.explained && again.replications == 3)
    }

    @Test("any field of the document can be swept, including defaults written out and sections")
    func anyField() throws {
        let text = goodScenario + "\nnetwork: { default_rtt: 80ms }\nsweep:\n  network.default_rtt: [20ms, 200ms]\n  workloads[0].bag.tasks: [1, 50]\n"
        let s = try Scenario.parse(text: text, file: "tiny.yaml", policies: policyNames)
        let run = try s.with([("network.default_rtt", "200ms"), ("workloads[0].bag.tasks", "50"), ("trust", "{ validation: none }")])
        #expect(run.taskCount == 50 && run.trust.validation == .none)
        // One region: the default RTT is the only off-diagonal… there is none; the value is still checked.
        #expect(throws: ScenarioError.self) { try s.with([("network.default_rtt", "fast")]) }
        #expect(run.text.contains("default_rtt: 200ms") && !run.text.contains("sweep"))
    }
}
