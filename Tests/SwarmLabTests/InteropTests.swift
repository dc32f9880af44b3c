import Foundation
import Testing
import SwarmLab
import SwarmResults
import SwarmScenario

/// Runs `executable` with `arguments` in `folder`; returns status and combined output.
func runProcess(_ executable: String, _ arguments: [String], in folder: URL = repositoryRoot) throws -> (status: Int32, output: String) {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: executable)
    p.arguments = arguments
    p.currentDirectoryURL = folder
    let out = Pipe()
    p.standardOutput = out
    p.standardError = out
    try p.run()
    let data = out.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    return (p.terminationStatus, String(decoding: data, as: UTF8.self))
}

/// The venv with h5py, pandas and numpy (`scripts/python-env` makes it on first use).
func pythonWithH5py() throws -> String {
    let r = try runProcess("/bin/bash", [repositoryRoot.appendingPathComponent("scripts/python-env").path])
    guard r.status == 0, let python = r.output.split(separator: "\n").last.map(String.init),
          FileManager.default.isExecutableFile(atPath: python) else {
        throw CLIError(description: "scripts/python-env failed (status \(r.status)):\n\(r.output)")
    }
    return python
}

@Suite("Results files read from Python (h5py, pandas)")
struct InteropTests {
    /// A small scenario run into `folder/results/quickstart.h5`.
    func run(into folder: URL) throws -> String {
        try FileManager.default.createDirectory(at: folder.appendingPathComponent("results"), withIntermediateDirectories: true)
        let path = folder.appendingPathComponent("results/quickstart.h5").path
        let s = try Scenario.parse(text: ScenarioRunTests.text, file: "interop.yaml", policies: ["random", "availability-aware"])
        _ = try ScenarioRunner.run(s, resultsPath: path)
        return path
    }

    static func json(_ v: Double) -> Any { v.isNaN ? NSNull() : v }

    /// What Swarmlab wrote, per table: rows, fields, the first rows, column sums, lookups.
    func expected(_ path: String) throws -> [String: Any] {
        let r = try ResultsReader(path: path)
        var groups: [String: Any] = [:]
        for (group, _) in r.children() {
            var tables: [String: Any] = [:]
            for (table, _) in r.children(of: group) {
                let name = "\(group)/\(table)"
                let shape = try r.tableShape(name)
                var head: [String: Any] = [:], sums: [String: Any] = [:]
                for field in shape.fields {
                    let values = try r.column(name, field)
                    head[field] = values.prefix(3).map(Self.json)
                    sums[field] = values.filter { !$0.isNaN }.reduce(0, +)
                }
                var lookups: [String: Any] = [:]
                for a in r.attributeNames(on: name) where a.hasSuffix("_names") {
                    if case .strings(let names) = r.attribute(a, on: name) { lookups[a] = names }
                }
                tables[table] = ["rows": shape.rows, "fields": shape.fields, "head": head, "sums": sums, "lookups": lookups]
            }
            var summary: [String: Any] = [:]
            for field in try r.tableShape("\(group)/summary").fields { summary[field] = Self.json(try r.column("\(group)/summary", field)[0]) }
            let accepted = try r.column("\(group)/tasks", "outcome").filter { $0 == 1 }.count
            groups[group] = ["tables": tables, "summary": summary, "accepted": accepted]
        }
        return ["attributes": ["schema_version": 1, "seed": 3, "scenario": ScenarioRunTests.text, "scenario_name": "determinism"],
                "groups": groups]
    }

    @Test("h5py and pandas read every table as Swarmlab wrote it; a wrong expectation fails")
    func pandasReadsWhatSwarmlabWrote() throws {
        let python = try pythonWithH5py()
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("swarmlab-interop-\(getpid())-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = try run(into: folder)
        var want = try expected(path)
        // The run finished every task: the accepted rows are the tasks (a check on the check).
        let groups = try #require(want["groups"] as? [String: Any])
        #expect(groups.count == 2 && groups.values.allSatisfy { ($0 as? [String: Any])?["accepted"] as? Int == 2_500 })
        let script = repositoryRoot.appendingPathComponent("Tests/SwarmLabTests/Interop/check_results.py").path
        let expectedFile = folder.appendingPathComponent("expected.json")
        try JSONSerialization.data(withJSONObject: want).write(to: expectedFile)
        let ok = try runProcess(python, [script, path, expectedFile.path])
        #expect(ok.status == 0, "\(ok.output)")
        #expect(ok.output.hasPrefix("ok: "))

        // The same check with one value changed must fail, naming it.
        var g = groups["random"] as! [String: Any]
        var summary = g["summary"] as! [String: Any]
        summary["tasks_done"] = 2_499.0
        g["summary"] = summary
        var changed = groups
        changed["random"] = g
        want["groups"] = changed
        try JSONSerialization.data(withJSONObject: want).write(to: expectedFile)
        let bad = try runProcess(python, [script, path, expectedFile.path])
        #expect(bad.status == 1)
        #expect(bad.output.contains("random/summary.tasks_done: h5py/pandas read 2500.0, Swarmlab wrote 2499"), "\(bad.output)")
    }

    @Test("the README's scenario-to-pandas example runs as printed")
    func readmeExample() throws {
        let python = try pythonWithH5py()
        let readme = try String(contentsOf: repositoryRoot.appendingPathComponent("README.md"), encoding: .utf8)
        let section = try #require(readme.range(of: "## From a scenario to pandas\n"))
        let rest = readme[section.upperBound...]
        let open = try #require(rest.range(of: "```python\n")), close = try #require(rest.range(of: "\n```", range: open.upperBound..<rest.endIndex))
        let code = String(rest[open.upperBound..<close.lowerBound])
        #expect(code.split(separator: "\n").count <= 10, "the example is meant to be ten lines")
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("swarmlab-readme-\(getpid())-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        _ = try run(into: folder)
        let file = folder.appendingPathComponent("example.py")
        try code.write(to: file, atomically: true, encoding: .utf8)
        let r = try runProcess(python, [file.path], in: folder)
        #expect(r.status == 0, "\(r.output)")
        let lines = r.output.split(separator: "\n")
        #expect(lines.count == 2)
        for policy in ["random", "availability-aware"] {
            #expect(lines.contains { $0.hasPrefix(policy) && $0.contains("  2500 tasks done, P95 latency") }, "\(r.output)")
        }
    }
}
