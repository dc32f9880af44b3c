import Foundation
import Testing
import SwarmKernel
import SwarmModel
import SwarmResults

/// A results file with one recorded run in group `group` (and, optionally, a root table).
func shard(_ group: String, seed: UInt64, scenario: String = "scenario: test", version: Int64? = nil,
           rootTable: [Double]? = nil, swarmlab: String = "0.1.0", commit: String = "abc1234") throws -> String {
    let (engine, recorder) = try recordedRun(seed: seed, tasks: 50)
    let path = temporaryPath("\(group).h5")
    let w = try ResultsWriter(path: path)
    try w.setAttribute("scenario", scenario)
    try w.setAttribute("host", "node-\(seed)")
    try w.setAttribute("wall_time", Double(seed))
    try w.setAttribute("swarmlab_version", swarmlab)
    try w.setAttribute("git_commit", commit)
    if let v = version { try w.setAttribute("schema_version", v) }
    try w.createGroup(group)
    try w.write(run: engine, recorder: recorder, group: group, jobKinds: ["bag", "requests"])
    if let values = rootTable { try w.writeTable("runs", [.double("makespan", values, units: "s")]) }
    try w.commit()
    return path
}

@Suite("Inspecting and merging results files")
struct InspectMergeTests {
    @Test("inspect lists attributes, groups, tables with row counts and the summary")
    func inspect() throws {
        let path = try shard("random", seed: 1)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let report = try ResultsInspection(path: path)
        #expect(report.groups.map(\.name) == ["random"])
        let tasks = try #require(report.groups[0].tables.first { $0.name == "tasks" })
        #expect(tasks.rows == (try ResultsReader(path: path).column("random/tasks", "task").count))
        #expect(tasks.fields == ResultsSchema.tasks.columns.map(\.name))
        let done = report.groups[0].summary.first { $0.name == "tasks_done" }
        #expect(done?.value == 70)
        #expect(report.text.contains("tasks      \(tasks.rows) rows × \(ResultsSchema.tasks.columns.count) fields"))
        #expect(report.text.contains("scenario"))
        #expect(report.text.split(separator: "\n").contains { $0.split(separator: " ") == ["schema_version", "1"] })
        // JSON: parseable, same figures.
        let json = try #require(try JSONSerialization.jsonObject(with: Data(report.json().utf8)) as? [String: Any])
        let groups = try #require(json["groups"] as? [[String: Any]])
        let summary = try #require(groups[0]["summary"] as? [[String: Any]])
        #expect(summary.first { $0["name"] as? String == "tasks_done" }?["value"] as? Double == 70)
    }

    @Test("a file that is not Swarmlab results, or of another schema version, is named as such")
    func notResults() throws {
        let text = temporaryPath("notes.h5")
        try "hello".write(toFile: text, atomically: true, encoding: .utf8)
        let foreign = temporaryPath("foreign.h5")
        let w = try ResultsWriter(path: foreign)
        try w.writeTable("x", [.double("y", [1], units: "1")])
        try w.commit()
        let future = try shard("random", seed: 1, version: 2)
        defer { for p in [text, foreign, future] { try? FileManager.default.removeItem(atPath: p) } }
        // A plain HDF5 file, without Swarmlab's root attributes: h5copy (hdf5-tools) copies
        // the dataset only.
        let plain = temporaryPath("plain.h5")
        let copy = Process()
        copy.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        copy.arguments = ["h5copy", "-i", foreign, "-o", plain, "-s", "/x", "-d", "/x"]
        try copy.run()
        copy.waitUntilExit()
        #expect(copy.terminationStatus == 0)
        defer { try? FileManager.default.removeItem(atPath: plain) }
        func message(_ path: String) -> String {
            do { _ = try ResultsInspection(path: path); return "" } catch { return error.description }
        }
        #expect(message(text) == "\(text) is not an HDF5 file (so not a Swarmlab results file)")
        #expect(message(future) == "\(future) has results schema version 2; this Swarmlab reads version 1")
        #expect(message("/no/such.h5") == "/no/such.h5: no such file")
        #expect(message(foreign).isEmpty, "a writer's file has schema_version 1")
        #expect(message(plain) == "\(plain) is an HDF5 file but not a Swarmlab results file (no schema_version attribute at its root)")
    }

