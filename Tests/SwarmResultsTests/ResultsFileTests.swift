import Foundation
import Testing
import SwarmKernel
import SwarmModel
import SwarmPolicies
import SwarmResults

func temporaryPath(_ name: String) -> String {
    FileManager.default.temporaryDirectory.appendingPathComponent("swarmlab-\(getpid())-\(UInt32.random(in: 0...UInt32.max))-\(name)").path
}

/// A small churning run with transfers, recorded; every task finishes.
func recordedRun(seed: UInt64 = 1, tasks count: Int = 200) throws -> (WorkEngine, RunRecorder) {
    var c = DeviceClass.desktop
    c.availability = .renewal(on: Exponential(mean: 300), off: Exponential(mean: 100))
    let fleet = try Fleet(classes: [c, .cloudVM], regions: [("eu", 1), ("us", -5)],
                          mix: [.init(className: "desktop", region: "eu", count: 20), .init(className: "cloud-vm", region: "us", count: 2)])
    var tasks = TaskTable()
    BagOfTasks(count: count, work: .seconds(60), inputBytes: 1e6, outputBytes: 2e5).generate(into: &tasks, job: 0, streams: RandomStreams(seed: seed))
    PoissonRequests(rate: 0.1, count: 20, work: .kernel(.gemm(m: 256, n: 256, k: 256, dtype: .fp32))).generate(into: &tasks, job: 1, streams: RandomStreams(seed: seed))
    let engine = WorkEngine(fleet: fleet, tasks: tasks, policy: RandomPolicy(context: PolicyContext(streams: RandomStreams(seed: seed))), seed: seed)
    let recorder = RunRecorder(engine: engine, horizon: .hours(10))
    #expect(engine.run(until: .zero + .hours(10)))
    return (engine, recorder)
}

