import Foundation
import SwarmKernel
import SwarmModel
import SwarmPolicies
import SwarmResults

/// How fast a run's attempts become `/tasks` rows: `rows` synthetic attempts (a bag of GEMM
/// tasks on a fleet of `devices`, ~5% of attempts lost and retried) are fed to a
/// `RunRecorder` as engine records, then written as the `/tasks` table of a results file at
/// each deflate level asked for. Times the recording (per record) and the write (packing,
/// shuffle + deflate, HDF5) separately; the goal (issue [4]) is ≥ 1M rows/s written.
public enum ResultsBenchmark {
    public struct Result: Sendable, Codable, Equatable {
        public var compression: Int
        public var rows: Int
        /// Seconds to write `/tasks` (from the recorder's arrays to a committed file).
        public var writeSeconds: Double
        public var rowsPerSecond: Double
        /// Bytes of the committed file, and bytes per row.
        public var fileBytes: Int
        public var bytesPerRow: Double
        /// Seconds the recorder took for the records (not repeated per level).
        public var recordSeconds: Double
        public var records: Int
    }

    /// A recorder that has seen `rows` attempts' records.
    static func recorded(rows: Int, devices: Int, seed: UInt64) throws -> (RunRecorder, TaskTable, records: Int, seconds: Double) {
        let fleet = try Fleet(classes: [DeviceClass.desktop, DeviceClass.cloudVM], regions: [("eu", 1)],
                              mix: [.init(className: "desktop", region: "eu", count: devices - devices / 10),
                                    .init(className: "cloud-vm", region: "eu", count: devices / 10)])
        let taskCount = rows * 20 / 21   // about one attempt in 20 is lost and retried
        var tasks = TaskTable()
        BagOfTasks(count: taskCount, work: .kernel(.gemm(m: 1024, n: 1024, k: 1024, dtype: .fp32)), inputBytes: 12e6, outputBytes: 4e6)
            .generate(into: &tasks, job: 0, streams: RandomStreams(seed: seed))
        let engine = WorkEngine(fleet: fleet, tasks: tasks, policy: RandomPolicy(context: PolicyContext(streams: RandomStreams(seed: seed))),
                                seed: seed, sim: Simulation(expectedPending: 16))
        let recorder = RunRecorder(engine: engine, horizon: .days(1))
        var g = RandomStreams(seed: seed).stream("results-benchmark")
        var records: [WorkEngine.Record] = []
        records.reserveCapacity(rows * 6)
        // Attempts start in waves, one per device, 1 ms apart.
        var t: Int64 = 0, row = 0, task = 0
        while row < rows && task < taskCount {
            let d = row % devices
            if d == 0 { t += 1_000_000 }
            let id = TaskID(index: task)
            let lose = g.nextIndex(below: 20) == 0 && row + 1 < rows
            let transfer = Int64(5_000_000 + g.nextIndex(below: 5_000_000)), compute = Int64(20_000_000 + g.nextIndex(below: 30_000_000))
            records.append(.queued(task: id, at: SimTime(ticks: t)))
            records.append(.started(task: id, device: d, attempt: 1, at: SimTime(ticks: t)))
            records.append(.running(task: id, at: SimTime(ticks: t)))
            records.append(.phase(task: id, device: d, phase: .computing, at: SimTime(ticks: t + transfer)))
            if lose {
                records.append(.lost(task: id, device: d, at: SimTime(ticks: t + transfer + 1)))
                records.append(.offline(device: d, at: SimTime(ticks: t + transfer + 1)))
                records.append(.online(device: d, at: SimTime(ticks: t + transfer + 2)))
                records.append(.queued(task: id, at: SimTime(ticks: t + transfer + 3)))
                records.append(.started(task: id, device: d, attempt: 2, at: SimTime(ticks: t + transfer + 3)))
                records.append(.running(task: id, at: SimTime(ticks: t + transfer + 3)))
                row += 1
            }
            let end = t + 2 * transfer + compute + 4
            records.append(.phase(task: id, device: d, phase: .transferOut, at: SimTime(ticks: end - transfer)))
            records.append(.returned(task: id, device: d, at: SimTime(ticks: end)))
            records.append(.done(task: id, device: d, at: SimTime(ticks: end), correct: true))
            row += 1; task += 1
        }
        // Records reach the recorder in time order, as from the engine.
        let ordered = records.enumerated().sorted { ($0.element.time, $0.offset) < ($1.element.time, $1.offset) }.map(\.element)
        let start = monotonicSeconds()
        for r in ordered { recorder.record(r) }
        let seconds = monotonicSeconds() - start
        recorder.finish(at: SimTime(ticks: (ordered.last?.time ?? 0) + 1))
        return (recorder, tasks, ordered.count, seconds)
    }