    @Test("merge joins shards' runs byte for byte, sums wall time, lists hosts and shards")
    func merge() throws {
        let a = try shard("run-0", seed: 1, rootTable: [10, 11]), b = try shard("run-1", seed: 2, rootTable: [12])
        let out = temporaryPath("merged.h5")
        defer { for p in [a, b, out] { try? FileManager.default.removeItem(atPath: p) } }
        let report = try ResultsMerge.merge(into: out, shards: [a, b])
        #expect(report.groups == ["run-0", "run-1"] && report.tables == ["runs"])
        let m = try ResultsReader(path: out), ra = try ResultsReader(path: a), rb = try ResultsReader(path: b)
        try m.checkSchema()
        for table in ResultsSchema.runTables.map(\.name) {
            #expect(try m.rawTable("run-0/\(table)").bytes == ra.rawTable("run-0/\(table)").bytes)
            #expect(try m.rawTable("run-1/\(table)").bytes == rb.rawTable("run-1/\(table)").bytes)
        }
        #expect(m.attribute("class_names", on: "/run-1/devices") == .strings(["desktop", "cloud-vm"]))
        #expect(try m.column("runs", "makespan") == [10, 11, 12])
        #expect(m.number("wall_time") == 3)
        #expect(m.string("host") == "node-1, node-2")
        #expect(m.string("merged_from") == "\(a)\n\(b)")
        #expect(m.string("scenario") == "scenario: test")
        #expect(m.string("git_commit") == "abc1234")
        #expect(m.attribute("merged_commits") == nil, "one commit: nothing to list")
        #expect(report.warnings.isEmpty)
    }

    @Test("merge lists shards built from different commits in merged_commits, and warns")
    func mergeCommits() throws {
        let a = try shard("run-0", seed: 1, commit: "aaaa111"), b = try shard("run-1", seed: 2, commit: "bbbb222-dirty")
        let c = try shard("run-2", seed: 3, commit: "aaaa111")
        let ab = temporaryPath("ab.h5"), abc = temporaryPath("abc.h5")
        defer { for p in [a, b, c, ab, abc] { try? FileManager.default.removeItem(atPath: p) } }
        let report = try ResultsMerge.merge(into: ab, shards: [a, b])
        let m = try ResultsReader(path: ab)
        #expect(m.string("merged_commits") == "aaaa111: \(a)\nbbbb222-dirty: \(b)")
        #expect(m.string("git_commit") == "aaaa111", "the first shard's, with the others listed")
        #expect(report.warnings.count == 1)
        #expect(report.warnings.first?.contains("2 different commits") == true)
        #expect(report.warnings.first?.contains("bbbb222-dirty: \(b)") == true)
        // Merging the merge again keeps every shard's commit, not the merged file's first one.
        _ = try ResultsMerge.merge(into: abc, shards: [ab, c])
        #expect(try ResultsReader(path: abc).string("merged_commits") == "aaaa111: \(a)\nbbbb222-dirty: \(b)\naaaa111: \(c)")
    }