@Suite("HDF5 results files")
struct ResultsFileTests {
    @Test("a results file whose folder does not exist yet creates it (a fresh checkout has no results/)")
    func createsFolder() throws {
        let root = temporaryPath("fresh")
        defer { try? FileManager.default.removeItem(atPath: root) }
        let path = root + "/results/deeper/run.h5"
        #expect(!FileManager.default.fileExists(atPath: root))
        let writer = try ResultsWriter(path: path)
        try writer.setAttribute("seed", Int64(7))
        try writer.commit()
        #expect(try ResultsReader(path: path).number("seed") == 7)
        // a folder that cannot be made is named
        let blocker = temporaryPath("file")
        try Data().write(to: URL(fileURLWithPath: blocker))
        defer { try? FileManager.default.removeItem(atPath: blocker) }
        #expect(throws: ResultsError.self) { try ResultsWriter(path: blocker + "/sub/run.h5") }
        do { _ = try ResultsWriter(path: blocker + "/sub/run.h5") } catch { #expect("\(error)".contains("cannot create the folder \(blocker)/sub")) }
    }

    @Test("a recorded run written, committed, reopened and read back is the run")
    func roundTrip() throws {
        let (engine, recorder) = try recordedRun()
        let m = engine.metrics
        let path = temporaryPath("run.h5")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let writer = try ResultsWriter(path: path)
        try writer.setAttribute("scenario", "fleet: 22 devices\nworkload: bag of 200")
        try writer.setAttribute("seed", Int64(1))
        try writer.setAttribute("wall_time", 0.25)
        try writer.createGroup("random")
        try writer.write(run: engine, recorder: recorder, group: "random", jobKinds: ["bag", "requests"])
        #expect(!FileManager.default.fileExists(atPath: path), "nothing at the final path before commit")
        try writer.commit()

        let r = try ResultsReader(path: path)
        try r.checkSchema()
        #expect(r.number("schema_version") == 1 && r.number("seed") == 1 && r.number("wall_time") == 0.25)
        #expect(r.string("scenario") == "fleet: 22 devices\nworkload: bag of 200")

        // /tasks: one row per attempt; each task accepted exactly once, at its finish time.
        let task = try r.column("random/tasks", "task"), outcome = try r.column("random/tasks", "outcome")
        #expect(task.count == engine.tasks.attempts.reduce(0) { $0 + Int($1) }, "one row per attempt (every task had one)")
        let accepted = task.indices.filter { outcome[$0] == Double(AttemptOutcome.accepted.rawValue) }
        #expect(accepted.count == m.tasksDone && Set(accepted.map { task[$0] }).count == m.tasksDone)
        #expect(outcome.filter { $0 == Double(AttemptOutcome.lost.rawValue) }.count == m.attemptsLost)
        #expect(m.attemptsLost > 0, "the fleet churned (the lost rows are not vacuous)")
        let returned = try r.column("random/tasks", "output_returned"), arrival = try r.column("random/tasks", "arrival")
        let ready = try r.column("random/tasks", "ready"), assigned = try r.column("random/tasks", "assigned")
        let inputDone = try r.column("random/tasks", "input_done"), computeEnd = try r.column("random/tasks", "compute_end")
        for i in accepted {
            let t = Int(task[i])
            #expect(returned[i] == Double(engine.tasks.finished[t]) / 1e9)
            #expect(arrival[i] <= ready[i] && ready[i] <= assigned[i] && assigned[i] <= inputDone[i]
                    && inputDone[i] < computeEnd[i] && computeEnd[i] <= returned[i], "row \(i): lifecycle out of order")
        }
        // Lost attempts never return; the kernel code names the work.
        #expect(task.indices.allSatisfy { outcome[$0] != Double(AttemptOutcome.lost.rawValue) || returned[$0].isNaN })
        let kernel = try r.column("random/tasks", "kernel"), job = try r.column("random/tasks", "job")
        #expect(task.indices.allSatisfy { kernel[$0] == (job[$0] == 0 ? 0 : 1) })
        #expect(r.attribute("kernel_names", on: "/random/tasks") == .strings(ResultsSchema.kernelNames))
        #expect(r.attribute("outcome_names", on: "/random/tasks") == .strings(AttemptOutcome.allCases.map(\.name)))

        // /devices adds up to the run's metrics.
        let busy = try r.column("random/devices", "busy_time").reduce(0, +)
        #expect(abs(busy - m.busySeconds) <= 1e-9 * m.busySeconds)
        let idle = try r.column("random/devices", "idle_time").reduce(0, +)
        #expect(abs(idle - m.idleSeconds) <= 1e-9 * m.idleSeconds)
        let energy = try r.column("random/devices", "energy").reduce(0, +)
        #expect(abs(energy - m.energyJoules) <= 1e-9 * m.energyJoules)
        #expect(try r.column("random/devices", "attempts_lost").reduce(0, +) == Double(m.attemptsLost))
        #expect(try r.column("random/devices", "tasks").reduce(0, +) == Double(m.tasksDone))
        #expect(r.attribute("class_names", on: "/random/devices") == .strings(["desktop", "cloud-vm"]))
        #expect(r.attribute("region_names", on: "/random/devices") == .strings(["eu", "us"]))

        // /jobs: two jobs, both finished.
        #expect(try r.column("random/jobs", "tasks") == [200, 20])
        #expect(try r.column("random/jobs", "done") == [200, 20])
        #expect(r.attribute("kind_names", on: "/random/jobs") == .strings(["bag", "requests"]))
        let finish = try r.column("random/jobs", "finish")
        #expect(finish.max() == Double(m.lastFinish) / 1e9)

        // /timeline integrates to the run: every task accepted, every joule.
        let time = try r.column("random/timeline", "time"), throughput = try r.column("random/timeline", "throughput")
        let power = try r.column("random/timeline", "power")
        let lengths = time.indices.map { $0 == 0 ? time[0] : time[$0] - time[$0 - 1] }
        #expect(time.last == engine.sim.now.seconds)
        let accounted = zip(throughput, lengths).reduce(0) { $0 + $1.0 * $1.1 }
        #expect(abs(accounted - Double(m.tasksDone)) < 1e-6)
        let joules = zip(power, lengths).reduce(0) { $0 + $1.0 * $1.1 }
        #expect(abs(joules - m.energyJoules) <= 1e-9 * m.energyJoules)
        let online = try r.column("random/timeline", "online"), busyNow = try r.column("random/timeline", "busy")
        #expect(online.allSatisfy { $0 <= 22 } && zip(busyNow, online).allSatisfy { $0 <= $1 })
        #expect(busyNow.contains { $0 > 0 } && online.contains { $0 < 22 }, "the timeline saw work and churn")

        // /summary carries every metric.
        #expect(try r.column("random/summary", "makespan") == [m.makespan])
        #expect(try r.column("random/summary", "tasks_done") == [Double(m.tasksDone)])
        #expect(try r.column("random/summary", "energy") == [m.energyJoules])
        #expect(try r.tableShape("random/summary").fields == ResultsSchema.summary.columns.map(\.name))
        #expect(throws: ResultsError.self) { try r.column("random/tasks", "no_such_field") }
    }