    public static func run(rows: Int, devices: Int = 10_000, levels: [Int] = [0, 1, 4], seed: UInt64 = 5,
                           folder: String = FileManager.default.temporaryDirectory.path) throws -> [Result] {
        let (recorder, tasks, records, recordSeconds) = try recorded(rows: rows, devices: devices, seed: seed)
        var results: [Result] = []
        for level in levels {
            let path = folder + "/swarmlab-bench-results-\(getpid())-\(level).h5"
            defer { unlink(path) }
            let start = monotonicSeconds()
            let writer = try ResultsWriter(path: path)
            writer.compression = level
            try writer.writeTasks(recorder, tasks: tasks, group: nil)
            try writer.commit()
            let seconds = monotonicSeconds() - start
            let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
            let n = recorder.rowTask.count + recorder.unplacedTasks().count
            results.append(Result(compression: level, rows: n, writeSeconds: seconds, rowsPerSecond: Double(n) / seconds,
                                  fileBytes: size, bytesPerRow: Double(size) / Double(max(n, 1)),
                                  recordSeconds: recordSeconds, records: records))
        }
        return results
    }

    /// The results as a Markdown table with the machine and command.
    public static func markdown(_ results: [Result], command: String) -> String {
        var md = "| deflate level | rows | write | rows/s | file | bytes/row |\n|---:|---:|---:|---:|---:|---:|\n"
        for r in results {
            md += "| \(r.compression)\(r.compression == 1 ? " (default)" : "") | \(r.rows.formatted()) | \(fixed(r.writeSeconds, 2)) s | "
                + "\(formatRate(r.rowsPerSecond)) | \(fixed(Double(r.fileBytes) / 1_048_576, 1)) MiB | \(fixed(r.bytesPerRow, 1)) |\n"
        }
        if let r = results.first {
            md += "\nRecording: \(r.records.formatted()) engine records into a `RunRecorder` in \(fixed(r.recordSeconds, 2)) s "
                + "(\(formatRate(Double(r.records) / r.recordSeconds)) records/s). Rows are \(ResultsSchema.tasks.columns.reduce(0) { $0 + $1.type.size }) bytes unpacked "
                + "(\(ResultsSchema.tasks.columns.count) columns); byte shuffle before deflate.\n"
        }
        let info = ProcessInfo.processInfo
        md += "\nMachine: \(info.hostName), \(info.activeProcessorCount) cores, \(info.physicalMemory >> 30) GiB, \(ISO8601DateFormatter().string(from: Date())).\nCommand: `\(command)`\n"
        return md
    }
}

extension WorkEngine.Record {
    /// When the record happened.
    var time: Int64 {
        switch self {
        case .started(_, _, _, let at), .lost(_, _, let at), .requeued(_, let at), .returned(_, _, let at), .done(_, _, let at, _),
             .blacklisted(_, let at), .cancelled(_, _, let at), .dropped(_, let at), .queued(_, let at), .running(_, let at),
             .phase(_, _, _, let at), .online(_, let at), .offline(_, let at):
            return at.ticks
        }
    }
}
