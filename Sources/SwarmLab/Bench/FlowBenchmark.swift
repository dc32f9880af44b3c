import Foundation
import SwarmKernel
import SwarmModel
import SwarmScenario

/// Flows at scale (issue 16, item 3): how many flow changes per second `FlowNetwork` sustains
/// with `flows` transfers in progress over region WAN and edge backhaul links, and what
/// `network.model: flows` costs the quickstart against the latency-only model.
public enum FlowBenchmark {
    /// One timed run of flow changes.
    public struct ChangesRun: Sendable, Codable, Equatable {
        public var regions: Int
        public var sites: Int
        public var flows: Int
        public var changes: Int
        public var seconds: Double
        /// CPU time of the timed part (this thread): on a shared machine under `nice`, wall
        /// time counts the other jobs' turns too.
        public var cpuSeconds: Double
        /// Buckets (shared links × cap) the network held at the end.
        public var buckets: Int
        /// Timed changes whose rates came from replaying the component's last filling, from a
        /// new filling, and replays refused (the bottleneck had moved; each then filled anew).
        public var replayed: Int = 0
        public var filled: Int = 0
        public var refused: Int = 0
        public var changesPerSecond: Double { Double(changes) / seconds }
        public var changesPerCPUSecond: Double { Double(changes) / cpuSeconds }
    }

    /// Device classes of the change benchmark: (downlink, uplink), bytes per second — a phone
    /// on 4G, a laptop on home broadband, a desktop on fibre.
    static let accessClasses: [(Double, Double)] = [(12.5e6, 2.5e6), (50e6, 10e6), (125e6, 125e6)]

    /// `flows` devices in `regions` regions (WAN 10 Gbit/s each way), half of them behind one
    /// of `sites` edge sites (backhaul 1 Gbit/s), each running one transfer at a time to or from
    /// a storage node in a random region; once all `flows` transfers run, `changes` changes
    /// are timed: the transfer finishing next ends and its device starts another (two changes).
    public static func changes(regions: Int, sites: Int, flows: Int, changes: Int, seed: UInt64 = 16) -> ChangesRun {
        var g = RandomStreams(seed: seed).stream("flow-benchmark")
        let topology = Topology(
            regions: (0..<regions).map { .init(name: "r\($0)", wanCapacity: 10e9 / 8) },
            edgeSites: (0..<sites).map { .init(name: "s\($0)", region: RegionID(index: $0 % regions), backhaulCapacity: 1e9 / 8) },
            clusters: (0..<regions).map { .init(name: "storage\($0)", region: RegionID(index: $0), nodeCount: 1, nicBandwidth: 100e9 / 8) })
        var net = topology.makeFlowNetwork()
        var devices: [TransferEndpoint] = []
        devices.reserveCapacity(flows)
        for _ in 0..<flows {
            let (down, up) = accessClasses[g.nextIndex(below: accessClasses.count)]
            let downlink = net.addLink(capacity: down), uplink = net.addLink(capacity: up)
            let attachment: NetworkAttachment = sites > 0 && g.nextIndex(below: 2) == 0
                ? .edgeSite(EdgeSiteID(UInt32(g.nextIndex(below: sites))))
                : .region(RegionID(index: g.nextIndex(below: regions)))
            devices.append(.device(attachment, uplink: uplink, downlink: downlink))
        }
        var deviceOf = [Int32](repeating: -1, count: flows)
        func start(_ d: Int, at t: SimTime, _ net: inout FlowNetwork, _ g: inout Xoshiro256) {
            let storage = TransferEndpoint.clusterNode(ClusterID(UInt32(g.nextIndex(below: regions))), node: 0)
            let path = g.nextIndex(below: 2) == 0 ? topology.path(from: storage, to: devices[d]) : topology.path(from: devices[d], to: storage)
            let id = net.addFlow(bytes: Double(1 + g.nextIndex(below: 1000)) * 1e6, links: path, at: t)
            if Int(id.slot) >= deviceOf.count { deviceOf.append(contentsOf: repeatElement(-1, count: Int(id.slot) + 1 - deviceOf.count)) }
            deviceOf[Int(id.slot)] = Int32(d)
        }
        for d in 0..<flows { start(d, at: .zero, &net, &g) }
        let counts0 = (net.replayedChanges, net.filledChanges, net.refusedReplays)
        let t0 = monotonicSeconds(), c0 = threadCPUSeconds()
        var done = 0
        while done < changes, let (id, at) = net.nextCompletion() {
            let d = Int(deviceOf[Int(id.slot)])
            net.removeFlow(id, at: at)
            start(d, at: at, &net, &g)
            done += 2
        }
        let seconds = monotonicSeconds() - t0, cpu = threadCPUSeconds() - c0
        return ChangesRun(regions: regions, sites: sites, flows: flows, changes: done, seconds: seconds, cpuSeconds: cpu,
                          buckets: net.bucketsCreated, replayed: net.replayedChanges - counts0.0,
                          filled: net.filledChanges - counts0.1, refused: net.refusedReplays - counts0.2)
    }