    @Test("recording a run does not change it")
    func recordingChangesNothing() throws {
        let (recorded, _) = try recordedRun(seed: 4)
        var c = DeviceClass.desktop
        c.availability = .renewal(on: Exponential(mean: 300), off: Exponential(mean: 100))
        let fleet = try Fleet(classes: [c, .cloudVM], regions: [("eu", 1), ("us", -5)],
                              mix: [.init(className: "desktop", region: "eu", count: 20), .init(className: "cloud-vm", region: "us", count: 2)])
        var tasks = TaskTable()
        BagOfTasks(count: 200, work: .seconds(60), inputBytes: 1e6, outputBytes: 2e5).generate(into: &tasks, job: 0, streams: RandomStreams(seed: 4))
        PoissonRequests(rate: 0.1, count: 20, work: .kernel(.gemm(m: 256, n: 256, k: 256, dtype: .fp32))).generate(into: &tasks, job: 1, streams: RandomStreams(seed: 4))
        let plain = WorkEngine(fleet: fleet, tasks: tasks, policy: RandomPolicy(context: PolicyContext(streams: RandomStreams(seed: 4))), seed: 4)
        #expect(plain.run(until: .zero + .hours(10)))
        #expect(plain.sim.eventsProcessed == recorded.sim.eventsProcessed)
        #expect(plain.tasks.finished == recorded.tasks.finished)
        #expect(plain.metrics.energyJoules == recorded.metrics.energyJoules && plain.metrics.attemptsLost == recorded.metrics.attemptsLost)
    }

    @Test("the timeline interval is a round number giving at most 2,000 samples")
    func timelineInterval() {
        #expect(RunRecorder.interval(for: .hours(24)) == .seconds(50))   // 86,400 s / 50 = 1,728
        #expect(RunRecorder.interval(for: .seconds(2_000)) == .seconds(1))
        #expect(RunRecorder.interval(for: .seconds(2_001)) == .seconds(2))
        #expect(RunRecorder.interval(for: .days(30)) == .seconds(2_000))
    }

    @Test("bytes moved per attempt, per device and per run add up; WAN bytes are those across regions")
    func bytesMoved() throws {
        let (engine, recorder) = try recordedRun()
        let path = temporaryPath("bytes.h5")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let writer = try ResultsWriter(path: path)
        try writer.write(run: engine, recorder: recorder)
        try writer.commit()
        let r = try ResultsReader(path: path)
        let perAttempt = try r.column("tasks", "bytes"), perDevice = try r.column("devices", "bytes")
        let total = try #require(try r.column("summary", "bytes_moved").first)
        let wan = try #require(try r.column("summary", "wan_bytes").first)
        // Every accepted bag task moved at least its 1 MB in and 200 kB out.
        #expect(total >= Double(200) * (1e6 + 2e5))
        #expect(abs(perAttempt.reduce(0, +) - total) < 1e-3 && abs(perDevice.reduce(0, +) - total) < 1e-3)
        // The data lives in region 0 (eu): what the two us VMs moved crossed regions, and only that.
        let region = try r.column("devices", "region")
        let usBytes = zip(region, perDevice).filter { $0.0 == 1 }.map(\.1).reduce(0, +)
        #expect(wan > 0 && abs(wan - usBytes) < 1e-3)
    }

