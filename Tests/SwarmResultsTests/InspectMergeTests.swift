import Foundation
import Testing
import SwarmKernel
import SwarmModel
import SwarmResults

/// A results file with one recorded run in group `group` (and, optionally, a root table).
func shard(_ group: String, seed: UInt64, scenario: String = "scenario: test", version: Int64? = nil,
           rootTable: [Double]? = nil) throws -> String {
    let (engine, recorder) = try recordedRun(seed: seed, tasks: 50)
    let path = temporaryPath("\(group).h5")
    let w = try ResultsWriter(path: path)
    try w.setAttribute("scenario", scenario)
    try w.setAttribute("host", "node-\(seed)")
    try w.setAttribute("wall_time", Double(seed))
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
        #expect(report.text.contains("tasks      \(tasks.rows) rows × 15 fields"))
        #expect(report.text.contains("scenario") && report.text.contains("schema_version  1"))
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
    }

    @Test("merge refuses duplicate runs, other scenarios, other versions and runs at the root; leaves no file")
    func mergeRefusals() throws {
        let a = try shard("run-0", seed: 1), again = try shard("run-0", seed: 2)
        let other = try shard("run-2", seed: 3, scenario: "scenario: other")
        let future = try shard("run-3", seed: 4, version: 2)
        let rootRun = temporaryPath("root.h5")
        do {
            let (engine, recorder) = try recordedRun(seed: 5, tasks: 10)
            let w = try ResultsWriter(path: rootRun)
            try w.setAttribute("scenario", "scenario: test")
            try w.write(run: engine, recorder: recorder)
            try w.commit()
        }
        let out = temporaryPath("refused.h5")
        defer { for p in [a, again, other, future, rootRun, out] { try? FileManager.default.removeItem(atPath: p) } }
        func message(_ shards: [String]) -> String {
            do { _ = try ResultsMerge.merge(into: out, shards: shards); return "" } catch { return error.description }
        }
        #expect(message([a, again]) == "group 'run-0' is in both \(a) and \(again); shards must hold distinct runs")
        #expect(message([a, other]) == "\(other) ran a different scenario than \(a) (their `scenario` attributes differ); merge joins shards of one scenario or sweep")
        #expect(message([a, future]) == "\(future) has results schema version 2; this Swarmlab reads version 1")
        #expect(message([a, rootRun]) == "\(rootRun) has a run at its root (/devices); merge joins files that hold one group per run")
        #expect(!FileManager.default.fileExists(atPath: out))
    }
}
