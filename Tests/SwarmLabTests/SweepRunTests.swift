import Foundation
import Testing
import SwarmLab
import SwarmResults
import SwarmScenario

@Suite("Sweeps")
struct SweepRunTests {
    static let text = """
    version: 1
    name: sweep-test
    seed: 5
    duration: 6h
    replications: 3
    regions:
      - { name: eu, utc_offset: 1 }
    fleet:
      - { class: desktop, region: eu, count: 200 }
      - { class: phone, region: eu, count: 200 }
    workloads:
      - bag:
          # Makespans are set by the last phone or desktop to finish; with a fleet
          # stationary from t = 0 little churns in the first minute, so 400 tasks (not 600)
          # keep the four (point, policy) means apart.
          tasks: 400
          work: { gemm: { m: 2048, n: 2048, k: 2048 } }
          input: 20MB
          output: 5MB
    policies: [random, least-loaded]
    sweep:
      fleet[1].count: [100, 400]
    """

    static func scenario() throws -> Scenario {
        try Scenario.parse(text: text, file: "sweep-test.yaml", policies: ["random", "least-loaded"])
    }

    static func temporary(_ name: String) -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("swarmlab-sweep-\(getpid())-\(UUID().uuidString)-\(name)").path
    }

    @Test("the plan is the grid × policies × replications, first axis slowest, seeds shared")
    func plan() {
        let p = SweepPlan(axes: [SweepAxis(path: "a", values: ["1", "2"]), SweepAxis(path: "b", values: ["x", "y", "z"])],
                          policies: ["random", "least-loaded"], seeds: [10, 11])
        #expect(p.points.count == 6)
        #expect(p.points[0] == [SweepSetting(path: "a", value: "1"), SweepSetting(path: "b", value: "x")])
        #expect(p.points[3] == [SweepSetting(path: "a", value: "2"), SweepSetting(path: "b", value: "x")])
        #expect(p.runs.count == 24)
        #expect(p.runs.map(\.index) == Array(0..<24))
        // Common random numbers: replication r has seed 10 + r under every point and policy.
        #expect(Set(p.runs.filter { $0.replication == 1 }.map(\.seed)) == [11])
        #expect(p.runs[5].group == "run-0005")
        // Shards partition the runs.
        let shards = (0..<5).map { p.shard($0, of: 5) }
        #expect(shards.flatMap { $0 }.map(\.index).sorted() == Array(0..<24))
        #expect(Set(shards[1].map(\.index)).isDisjoint(with: shards[2].map(\.index)))
    }

    @Test("sweeping `policies` runs each point's own policies")
    func policyAxis() {
        let p = SweepPlan(axes: [SweepAxis(path: "policies", values: ["random", "[least-loaded, fastest-first]"])],
                          policies: ["random"], seeds: [1])
        #expect(p.runs.map(\.policy) == ["random", "least-loaded", "fastest-first"])
        #expect(p.runs.map(\.point) == [0, 1, 1])
    }

    @Test("a sweep gives the same datasets with 1 or 2 jobs, resumes from its parts, and shards join")
    func sweepEndToEnd() throws {
        let s = try Self.scenario()
        let one = Self.temporary("one.h5"), two = Self.temporary("two.h5"), sharded = Self.temporary("sharded.h5")
        defer { for p in [one, two, sharded] { try? FileManager.default.removeItem(atPath: p) } }
        let a = try SweepRunner.run(s, options: .init(jobs: 1, output: one))
        let b = try SweepRunner.run(s, options: .init(jobs: 2, output: two))
        #expect(a.results.count == 12 && a.summary.rows.count == 4)
        #expect(!FileManager.default.fileExists(atPath: one + ".parts"), "parts are removed once joined")
        let ra = try ResultsReader(path: one), rb = try ResultsReader(path: two)
        for run in a.plan.runs {
            for (table, field) in [("tasks", "end"), ("tasks", "device"), ("tasks", "output_returned"), ("devices", "class"),
                                   ("timeline", "busy"), ("summary", "makespan")] {
                #expect(bits(try ra.column("\(run.group)/\(table)", field)) == bits(try rb.column("\(run.group)/\(table)", field)),
                        "\(run.group)/\(table).\(field) differs between 1 and 2 jobs")
            }
        }
        #expect(try ra.column("sweep_runs", "makespan") == (try rb.column("sweep_runs", "makespan")))
        // The sweep tables and attributes are the ones ResultsSchema (docs/results-schema.md) lists.
        for table in ResultsSchema.sweepTables {
            #expect(try ra.tableShape(table.name).fields == table.columns.map(\.name), "/\(table.name) differs from ResultsSchema")
        }
        for attribute in ResultsSchema.sweepRootAttributes { #expect(ra.attribute(attribute.name) != nil, "no root attribute \(attribute.name)") }
        for attribute in ResultsSchema.sweepRunAttributes { #expect(ra.attribute(attribute.name, on: "/run-0001") != nil, "no /run-0001 attribute \(attribute.name)") }
        // The grid matters: 100 vs 400 phones give different makespans, and replications differ.
        let makespan = try ra.column("sweep_summary", "makespan_mean")
        #expect(makespan.count == 4 && Set(makespan).count == 4, "makespans \(makespan)")
        #expect(try ra.column("sweep_summary", "makespan_ci95").allSatisfy { $0 > 0 && $0.isFinite })

        // Shards: run 0/2 and 1/2 into the same parts, then a plain run only joins.
        let s0 = try SweepRunner.run(s, options: .init(jobs: 2, output: sharded, shard: (0, 2)))
        #expect(s0.output == nil && s0.results.count == 6)
        #expect(!FileManager.default.fileExists(atPath: sharded))
        _ = try SweepRunner.run(s, options: .init(jobs: 2, output: sharded, shard: (1, 2)))
        let joined = try SweepRunner.run(s, options: .init(jobs: 2, output: sharded))
        #expect(joined.results.allSatisfy { $0.resumed }, "every run came from a shard part file")
        let rs = try ResultsReader(path: sharded)
        #expect(try rs.column("sweep_runs", "makespan") == (try ra.column("sweep_runs", "makespan")))
        #expect(bits(try rs.column("run-0011/tasks", "end")) == bits(try ra.column("run-0011/tasks", "end")))
        #expect(rs.attribute("policy", on: "/run-0011") == .string("least-loaded"))
        #expect(rs.attribute("seed", on: "/run-0011") == .int(7), "replication 2 of seed 5")
        #expect(rs.string("scenario") == Self.text)
    }

    @Test("every point is checked before any run: a bad combination or a point too big for memory runs nothing")
    func pointsCheckedFirst() throws {
        let base = Self.text.replacingOccurrences(of: "      output: 5MB\n", with: "      output: 5MB\n      replicas: 2\n      quorum: 1\n")
        // Each value is valid alone; replicas 1 with quorum 2 is not.
        let bad = try Scenario.parse(text: base.replacingOccurrences(of: "  fleet[1].count: [100, 400]",
                                                                     with: "  workloads[0].bag.replicas: [2, 1]\n  workloads[0].bag.quorum: [1, 2]"),
                                     file: "combo.yaml", policies: ["random", "least-loaded"])
        let out = Self.temporary("combo.h5")
        #expect(throws: ScenarioError.self) { try SweepRunner.run(bad, options: .init(jobs: 2, output: out)) }
        #expect(!FileManager.default.fileExists(atPath: out + ".parts"), "nothing ran")

        let huge = try Scenario.parse(text: Self.text.replacingOccurrences(of: "[100, 400]", with: "[100, 4000000000]"),
                                      file: "huge.yaml", policies: ["random", "least-loaded"])
        do {
            _ = try SweepRunner.run(huge, options: .init(jobs: 2, output: out))
            Issue.record("a sweep with a point larger than memory ran")
        } catch let e as ScenarioError {
            #expect(e.message.hasPrefix("refused: this scenario needs"))
        }
        #expect(!FileManager.default.fileExists(atPath: out + ".parts"), "nothing ran")
    }
}

/// Bit patterns, so NaN (a step not reached) compares equal to itself.
func bits(_ values: [Double]) -> [UInt64] { values.map(\.bitPattern) }