    @Test("merge refuses duplicate runs, other scenarios, other versions and runs at the root; leaves no file")
    func mergeRefusals() throws {
        let a = try shard("run-0", seed: 1), again = try shard("run-0", seed: 2)
        let other = try shard("run-2", seed: 3, scenario: "scenario: other")
        let future = try shard("run-3", seed: 4, version: 2)
        let newer = try shard("run-4", seed: 6, swarmlab: "0.2.0")
        let rootRun = temporaryPath("root.h5")
        do {
            let (engine, recorder) = try recordedRun(seed: 5, tasks: 10)
            let w = try ResultsWriter(path: rootRun)
            try w.setAttribute("scenario", "scenario: test")
            try w.setAttribute("swarmlab_version", "0.1.0")
            try w.write(run: engine, recorder: recorder)
            try w.commit()
        }
        let out = temporaryPath("refused.h5")
        defer { for p in [a, again, other, future, newer, rootRun, out] { try? FileManager.default.removeItem(atPath: p) } }
        func message(_ shards: [String]) -> String {
            do { _ = try ResultsMerge.merge(into: out, shards: shards); return "" } catch { return error.description }
        }
        #expect(message([a, again]) == "group 'run-0' is in both \(a) and \(again); shards must hold distinct runs")
        #expect(message([a, other]) == "\(other) ran a different scenario than \(a) (their `scenario` attributes differ); merge joins shards of one scenario or sweep")
        #expect(message([a, future]) == "\(future) has results schema version 2; this Swarmlab reads version 1")
        #expect(message([a, newer]) == "\(newer) was written by Swarmlab 0.2.0 but \(a) by 0.1.0; merge joins shards of one Swarmlab version (re-run the older shards)")
        #expect(message([a, rootRun]) == "\(rootRun) has a run at its root (/devices); merge joins files that hold one group per run")
        #expect(!FileManager.default.fileExists(atPath: out))
    }
}

@Suite("Stale temporary results files")
struct StaleTemporaryTests {
    /// The id of a process that has exited and been reaped.
    func deadPID() throws -> pid_t {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/true")
        try p.run()
        p.waitUntilExit()
        return p.processIdentifier
    }

    @Test("a writer removes OUT.h5.tmp-PID of writers that died (SIGKILL), not of live ones or other files")
    func staleTemporaries() throws {
        let folder = temporaryPath("stale")
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let out = folder + "/out.h5"
        // A writer killed by SIGKILL mid-write: its temporary file stays behind.
        let killed = Process()
        killed.executableURL = URL(fileURLWithPath: "/bin/sh")
        killed.arguments = ["-c", "echo partial > \(out).tmp-$$; exec sleep 20"]
        try killed.run()
        let killedTemporary = "\(out).tmp-\(killed.processIdentifier)"
        for _ in 0..<200 where !FileManager.default.fileExists(atPath: killedTemporary) { usleep(10_000) }
        #expect(FileManager.default.fileExists(atPath: killedTemporary))
        kill(killed.processIdentifier, SIGKILL)
        killed.waitUntilExit()
        // A writer still running (our parent process: alive, not us; no helper process that could
        // inherit other tests' open HDF5 files), another dead one's file, another target's and a
        // non-PID suffix.
        let alivePID = getppid()
        #expect(kill(alivePID, 0) == 0)
        let dead = try deadPID()
        let keep = ["\(out).tmp-\(alivePID)", "\(folder)/other.h5.tmp-\(dead)", "\(out).tmp-notapid"]
        let stale = "\(out).tmp-\(dead)"
        for p in keep + [stale] { try "partial".write(toFile: p, atomically: false, encoding: .utf8) }

        let w = try ResultsWriter(path: out)
        for p in [killedTemporary, stale] { #expect(!FileManager.default.fileExists(atPath: p), "\(p) should be removed") }
        for p in keep { #expect(FileManager.default.fileExists(atPath: p), "\(p) should be kept") }
        // The new writer's own temporary is untouched, and commits.
        #expect(FileManager.default.fileExists(atPath: "\(out).tmp-\(getpid())"))
        try w.setAttribute("scenario", "scenario: test")
        try w.commit()
        #expect(try ResultsReader(path: out).string("scenario") == "scenario: test")
        #expect(ResultsWriter.removeStaleTemporaries(of: out).isEmpty, "nothing stale is left")
    }
}
