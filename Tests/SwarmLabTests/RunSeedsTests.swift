import Foundation
import Testing
import SwarmLab
import SwarmResults
import SwarmScenario

/// `swarmlab run` with several seeds: every seed runs, the file has a sweep's layout, the
/// summary gives means and intervals.
@Suite("Running every seed")
struct RunSeedsTests {
    /// Churning desktops and phones and long-ish GEMMs, so seeds change the outcome.
    static let text = """
    version: 1
    name: seeds-test
    seeds: [1, 2, 3]
    duration: 6h
    regions:
      - { name: eu, utc_offset: 1 }
    fleet:
      - { class: desktop, region: eu, count: 60 }
      - { class: phone, region: eu, count: 60 }
    workloads:
      - bag:
          tasks: 300
          work: { gemm: { m: 2048, n: 2048, k: 2048 } }
          input: 20MB
          output: 5MB
    policies: [random, least-loaded]
    """
    static let policies = ["random", "least-loaded"]

    static func temporary(_ name: String) -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("swarmlab-seeds-\(getpid())-\(UUID().uuidString)-\(name)").path
    }

    @Test("a scenario with seeds [1, 2, 3] runs each policy three times, with different results, into a sweep-layout file")
    func everySeedRuns() throws {
        let s = try Scenario.parse(text: Self.text, file: "seeds-test.yaml", policies: Self.policies)
        let path = Self.temporary("run.h5")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let results = try ScenarioRunner.run(s, resultsPath: path)
        // 2 policies × 3 seeds, in plan order (policy, then replication).
        #expect(results.count == 2 * 3)
        #expect(results.map(\.policy) == ["random", "random", "random", "least-loaded", "least-loaded", "least-loaded"])
        #expect(results.map(\.seed) == [1, 2, 3, 1, 2, 3])
        #expect(results.map(\.replication) == [0, 1, 2, 0, 1, 2])
        let random = results.prefix(3).map { ScenarioRunner.sweepValues($0) }
        #expect(Set(random.map { $0[1] }).count == 3, "the three seeds give three different makespans")

        let file = try ResultsReader(path: path)
        #expect(file.children().map(\.name).filter { $0.hasPrefix("run-") } == (0..<6).map { SweepPlan.groupName($0) })
        #expect(file.attribute("seed", on: "/run-0004") == .int(2) && file.attribute("policy", on: "/run-0004") == .string("least-loaded"))
        #expect(file.attribute("replications") == .int(3))
        for table in ResultsSchema.sweepTables {
            #expect(try file.tableShape(table.name).fields == table.columns.map(\.name))
        }
        for attribute in ResultsSchema.sweepRunAttributes { #expect(file.attribute(attribute.name, on: "/run-0002") != nil) }
        #expect(try file.column("sweep_runs", "seed") == [1, 2, 3, 1, 2, 3])
        // What the runner summarises from the metrics is what each run's /summary holds.
        for (k, r) in results.enumerated() {
            let written = try sweepMetrics.map { try file.column("\(SweepPlan.groupName(k))/summary", $0.name)[0] }
            #expect(bits(written) == bits(ScenarioRunner.sweepValues(r)), "run \(k)")
        }
        // The summary rows: one per policy, the mean of its three runs.
        let done = try file.column("sweep_runs", "tasks_done")
        #expect(try file.column("sweep_summary", "replications") == [3, 3])
        let means = try file.column("sweep_summary", "tasks_done_mean")
        #expect(abs(means[0] - (done[0] + done[1] + done[2]) / 3) < 1e-9)
        #expect(try file.column("sweep_summary", "makespan_ci95").allSatisfy { $0 > 0 && $0.isFinite })
    }

    @Test("replication r of a several-seed run is the one-seed run with seed r")
    func replicationIsTheSingleRun() throws {
        let s = try Scenario.parse(text: Self.text, file: "seeds-test.yaml", policies: Self.policies)
        let all = try ScenarioRunner.run(s, resultsPath: nil)
        let one = try Scenario.parse(text: Self.text.replacingOccurrences(of: "seeds: [1, 2, 3]", with: "seed: 2"),
                                     file: "seed-2.yaml", policies: Self.policies)
        let single = try ScenarioRunner.run(one, resultsPath: nil)
        #expect(single.count == 2)
        #expect(bits(ScenarioRunner.sweepValues(single[0])) == bits(ScenarioRunner.sweepValues(all[1])), "random, seed 2")
        #expect(bits(ScenarioRunner.sweepValues(single[1])) == bits(ScenarioRunner.sweepValues(all[4])), "least-loaded, seed 2")
    }

    @Test("`seed` with `replications: 2` runs seeds seed and seed + 1")
    func replicationsFromSeed() throws {
        let text = Self.text.replacingOccurrences(of: "seeds: [1, 2, 3]", with: "seed: 7\nreplications: 2")
            .replacingOccurrences(of: "[random, least-loaded]", with: "[random]")
        let s = try Scenario.parse(text: text, file: "replications.yaml", policies: Self.policies)
        let results = try ScenarioRunner.run(s, resultsPath: nil)
        #expect(results.map(\.seed) == [7, 8])
    }

    @Test("swarmlab run prints mean ± CI per policy, and --json carries every run")
    func cliSummary() throws {
        let file = Self.temporary("cli.yaml")
        try Self.text.write(toFile: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: file) }
        let r = try swarmlab("run", file, "--output", "none", "--quiet")
        #expect(r.status == 0, "stderr: \(r.stderr)")
        #expect(r.stdout.contains("seeds 1, 2, 3: mean ± 95% CI half-width over 3 runs per policy"))
        #expect(r.stdout.contains("makespan (s)") && r.stdout.contains(" ± "))
        let j = try swarmlab("run", file, "--output", "none", "--quiet", "--json")
        #expect(j.status == 0)
        let object = try JSONSerialization.jsonObject(with: Data(j.stdout.utf8)) as? [String: Any]
        #expect((object?["seeds"] as? [Int]) == [1, 2, 3])
        let runs = object?["runs"] as? [[String: Any]]
        #expect(runs?.count == 6 && runs?.map { $0["seed"] as? Int } == [1, 2, 3, 1, 2, 3])
        let policies = object?["policies"] as? [[String: Any]]
        #expect(policies?.map { $0["policy"] as? String } == ["random", "least-loaded"])
        let makespan = (policies?.first?["metrics"] as? [String: Any])?["makespan"] as? [String: Any]
        #expect(makespan?["mean"] is Double && makespan?["ci95_half_width"] is Double && makespan?["unit"] as? String == "s")
    }

    @Test("a scenario with a sweep is refused by run, pointing to swarmlab sweep")
    func sweepRefused() throws {
        let s = try Scenario.parse(text: Self.text + "\nsweep:\n  fleet[1].count: [10, 20]\n", file: "grid.yaml", policies: Self.policies)
        do {
            _ = try ScenarioRunner.run(s, resultsPath: nil)
            Issue.record("a sweep scenario ran under run")
        } catch {
            #expect("\(error)".contains("use `swarmlab sweep grid.yaml`"))
        }
    }
}
