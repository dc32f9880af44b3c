import Foundation

/// The hold benchmark as published: Swarmlab's kernel, the C baseline and (optionally) the
/// peer simulators, each in its own process (so peak memory is per run), alternated per size
/// so that machine noise hits all of them alike; ratios are computed inside one invocation.
public struct HoldComparison: Sendable {
    /// One measurement of one implementation at one size.
    public struct Sample: Sendable, Codable, Equatable {
        public var implementation: String
        public var pending: Int
        public var steps: Int
        public var seconds: Double
        public var eventsPerSecond: Double
        public var peakRSSKiB: Int
    }

    /// The median figures of one implementation at one size.
    public struct Row: Sendable, Codable {
        public var pending: Int
        public var swarmlab: Sample
        public var c: Sample?
        public var peers: [Sample]
        /// Swarmlab events/s ÷ C events/s, each the median of the repeats.
        public var ratioToC: Double? { c.map { swarmlab.eventsPerSecond / $0.eventsPerSecond } }
    }

    public var sizes: [Int]
    public var operations: Int
    public var repeats: Int
    /// The executable that runs one Swarmlab measurement: `swarmlab bench hold --single`.
    public var swarmlabExecutable: URL
    /// `benchmarks/baselines/hold.c`, compiled with `cc -O2`; nil skips the C baseline.
    public var baselineSource: URL?
    /// `benchmarks/peers/run`; nil skips the peers.
    public var peersScript: URL?
    /// Largest size each peer is run at (SimGrid needs ~17 KiB per pending event).
    public var peerLimits: [String: Int] = ["simpy": 1_000_000, "simgrid": 100_000]
    /// Events each peer runs (peers are 20–50× slower; fewer steps keep the bench short).
    public var peerSteps = 2_000_000

    public init(sizes: [Int], operations: Int, repeats: Int, swarmlabExecutable: URL,
                baselineSource: URL?, peersScript: URL?) {
        self.sizes = sizes; self.operations = operations; self.repeats = repeats
        self.swarmlabExecutable = swarmlabExecutable
        self.baselineSource = baselineSource; self.peersScript = peersScript
    }

    /// Failures of the benchmark's own machinery (not of the code under test).
    public struct Failure: Error, CustomStringConvertible {
        public var description: String
    }

    /// Runs every size, calling `progress` with a line per finished measurement.
    public func run(progress: (String) -> Void = { _ in }) throws -> [Row] {
        var cBinary: URL?
        if let source = baselineSource {
            cBinary = try compileBaseline(source)
        }
        var rows: [Row] = []
        for n in sizes {
            var ours: [Sample] = [], theirs: [Sample] = []
            for r in 0..<repeats {
                let s = try measure(swarmlabExecutable, ["bench", "hold", "--single", "--pending", "\(n)", "--operations", "\(operations)"], "swarmlab")
                ours.append(s)
                progress("swarmlab  N=\(n) repeat \(r + 1): \(formatRate(s.eventsPerSecond)) events/s")
                if let c = cBinary {
                    let s = try measure(c, ["\(n)", "\(operations)"], "c")
                    theirs.append(s)
                    progress("c         N=\(n) repeat \(r + 1): \(formatRate(s.eventsPerSecond)) events/s")
                }
            }
            var peers: [Sample] = []
            if let script = peersScript {
                peers = try runPeers(script, pending: n)
                for p in peers { progress("\(p.implementation.padding(toLength: 9, withPad: " ", startingAt: 0)) N=\(n): \(formatRate(p.eventsPerSecond)) events/s") }
            }
            rows.append(Row(pending: n, swarmlab: median(ours), c: theirs.isEmpty ? nil : median(theirs), peers: peers))
        }
        return rows
    }

    func compileBaseline(_ source: URL) throws -> URL {
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("swarmlab-hold-c-\(getpid())")
        let result = try execute(URL(fileURLWithPath: "/usr/bin/env"),
                                 ["cc", "-O2", "-std=c11", "-o", out.path, source.path, "-lm"])
        guard result.status == 0 else {
            throw Failure(description: "cannot compile \(source.path): \(result.stderr)")
        }
        return out
    }

