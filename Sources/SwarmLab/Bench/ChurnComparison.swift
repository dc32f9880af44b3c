import Foundation

/// The churn benchmark as published: each (mode, fleet size, horizon) in its own process, so
/// peak memory and bytes per device are per run; with peers, SimPy's churn model on the same
/// semantics in the same invocation.
public struct ChurnComparison: Sendable {
    public struct Row: Sendable, Codable {
        public var swarmlab: ChurnBenchmark.Result
        /// SimPy's figures for the same fleet size and semantics (work mode, 24 h only).
        public var simpy: PeerChurn?
    }

    public struct PeerChurn: Sendable, Codable, Equatable {
        public var devices: Int
        public var events: Int
        public var tasksDone: Int
        public var tasksLost: Int
        public var seconds: Double
        public var peakRSSKiB: Int
    }

    public var devices: [Int]
    public var hours: [Double]
    public var modes: [ChurnBenchmark.Mode]
    public var swarmlabExecutable: URL
    /// `benchmarks/peers/churn_simpy.py`, run with `--stationary` (each device's first period
    /// the residual of one under way, as Swarmlab's lazy availability starts it); nil skips SimPy.
    public var simpyScript: URL?
    /// Largest fleet SimPy is run on (1e5 devices take it about two minutes).
    public var simpyLimit = 100_000

    public init(devices: [Int], hours: [Double], modes: [ChurnBenchmark.Mode], swarmlabExecutable: URL, simpyScript: URL?) {
        self.devices = devices; self.hours = hours; self.modes = modes
        self.swarmlabExecutable = swarmlabExecutable; self.simpyScript = simpyScript
    }

    public func run(progress: (String) -> Void = { _ in }) throws -> [Row] {
        var rows: [Row] = []
        for mode in modes {
            for h in hours where !(mode == .work && h != 24) {
                for n in devices {
                    let r = try execute(swarmlabExecutable, ["bench", "churn", "--single", "--mode", mode.rawValue,
                                                             "--devices", "\(n)", "--hours", "\(h)", "--json"])
                    guard r.status == 0 else {
                        throw HoldComparison.Failure(description: "swarmlab bench churn exited \(r.status): \(r.stderr)")
                    }
                    let result = try JSONDecoder().decode(ChurnBenchmark.Result.self, from: Data(r.stdout.utf8))
                    progress("\(mode.rawValue) \(n) devices \(Int(h)) h: \(String(format: "%.2f", result.seconds)) s, \(result.events) events, \(formatRate(result.eventsPerSecond)) events/s")
                    var peer: PeerChurn?
                    if mode == .work, let script = simpyScript, n <= simpyLimit {
                        peer = try runSimPy(script, devices: n)
                        if let p = peer { progress("simpy \(n) devices: \(String(format: "%.2f", p.seconds)) s, \(p.tasksDone) tasks done") }
                    }
                    rows.append(Row(swarmlab: result, simpy: peer))
                }
            }
        }
        return rows
    }

    func runSimPy(_ script: URL, devices: Int) throws -> PeerChurn? {
        let timeBinary = URL(fileURLWithPath: "/usr/bin/time")
        let useTime = FileManager.default.isExecutableFile(atPath: timeBinary.path)
        let r = useTime
            ? try execute(timeBinary, ["-f", "peak_rss_kb %M", "python3", script.path, "\(devices)", "--stationary"])
            : try execute(URL(fileURLWithPath: "/usr/bin/env"), ["python3", script.path, "\(devices)", "--stationary"])
        guard r.status == 0 else { return nil }
        let f = HoldComparison.parse(r.stdout + "\n" + r.stderr)
        guard let events = f["events"], let done = f["tasks_done"], let lost = f["tasks_lost"], let s = f["seconds"] else { return nil }
        return PeerChurn(devices: devices, events: Int(events), tasksDone: Int(done), tasksLost: Int(lost),
                         seconds: s, peakRSSKiB: Int(f["peak_rss_kb"] ?? 0))
    }

    /// The results as Markdown: one table per mode, plus the SimPy comparison.
    public static func markdown(_ rows: [Row], command: String) -> String {
        var md = ""
        let titles: [ChurnBenchmark.Mode: String] = [
            .churn: "Churn only, lazy availability (one pending event per device)",
            .eager: "Churn only, eager oracle (every renewal toggle an event)",
            .work: "Volunteer work (SimPy peer semantics: 600-s tasks, lost on leave), 24 h",
        ]
        for mode in ChurnBenchmark.Mode.allCases {
            let rs = rows.filter { $0.swarmlab.mode == mode }
            guard !rs.isEmpty else { continue }
            md += "**\(titles[mode]!)**\n\n"
            md += "| devices | horizon | wall (run) | setup | events | events/s | peak RSS | bytes/device |"
            md += mode == .work ? " tasks done | tasks lost |\n|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n" : "\n|---:|---:|---:|---:|---:|---:|---:|---:|\n"
            for r in rs {
                let s = r.swarmlab
                md += "| \(grouped(s.devices)) | \(Int(s.hours)) h | \(fixed(s.seconds, 2)) s | \(fixed(s.setupSeconds, 2)) s | \(grouped(Int(s.events))) | \(grouped(Int(s.eventsPerSecond))) | \(mib(s.peakRSSKiB)) | \(Int(s.bytesPerDevice.rounded())) |"
                md += mode == .work ? " \(grouped(s.tasksDone)) | \(grouped(s.tasksLost)) |\n" : "\n"
            }
            md += "\n"
        }
        let peers = rows.compactMap { r in r.simpy.map { (r.swarmlab, $0) } }
        if !peers.isEmpty {
            md += "**Against SimPy** (`benchmarks/peers/churn_simpy.py --stationary`, same semantics — both start each device ON with probability 0.5 in the residual of a period under way — one run each)\n\n"
            md += "| devices | Swarmlab wall | SimPy wall | **SimPy / Swarmlab** | Swarmlab tasks done | SimPy tasks done | difference | Swarmlab peak RSS | SimPy peak RSS |\n"
            md += "|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n"
            for (s, p) in peers {
                let diff = Double(s.tasksDone - p.tasksDone) / Double(max(p.tasksDone, 1)) * 100
                md += "| \(grouped(s.devices)) | \(fixed(s.seconds, 2)) s | \(fixed(p.seconds, 2)) s | **\(fixed(p.seconds / s.seconds, 1))×** | \(grouped(s.tasksDone)) | \(grouped(p.tasksDone)) | \(fixed(diff, 2))% | \(mib(s.peakRSSKiB)) | \(mib(p.peakRSSKiB)) |\n"
            }
            md += "\n"
        }
        let info = ProcessInfo.processInfo
        md += "Machine: \(info.hostName), \(info.activeProcessorCount) cores, \(info.physicalMemory >> 30) GiB, \(ISO8601DateFormatter().string(from: Date())). "
        md += "Each row is one run in its own process; wall (run) is the event loop, setup builds the fleet and schedules first events.\n"
        md += "Command: `\(command)`\n"
        return md
    }
}
