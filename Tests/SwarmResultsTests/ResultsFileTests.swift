import Foundation
import Testing
import SwarmKernel
import SwarmModel
import SwarmPolicies
import SwarmResults

func temporaryPath(_ name: String) -> String {
    FileManager.default.temporaryDirectory.appendingPathComponent("swarmlab-\(getpid())-\(UInt32.random(in: 0...UInt32.max))-\(name)").path
}

@Suite("HDF5 results files")
struct ResultsFileTests {
    func finishedRun() throws -> WorkEngine {
        var c = DeviceClass.desktop
        c.availability = .renewal(on: Exponential(mean: 300), off: Exponential(mean: 100))
        let fleet = try Fleet(classes: [c, .cloudVM], regions: [("eu", 1), ("us", -5)],
                              mix: [.init(className: "desktop", region: "eu", count: 20), .init(className: "cloud-vm", region: "us", count: 2)])
        var tasks = TaskTable()
        BagOfTasks(count: 200, work: .seconds(60), inputBytes: 1e6).generate(into: &tasks, job: 0, streams: RandomStreams(seed: 1))
        let engine = WorkEngine(fleet: fleet, tasks: tasks, policy: RandomPolicy(context: PolicyContext(streams: RandomStreams(seed: 1))), seed: 1)
        #expect(engine.run())
        return engine
    }

    @Test("a run written, committed, reopened and read back is the run")
    func roundTrip() throws {
        let engine = try finishedRun()
        let path = temporaryPath("run.h5")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let writer = try ResultsWriter(path: path)
        try writer.setAttribute("scenario", "fleet: 22 devices\nworkload: bag of 200")
        try writer.setAttribute("seed", Int64(1))
        try writer.setAttribute("wall_time", 0.25)
        try writer.write(run: engine)
        #expect(!FileManager.default.fileExists(atPath: path), "nothing at the final path before commit")
        try writer.commit()

        let reader = try ResultsReader(path: path)
        #expect(reader.number("schema_version") == 1)
        #expect(reader.number("seed") == 1)
        #expect(reader.string("scenario") == "fleet: 22 devices\nworkload: bag of 200")
        let finish = try reader.column("tasks", "finish")
        #expect(finish == engine.tasks.finished.map { Double($0) / 1e9 })
        let attempts = try reader.column("tasks", "attempts")
        #expect(attempts == engine.tasks.attempts.map(Double.init))
        #expect(try reader.column("devices", "attempts_lost").reduce(0, +) == Double(engine.metrics.attemptsLost))
        #expect(try reader.column("summary", "makespan") == [engine.metrics.makespan])
        #expect(throws: ResultsError.self) { try reader.column("tasks", "no_such_field") }
    }

    @Test("a writer dropped before commit leaves neither the file nor its temporary")
    func killedRunLeavesNothing() throws {
        let path = temporaryPath("killed.h5")
        do {
            let writer = try ResultsWriter(path: path)
            try writer.writeTable("tasks", [.double("finish", [1, 2, 3], units: "s")])
        }
        let folder = (path as NSString).deletingLastPathComponent
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: folder).filter { $0.hasPrefix((path as NSString).lastPathComponent) }
        #expect(leftovers.isEmpty)
    }

    @Test("an unwritable place is a clear error")
    func unwritable() {
        #expect(throws: ResultsError.self) { try ResultsWriter(path: "/no/such/folder/run.h5") }
    }
}
