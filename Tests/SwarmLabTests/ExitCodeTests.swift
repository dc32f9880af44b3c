import Foundation
import Testing
import SwarmLab
import SwarmResults
import SwarmScenario

/// What scripts and schedulers (Slurm, Kubernetes) see: exit codes by kind of failure, and
/// JSON they can parse.
@Suite("swarmlab exit codes and JSON")
struct ExitCodeTests {
    static func file(_ name: String, _ text: String) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("swarmlab-exit-\(getpid())-\(name)").path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    static let small = """
    version: 1
    name: exit-test
    seed: 2
    duration: 2h
    regions: [{ name: eu }]
    fleet: [{ class: desktop, region: eu, count: 50 }]
    workloads:
      - bag: { tasks: 40, work: { seconds: 30s } }
    policies: [random, least-loaded]
    """

    @Test("a missing scenario exits 66, an invalid one 65, both naming the file")
    func badInput() throws {
        let missing = try swarmlab("run", "/nonexistent/nope.yaml", "--output", "none")
        #expect(missing.status == 66)
        #expect(missing.stderr.contains("/nonexistent/nope.yaml") && missing.stderr.contains("cannot read"))
        let bad = try Self.file("bad.yaml", Self.small.replacingOccurrences(of: "count: 50", with: "count: -3"))
        defer { try? FileManager.default.removeItem(atPath: bad) }
        for command in [["run", bad, "--output", "none"], ["check", bad], ["sweep", bad, "--output", bad + ".h5"]] {
            let r = try swarmlab(command)
            #expect(r.status == 65, "\(command[0]): \(r.stderr)")
            #expect(r.stderr.contains("\(bad):6:") && r.stderr.contains("fleet[0].count"), "\(command[0]): \(r.stderr)")
            #expect(r.stdout.isEmpty)
        }
    }

    @Test("a scenario larger than the machine's memory exits 69 with the estimate")
    func tooBig() throws {
        let big = try Self.file("big.yaml", Self.small.replacingOccurrences(of: "count: 50", with: "count: 4000000000"))
        defer { try? FileManager.default.removeItem(atPath: big) }
        let r = try swarmlab("run", big, "--output", "none")
        #expect(r.status == 69, "\(r.stderr)")
        #expect(r.stderr.contains("refused: this scenario needs"))
    }

    @Test("run --json and sweep --json print parseable summaries with every policy")
    func json() throws {
        let path = try Self.file("ok.yaml", Self.small + "\nreplications: 2\n")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let run = try swarmlab("run", path, "--output", "none", "--json", "--quiet")
        #expect(run.status == 0, "\(run.stderr)")
        let object = try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any]
        let policies = object?["policies"] as? [[String: Any]]
        #expect(policies?.map { $0["policy"] as? String } == ["random", "least-loaded"])
        // Two replications: each policy's metrics are means with intervals, each run is listed.
        #expect(policies?.allSatisfy { (($0["metrics"] as? [String: Any])?["tasks_done"] as? [String: Any])?["mean"] as? Double == 40 } == true)
        let runs = object?["runs"] as? [[String: Any]]
        #expect(runs?.count == 4 && runs?.allSatisfy { $0["tasks_done"] as? Int == 40 } == true)

        let out = path + ".h5"
        defer { try? FileManager.default.removeItem(atPath: out) }
        let sweep = try swarmlab("sweep", path, "--output", out, "--json", "--quiet", "--jobs", "2")
        #expect(sweep.status == 0, "\(sweep.stderr)")
        let s = try JSONSerialization.jsonObject(with: Data(sweep.stdout.utf8)) as? [String: Any]
        #expect(s?["runs"] as? Int == 4)
        let rows = s?["summary"] as? [[String: Any]]
        #expect(rows?.count == 2)
        let makespan = (rows?.first?["metrics"] as? [String: Any])?["makespan"] as? [String: Any]
        #expect((makespan?["mean"] as? Double ?? 0) > 0 && makespan?["unit"] as? String == "s")
        #expect(FileManager.default.fileExists(atPath: out))
    }

    @Test("--shard must be I/N with I < N")
    func badShard() throws {
        let r = try swarmlab("sweep", "x.yaml", "--shard", "3/3")
        #expect(r.status == 64)
        #expect(r.stderr.contains("--shard expects I/N"))
    }
}

@Suite("Results files and child processes")
struct ResultsFileInheritanceTests {
    @Test("a child process started while a results file is open does not keep it locked")
    func childDoesNotInheritLock() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("swarmlab-inherit-\(getpid())-\(UUID().uuidString).h5").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let s = try Scenario.parse(text: ExitCodeTests.small, file: "inherit.yaml", policies: ["random", "least-loaded"])
        let writer = try ResultsWriter(path: path)
        // A long-lived child started with a plain posix_spawn while the file is open (as any
        // library's subprocess may be): it inherits every descriptor not marked close-on-exec,
        // and an inherited HDF5 descriptor keeps the file's lock after we close it.
        var pid: pid_t = 0
        let argv: [UnsafeMutablePointer<CChar>?] = [strdup("/bin/sleep"), strdup("20"), nil]
        defer { argv.forEach { free($0) } }
        #expect(posix_spawn(&pid, "/bin/sleep", nil, nil, argv, environ) == 0)
        defer { kill(pid, SIGKILL); var status: Int32 = 0; waitpid(pid, &status, 0) }
        try Provenance.write(to: writer, scenario: s)
        try writer.createGroup("random")
        _ = try ScenarioRunner.runPolicy(s, policy: "random", writer: writer, group: "random")
        try writer.commit()
        let r = try swarmlab("inspect", path)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("/random"))
    }
}
