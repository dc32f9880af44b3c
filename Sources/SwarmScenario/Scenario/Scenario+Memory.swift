import Foundation
import SwarmKernel
import SwarmModel

/// How much memory a run of a scenario will need at its peak, part by part, so a scenario
/// too big for the machine is refused before it allocates anything.
///
/// Per-item figures are calibrated on measured peak RSS (`results/BENCHMARKS.md`): churn
/// alone costs 137 B per device at 10⁶ devices (fleet 7 B + availability cursor 16 B + one
/// pending event + the idle index), and the work engine adds per-device attempt state
/// (≈ 63 B: task, phase, event handle, start times, trust flags), so **200 B per device**;
/// the work benchmark's 10⁶ devices + 10⁶ GEMM tasks peak at 491 MiB, which leaves
/// **290 B per task** (the task table, the runner's copy and the engine's per-task state).
/// Trace intervals cost 16 B each; the process's own baseline is ~30 MiB. Checked against
/// the benchmark scenarios run from their files (release build, `/usr/bin/time` peak RSS):
/// `churn-1e6` (10⁶ devices, no work) 202 MiB measured, 221 MiB estimated;
/// `work-least-loaded` (10⁶ + 10⁶) 502 MiB measured, 497 MiB estimated; the quickstart
/// 77 MiB measured, 68 MiB estimated (small runs are dominated by the baseline).
public struct MemoryEstimate: Sendable, CustomStringConvertible {
    public static let bytesPerDevice = 200.0
    public static let bytesPerTask = 290.0
    public static let bytesPerTraceInterval = 16.0
    public static let baseBytes = 30.0 * 1_048_576

    /// What needs memory, with how many items and bytes.
    public var parts: [(what: String, items: Int, bytes: Double)]

    public var total: Double { parts.reduce(0) { $0 + $1.bytes } }
    /// The part needing the most.
    public var dominant: (what: String, items: Int, bytes: Double) { parts.max { $0.bytes < $1.bytes }! }

    public var description: String {
        "about \(formatBytes(total)) at peak (" + parts.map { "\($0.what) = \(formatBytes($0.bytes))" }.joined(separator: ", ") + ")"
    }
}

/// Bytes for people: `1.5 GiB`, `230 MiB`.
public func formatBytes(_ b: Double) -> String {
    let units = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"]
    var v = b, i = 0
    while v >= 1024 && i < units.count - 1 { v /= 1024; i += 1 }
    return i == 0 ? "\(Int(v)) B" : String(format: v < 10 ? "%.1f %@" : "%.0f %@", v, units[i])
}

/// This machine's physical memory in bytes (`MemTotal` in /proc/meminfo; the Foundation
/// figure elsewhere).
public func physicalMemoryBytes() -> Double {
    if let text = try? String(contentsOfFile: "/proc/meminfo", encoding: .utf8),
       let line = text.split(separator: "\n").first(where: { $0.hasPrefix("MemTotal:") }),
       let kib = Double(line.split(separator: " ").dropFirst().first ?? "") {
        return kib * 1024
    }
    return Double(ProcessInfo.processInfo.physicalMemory)
}

extension Scenario {
    /// Tasks the workloads will generate (counted without generating them).
    public var taskCount: Int {
        workloads.reduce(0) { $0 + (($1 as? PlacedWorkload)?.taskCount ?? 0) }
    }

    /// The estimated peak memory of one run (one policy at a time: runs are sequential).
    public var memoryEstimate: MemoryEstimate {
        var traceIntervals = 0
        for c in classes { if case .trace(let t, _) = c.availability.source { traceIntervals += t.intervalCount } }
        let devices = deviceCount, tasks = taskCount
        var parts: [(what: String, items: Int, bytes: Double)] = [
            ("fleet: \(devices) devices × \(Int(MemoryEstimate.bytesPerDevice)) B", devices, Double(devices) * MemoryEstimate.bytesPerDevice),
            ("tasks: \(tasks) × \(Int(MemoryEstimate.bytesPerTask)) B", tasks, Double(tasks) * MemoryEstimate.bytesPerTask),
            ("process baseline", 1, MemoryEstimate.baseBytes),
        ]
        if traceIntervals > 0 {
            parts.append(("traces: \(traceIntervals) intervals", traceIntervals, Double(traceIntervals) * MemoryEstimate.bytesPerTraceInterval))
        }
        return MemoryEstimate(parts: parts)
    }

    /// Refuses the scenario when its estimated peak exceeds `available` bytes (default: the
    /// machine's physical memory), saying the estimate and what dominates it.
    public func checkMemory(available: Double = physicalMemoryBytes()) throws(ScenarioError) {
        let e = memoryEstimate
        guard e.total > available else { return }
        let d = e.dominant
        let advice = d.what.hasPrefix("fleet") ? "fewer devices" : d.what.hasPrefix("tasks") ? "fewer tasks" : "a smaller trace"
        throw ScenarioError(file: file, line: 1, column: 1, path: "",
                            message: "refused: this scenario needs \(e.description), more than this machine's \(formatBytes(available)) of memory; "
                                + "\(d.what.split(separator: ":").first!) dominates (\(formatBytes(d.bytes))) — try \(advice)",
                            kind: .tooLarge)
    }
}

extension Scenario {
    /// The figures of every class the fleet uses, one comment line each (`--explain` prints
    /// them after the scenario, since built-in classes are not fields of the file).
    public var classSummary: String {
        let used = Set(fleet.filter { $0.count > 0 }.map(\.className))
        return classes.filter { used.contains($0.name) }.map { c in
            var line = "# \(c.name): cpu \(fmt(c.cpuFlops / 1e9)) GFLOP/s, \(c.cores) cores"
            if c.hasGPU { line += ", gpu \(fmt(c.gpuFlops / 1e12)) TFLOP/s with \(formatBytes(c.gpuMemory))" }
            line += ", memory \(formatBytes(c.memory)), power \(fmt(c.idleWatts))–\(fmt(c.busyWatts)) W"
            line += ", links \(fmt(c.downlink * 8 / 1e6))/\(fmt(c.uplink * 8 / 1e6)) Mbit/s, access \(c.accessLatency)"
            if c.pricePerHour > 0 { line += ", $\(fmt(c.pricePerHour))/h" }
            switch c.availability.source {
            case .alwaysOn: line += ", always on"
            case .renewal(let on, let off): line += ", ON mean \(SimDuration(seconds: on.mean)), OFF mean \(SimDuration(seconds: off.mean))"
            case .trace(let t, let loop): line += ", trace of \(t.hostCount) hosts\(loop ? ", looped" : "")"
            }
            if c.availability.window != nil { line += ", with a window" }
            return line
        }.joined(separator: "\n")
    }
}
