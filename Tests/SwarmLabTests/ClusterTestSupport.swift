import Foundation
import Synchronization
import Testing
import SwarmLab
import SwarmResults
import SwarmScenario

/// Shared by the cluster tests (Slurm, Kubernetes): a small sweep, a temporary folder,
/// running a script, and comparing two sweeps' results files dataset by dataset.
enum ClusterTestSupport {
    /// 2 points × 2 policies × 2 replications = 8 short runs.
    static let text = """
    version: 1
    name: cluster-test
    seed: 11
    duration: 2h
    replications: 2
    regions:
      - { name: eu, utc_offset: 1 }
    fleet:
      - { class: desktop, region: eu, count: 60 }
      - { class: phone, region: eu, count: 60 }
    workloads:
      - bag: { tasks: 120, work: { gemm: { m: 1024, n: 1024, k: 1024 } }, input: 10MB, output: 1MB }
    policies: [random, least-loaded]
    sweep:
      fleet[1].count: [30, 90]
    """

    /// A fresh folder under /tmp (one file system for the whole one-node Slurm) with the
    /// scenario written as `cluster-test.yaml`.
    static func folder(_ tag: String) throws -> (dir: String, scenario: String) {
        let dir = "/tmp/swarmlab-cluster-\(tag)-\(getpid())-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let scenario = dir + "/cluster-test.yaml"
        try text.write(toFile: scenario, atomically: true, encoding: .utf8)
        return (dir, scenario)
    }

    static func scenario(at path: String) throws -> Scenario {
        try Scenario.parse(text: text, file: path, policies: ["random", "least-loaded"])
    }

    /// Held while a test uses the machine-wide Slurm: suites run in parallel, and one test's
    /// `scripts/slurm-local stop` must not pull the daemons from under another.
    static let slurmInUse = Mutex(())

    /// Runs `body` with a one-node Slurm started by `scripts/slurm-local start` and stopped
    /// afterwards, failed or not; one test at a time. A Slurm that cannot be started fails
    /// the test with the script's reason (never a skip).
    static func withLocalSlurm(_ body: () throws -> Void) throws {
        try slurmInUse.withLock { _ in
            let started = try run("scripts/slurm-local", ["start"])
            defer {
                let stopped = try? run("scripts/slurm-local", ["stop"])
                #expect(stopped?.status == 0, "scripts/slurm-local stop: \(stopped?.stderr ?? "did not run")")
            }
            try #require(started.status == 0, "scripts/slurm-local start failed: \(started.stderr)")
            try body()
        }
    }

    /// Runs a repository script (or any program) with its output in files (no pipe to fill).
    static func run(_ program: String, _ arguments: [String]) throws -> (status: Int32, stdout: String, stderr: String) {
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("cluster-out-\(UUID().uuidString)")
        let err = FileManager.default.temporaryDirectory.appendingPathComponent("cluster-err-\(UUID().uuidString)")
        FileManager.default.createFile(atPath: out.path, contents: nil)
        FileManager.default.createFile(atPath: err.path, contents: nil)
        defer { try? FileManager.default.removeItem(at: out); try? FileManager.default.removeItem(at: err) }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: program.hasPrefix("/") ? program : repositoryRoot.appendingPathComponent(program).path)
        p.arguments = arguments
        p.currentDirectoryURL = repositoryRoot
        p.standardOutput = try FileHandle(forWritingTo: out)
        p.standardError = try FileHandle(forWritingTo: err)
        try p.run()
        p.waitUntilExit()
        return (p.terminationStatus, try String(contentsOf: out, encoding: .utf8), try String(contentsOf: err, encoding: .utf8))
    }

    /// Every table of two sweep files must hold the same bytes, run group by run group, and
    /// the sweep tables too. `wall_time` is an attribute, not a table, so wall clocks never
    /// enter the comparison; the per-run scenario, seed and policy attributes must match.
    static func expectSameDatasets(_ a: String, _ b: String) throws {
        let ra = try ResultsReader(path: a), rb = try ResultsReader(path: b)
        let groupsA = ra.children().filter { $0.kind == .group }.map(\.name).sorted()
        let groupsB = rb.children().filter { $0.kind == .group }.map(\.name).sorted()
        #expect(groupsA == groupsB, "run groups differ")
        #expect(!groupsA.isEmpty)
        var tables = ra.children().filter { $0.kind == .table }.map { "/" + $0.name }
        for g in groupsA {
            tables += ra.children(of: "/" + g).filter { $0.kind == .table }.map { "/\(g)/\($0.name)" }
            for attribute in ["scenario", "seed", "policy", "replication", "sweep_point"] {
                #expect(ra.attribute(attribute, on: "/" + g) == rb.attribute(attribute, on: "/" + g), "/\(g) attribute \(attribute) differs")
            }
        }
        #expect(tables.contains("/sweep_summary") && tables.contains("/sweep_runs"))
        for t in tables {
            #expect(try ra.tableShape(t).fields == (try rb.tableShape(t).fields), "\(t): fields differ")
            #expect(try ra.rawTable(t).bytes == (try rb.rawTable(t).bytes), "\(t) differs")
        }
        #expect(ra.string("scenario") == rb.string("scenario"))
    }
}