    func measure(_ executable: URL, _ arguments: [String], _ name: String) throws -> Sample {
        let result = try execute(executable, arguments)
        guard result.status == 0 else {
            throw Failure(description: "\(executable.lastPathComponent) \(arguments.joined(separator: " ")) exited \(result.status): \(result.stderr)")
        }
        let fields = HoldComparison.parse(result.stdout)
        guard let n = fields["pending"], let steps = fields["steps"], let seconds = fields["seconds"],
              let rate = fields["events_per_second"], let rss = fields["peak_rss_kb"] else {
            throw Failure(description: "unexpected output from \(executable.lastPathComponent): \(result.stdout)")
        }
        return Sample(implementation: name, pending: Int(n), steps: Int(steps), seconds: seconds,
                      eventsPerSecond: rate, peakRSSKiB: Int(rss))
    }

    func runPeers(_ script: URL, pending n: Int) throws -> [Sample] {
        let eligible = peerLimits.filter { n <= $0.value }.keys.sorted()
        guard !eligible.isEmpty else { return [] }
        let result = try execute(script, ["hold", "\(n)", "\(peerSteps)"])
        var samples: [Sample] = []
        for line in result.stdout.split(separator: "\n") where line.hasPrefix("peer ") {
            let words = line.split(separator: " ").map(String.init)
            guard words.count > 2, eligible.contains(words[1]), words[2] != "unavailable:" else { continue }
            let f = HoldComparison.parse(words.dropFirst(2).joined(separator: " "))
            if let steps = f["steps"], let seconds = f["seconds"], let rate = f["events_per_second"] {
                samples.append(Sample(implementation: words[1], pending: n, steps: Int(steps), seconds: seconds,
                                      eventsPerSecond: rate, peakRSSKiB: Int(f["peak_rss_kb"] ?? 0)))
            }
        }
        return samples
    }

    /// Reads `key value` pairs, whitespace-separated, across lines.
    static func parse(_ text: String) -> [String: Double] {
        let words = text.split(whereSeparator: { $0 == " " || $0 == "\n" }).map(String.init)
        var fields: [String: Double] = [:]
        var i = 0
        while i + 1 < words.count {
            if let v = Double(words[i + 1]) { fields[words[i]] = v; i += 2 } else { i += 1 }
        }
        return fields
    }

    func median(_ samples: [Sample]) -> Sample {
        let sorted = samples.sorted { $0.eventsPerSecond < $1.eventsPerSecond }
        return sorted[sorted.count / 2]
    }
}

/// `12.3M`, `950k`: events per second at a glance.
public func formatRate(_ r: Double) -> String {
    if r >= 1e6 { return "\((r / 1e4).rounded() / 100)M" }
    if r >= 1e3 { return "\((r / 10).rounded() / 100)k" }
    return "\(Int(r))"
}

/// Runs a program to completion, capturing its output.
func execute(_ executable: URL, _ arguments: [String]) throws -> (status: Int32, stdout: String, stderr: String) {
    let p = Process()
    p.executableURL = executable
    p.arguments = arguments
    // stderr goes to a file: reading two pipes one after the other can deadlock.
    let errPath = FileManager.default.temporaryDirectory.appendingPathComponent("swarmlab-stderr-\(getpid())-\(UInt64.random(in: 0...UInt64.max))")
    FileManager.default.createFile(atPath: errPath.path, contents: nil)
    defer { try? FileManager.default.removeItem(at: errPath) }
    let errHandle = try FileHandle(forWritingTo: errPath)
    let out = Pipe()
    p.standardOutput = out
    p.standardError = errHandle
    try p.run()
    let o = out.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    try? errHandle.close()
    let e = (try? Data(contentsOf: errPath)) ?? Data()
    return (p.terminationStatus, String(decoding: o, as: UTF8.self), String(decoding: e, as: UTF8.self))
}