    @Test("a task that never got an attempt has a row with attempt 0")
    func unplacedTask() throws {
        let fleet = try Fleet(classes: [.cloudVM], regions: [("eu", 1)], mix: [.init(className: "cloud-vm", region: "eu", count: 1)])
        var tasks = TaskTable()
        BagOfTasks(count: 3, work: .seconds(100)).generate(into: &tasks, job: 0, streams: RandomStreams(seed: 1))
        let engine = WorkEngine(fleet: fleet, tasks: tasks, policy: RandomPolicy(context: PolicyContext(streams: RandomStreams(seed: 1))), seed: 1)
        let recorder = RunRecorder(engine: engine, horizon: .seconds(150))
        #expect(!engine.run(until: .zero + .seconds(150)))   // one done, one running, one waiting
        let path = temporaryPath("unplaced.h5")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let writer = try ResultsWriter(path: path)
        try writer.write(run: engine, recorder: recorder)
        try writer.commit()
        let r = try ResultsReader(path: path)
        #expect(try r.column("tasks", "outcome") == [1, 0, 6].map(Double.init))
        #expect(try r.column("tasks", "attempt") == [1, 1, 0])
        #expect(try r.column("tasks", "device") == [0, 0, -1])
        #expect(try r.column("timeline", "queued").last == 1)
        #expect(try r.column("summary", "finished") == [0])
        // A job without a named kind is "unknown"; unfinished, it has no finish time.
        #expect(r.attribute("kind_names", on: "/jobs") == .strings(["unknown"]))
        #expect(try r.column("jobs", "finish").allSatisfy(\.isNaN))
    }

    @Test("a table of many chunks, shuffled and deflated in parallel, reads back exactly", arguments: [1, 6])
    func parallelChunks(level: Int) throws {
        let rows = 30_001   // 93-byte rows: two full chunks of 11,275 rows and a partial one
        var g = Xoshiro256(seed: 7)
        let a = (0..<rows).map { _ in UInt8(truncatingIfNeeded: g.next()) }
        let b = (0..<rows).map { i in Double(i) * 0.001 + g.nextUnit() }
        let c = (0..<rows).map { _ in Int32(truncatingIfNeeded: g.next()) }
        let d = (0..<rows).map { i in i % 7 == 0 ? Double.nan : Double(i) }
        let filler = (0..<9).map { k in ResultsColumn.double("f\(k)", b.map { $0 * Double(k) }, units: "s") }
        let columns: [ResultsColumn] = [.uint8("a", a, units: "1"), .double("b", b, units: "s"), .int32("c", c, units: "1"), .double("d", d, units: "s")] + filler
        var files: [String] = []
        defer { for f in files { try? FileManager.default.removeItem(atPath: f) } }
        for compression in [0, level] {
            let path = temporaryPath("chunks-\(compression).h5")
            files.append(path)
            let w = try ResultsWriter(path: path)
            w.compression = compression
            try w.writeTable("t", columns)
            try w.commit()
        }
        let plain = try ResultsReader(path: files[0]), packed = try ResultsReader(path: files[1])
        #expect(try packed.rawTable("t").bytes == plain.rawTable("t").bytes)
        #expect(try packed.column("t", "a") == a.map(Double.init))
        #expect(try packed.column("t", "c") == c.map(Double.init))
        let readD = try packed.column("t", "d")
        #expect(readD.count == rows && zip(readD, d).allSatisfy { $0 == $1 || ($0.isNaN && $1.isNaN) })
        let size = { (p: String) in (try? FileManager.default.attributesOfItem(atPath: p)[.size] as? Int) ?? 0 }
        #expect(size(files[1]) < size(files[0]) * 3 / 4, "compressed: \(size(files[1])) bytes against \(size(files[0]))")
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
        // /proc takes no new folders, even from root (a missing folder elsewhere is created)
        #expect(throws: ResultsError.self) { try ResultsWriter(path: "/proc/swarmlab-no-such-folder/run.h5") }
    }

    @Test("docs/results-schema.md shows exactly the schema in the code")
    func schemaDocMatchesCode() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let doc = try String(contentsOf: root.appendingPathComponent("docs/results-schema.md"), encoding: .utf8)
        let begin = "<!-- BEGIN GENERATED: swarmlab inspect --schema -->\n", end = "<!-- END GENERATED -->"
        let a = try #require(doc.range(of: begin)), b = try #require(doc.range(of: end))
        let embedded = String(doc[a.upperBound..<b.lowerBound])
        #expect(embedded == ResultsSchema.markdown() + "\n",
                "docs/results-schema.md is out of date: replace its generated part with the output of `swarmlab inspect --schema`")
    }
}
