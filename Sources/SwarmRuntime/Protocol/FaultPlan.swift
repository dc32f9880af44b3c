import Foundation
import SwarmKernel

/// Faults injected into the reference runtime, to test that it loses and double-counts no
/// task under them: frame loss, delay and reordering on workers' connections (applied by the
/// coordinator to the frames it writes and to those it reads, so both directions), workers
/// that stop reading, and a coordinator restart. Never part of a plan or a scenario: tests
/// pass one in `CoordinatorOptions.faults`, and `ReferenceRuntime.run` reads
/// `SWARMLAB_FAULTS` (`FaultPlan(environment:)`); a normal run has none.
public struct FaultPlan: Sendable, Equatable {
    /// Probability that a frame is dropped, each frame and direction independently.
    public var loss = 0.0
    /// Wall seconds added to every frame, plus a uniform draw in [0, `jitter`) wall seconds
    /// (frames overtake one another when their draws differ).
    public var delay = 0.0
    public var jitter = 0.0
    /// Probability that a frame is held back `reorderHold` wall seconds more, so the frames
    /// behind it overtake it.
    public var reorder = 0.0
    public var reorderHold = 0.02
    /// The devices whose connections get loss, delay and reordering (nil: every device).
    public var devices: Set<Int>?
    /// Device → how many assignments its worker reads before it stops reading its
    /// connection for good (it keeps sending heartbeats).
    public var stopReading: [Int: Int] = [:]
    /// The coordinator restarts at this scenario second: it drops every connection, every
    /// message in flight and what it knew of its workers (sequence numbers, heartbeats), and
    /// accepts connections again `restartDowntime` wall seconds later.
    public var restartAt: Double?
    public var restartDowntime = 0.0
    /// Seed of the fault draws: same seed, same sequence of decisions.
    public var seed: UInt64 = 1

    public init(loss: Double = 0, delay: Double = 0, jitter: Double = 0, reorder: Double = 0,
                devices: Set<Int>? = nil, stopReading: [Int: Int] = [:],
                restartAt: Double? = nil, restartDowntime: Double = 0, seed: UInt64 = 1) {
        self.loss = loss; self.delay = delay; self.jitter = jitter; self.reorder = reorder
        self.devices = devices; self.stopReading = stopReading
        self.restartAt = restartAt; self.restartDowntime = restartDowntime; self.seed = seed
    }

    /// Whether frames of device `d`'s connection get loss, delay and reordering.
    public var perturbsFrames: Bool { loss > 0 || delay > 0 || jitter > 0 || reorder > 0 }
    public func applies(to d: Int) -> Bool { perturbsFrames && (devices?.contains(d) ?? true) }

    /// The name of the environment variable `ReferenceRuntime.run` reads.
    public static let environmentVariable = "SWARMLAB_FAULTS"

    /// Parses `SWARMLAB_FAULTS`: comma-separated `key=value` items — `loss=0.1`,
    /// `delay=5ms`, `jitter=20ms`, `reorder=0.2`, `hold=30ms`, `devices=0+2`,
    /// `stop-reading=1@3` (device 1 after 3 assignments; repeatable), `restart=4s+300ms`
    /// (scenario second 4, wall downtime 300 ms), `seed=7`. Durations take `s` or `ms`.
    /// nil when the variable is unset or empty.
    public init?(environment: [String: String]) throws(RuntimeError) {
        guard let text = environment[FaultPlan.environmentVariable], !text.isEmpty else { return nil }
        self.init()
        for item in text.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) }) where !item.isEmpty {
            let parts = item.split(separator: "=", maxSplits: 1).map(String.init)
            func bad(_ expected: String) -> RuntimeError {
                .badPlan("\(FaultPlan.environmentVariable) item '\(item)': expected \(expected)")
            }
            guard parts.count == 2 else { throw bad("key=value") }
            let value = parts[1]
            func probability() throws(RuntimeError) -> Double {
                guard let p = Double(value), p >= 0, p <= 1 else { throw bad("a probability in [0, 1], found '\(value)'") }
                return p
            }
            func seconds(_ s: String) throws(RuntimeError) -> Double {
                let (digits, scale) = s.hasSuffix("ms") ? (String(s.dropLast(2)), 1e-3) : s.hasSuffix("s") ? (String(s.dropLast()), 1.0) : ("", 0)
                guard let v = Double(digits), v.isFinite, v >= 0 else { throw bad("a duration such as 20ms or 1.5s, found '\(s)'") }
                return v * scale
            }
            switch parts[0] {
            case "loss": loss = try probability()
            case "reorder": reorder = try probability()
            case "delay": delay = try seconds(value)
            case "jitter": jitter = try seconds(value)
            case "hold": reorderHold = try seconds(value)
            case "seed":
                guard let s = UInt64(value) else { throw bad("an unsigned integer seed, found '\(value)'") }
                seed = s
            case "devices":
                let ids = value.split(separator: "+").map { Int($0) }
                guard !ids.isEmpty, ids.allSatisfy({ ($0 ?? -1) >= 0 }) else { throw bad("device ids joined by '+', found '\(value)'") }
                devices = Set(ids.map { $0! })
            case "stop-reading":
                let p = value.split(separator: "@").map { Int($0) }
                guard p.count == 2, let d = p[0], let k = p[1], d >= 0, k >= 0 else { throw bad("DEVICE@ASSIGNMENTS, found '\(value)'") }
                stopReading[d] = k
            case "restart":
                let p = value.split(separator: "+").map(String.init)
                guard p.count == 2 else { throw bad("SCENARIO_TIME+DOWNTIME such as 4s+300ms, found '\(value)'") }
                restartAt = try seconds(p[0]); restartDowntime = try seconds(p[1])
            default:
                throw bad("one of loss, delay, jitter, reorder, hold, devices, stop-reading, restart, seed")
            }
        }
    }
}

/// Draws the fault plan's decisions, one frame at a time, from its own seeded stream.
struct FaultInjector {
    let plan: FaultPlan
    var random: SplitMix64
    /// What was injected, for the run's log.
    var dropped = 0, delayed = 0, heldBack = 0

    init(_ plan: FaultPlan) { self.plan = plan; random = SplitMix64(seed: plan.seed) }

    /// nil: drop the frame; else the wall seconds to hold it (0: pass it on now).
    mutating func decide(device d: Int) -> Double? {
        guard plan.applies(to: d) else { return 0 }
        if plan.loss > 0 && Double.random(in: 0..<1, using: &random) < plan.loss { dropped += 1; return nil }
        var hold = plan.delay + (plan.jitter > 0 ? Double.random(in: 0..<plan.jitter, using: &random) : 0)
        if plan.reorder > 0 && Double.random(in: 0..<1, using: &random) < plan.reorder { hold += plan.reorderHold; heldBack += 1 }
        if hold > 0 { delayed += 1 }
        return hold
    }
}