    /// CPU seconds this thread has used.
    static func threadCPUSeconds() -> Double {
        var t = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t)
        return Double(t.tv_sec) + Double(t.tv_nsec) / 1e9
    }

    /// One timed run of the quickstart (`Scenario.quickstartText`) under `policy` with
    /// `network.model` set to `model`.
    public struct QuickstartRun: Sendable, Codable, Equatable {
        public var model: String
        public var policy: String
        public var seconds: Double
        public var events: UInt64
        public var tasksDone: Int
    }

    public static func quickstart(model: String, policy: String) throws -> QuickstartRun {
        let text = Scenario.quickstartText + "\nnetwork: { model: \(model) }\n"
        let scenario = try Scenario.parse(text: text, file: "quickstart.yaml", registry: .builtin)
        let r = try ScenarioRunner.runPolicy(scenario, policy: policy, writer: nil, group: policy)
        return QuickstartRun(model: model, policy: policy, seconds: r.wallSeconds, events: r.events, tasksDone: r.metrics.tasksDone)
    }

    static func spread(_ xs: [Double]) -> (median: Double, min: Double, max: Double) {
        let s = xs.sorted()
        let median = s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2
        return (median, s.first ?? 0, s.last ?? 0)
    }

    /// The Markdown block of `results/BENCHMARKS.md` (section `flows`).
    public static func markdown(changes: [ChangesRun], quickstart: [QuickstartRun], command: String) -> String {
        var out = "Command: `\(command)` (release build), all runs in this one process.\n\n"
        if !changes.isEmpty {
            out += "| regions | edge sites | flows in progress | changes per run | buckets | changes/s (wall) median | min | max | changes per CPU-second median | min | max | runs | replayed | refused |\n"
            out += "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n"
            var keys: [[Int]] = []
            for r in changes where !keys.contains([r.regions, r.sites, r.flows]) { keys.append([r.regions, r.sites, r.flows]) }
            for k in keys {
                let runs = changes.filter { [$0.regions, $0.sites, $0.flows] == k }
                let s = spread(runs.map(\.changesPerSecond)), c = spread(runs.map(\.changesPerCPUSecond))
                out += "| \(k[0]) | \(k[1]) | \(k[2]) | \(runs[0].changes) | \(runs[0].buckets) | \(Int(s.median)) | \(Int(s.min)) | \(Int(s.max))"
                let r = runs[0], percent = { (n: Int) in String(format: "%.1f%%", 100 * Double(n) / Double(max(1, r.changes))) }
                out += " | \(Int(c.median)) | \(Int(c.min)) | \(Int(c.max)) | \(runs.count) | \(percent(r.replayed)) | \(percent(r.refused)) |\n"
            }
        }
        if !quickstart.isEmpty {
            out += "\nQuickstart (100,000 devices, 24 h), wall seconds of the simulation per policy:\n\n"
            out += "| policy | network model | seconds median | min | max | runs | events | tasks done |\n"
            out += "|---|---|---:|---:|---:|---:|---:|---:|\n"
            var ratio: [String] = []
            for p in Array(Set(quickstart.map(\.policy))).sorted() {
                var medians: [String: Double] = [:]
                for m in ["latency", "flows"] {
                    let runs = quickstart.filter { $0.policy == p && $0.model == m }
                    guard !runs.isEmpty else { continue }
                    let s = spread(runs.map(\.seconds))
                    medians[m] = s.median
                    out += "| \(p) | \(m) | \(String(format: "%.2f", s.median)) | \(String(format: "%.2f", s.min)) | \(String(format: "%.2f", s.max)) | \(runs.count) | \(runs[0].events) | \(runs[0].tasksDone) |\n"
                }
                if let l = medians["latency"], let f = medians["flows"] { ratio.append("\(p): \(String(format: "%.2f", f / l))×") }
            }
            if !ratio.isEmpty { out += "\nflows / latency (medians): " + ratio.joined(separator: ", ") + " (goal: ≤ 2×).\n" }
        }
        return out
    }
}
