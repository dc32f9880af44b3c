import Foundation
import Testing
import SwarmLab

/// Crash-safety tests (docs/reliability.md) start the built `swarmlab` (as `swarmlab(_:)`
/// does), kill it with SIGKILL — no clean-up runs — at a point of their choosing, then check
/// what it left. This is the one way they start and kill it.
struct KilledCommand {
    /// Whether SIGKILL ended it (false: it finished first, with this status).
    var killed: Bool
    var status: Int32
    /// The process id it had (its temporaries are named after it).
    var pid: Int32

    /// Starts `swarmlab ARGUMENTS`; once `ready` holds (checked every 2 ms, for at most
    /// `timeout` seconds), waits `delay` seconds more and kills it. Output is discarded.
    static func run(_ arguments: [String], delay: Double = 0, timeout: Double = 120,
                    ready: () -> Bool = { true }) throws -> KilledCommand {
        try run(arguments, delay: delay, timeout: timeout, readyProcess: { _ in ready() })
    }

    /// The same, with `readyProcess` given the process id (to look at its children).
    static func run(_ arguments: [String], delay: Double = 0, timeout: Double = 120,
                    readyProcess ready: (Int32) -> Bool) throws -> KilledCommand {
        let binary = ProcessInfo.processInfo.environment["SWARMLAB_BIN"]
            ?? repositoryRoot.appendingPathComponent(".build/debug/swarmlab").path
        let p = Process()
        p.executableURL = URL(fileURLWithPath: binary)
        p.arguments = arguments
        p.currentDirectoryURL = repositoryRoot
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try p.run()
        let deadline = Date().addingTimeInterval(timeout)
        while p.isRunning && !ready(p.processIdentifier) && Date() < deadline { usleep(2_000) }
        if delay > 0 && p.isRunning { usleep(useconds_t(delay * 1e6)) }
        kill(p.processIdentifier, SIGKILL)
        p.waitUntilExit()
        return KilledCommand(killed: p.terminationReason == .uncaughtSignal, status: p.terminationStatus, pid: p.processIdentifier)
    }

    /// Seconds `swarmlab ARGUMENTS` takes to finish (the span random kill points are drawn in).
    static func timed(_ arguments: [String]) throws -> Double {
        let start = Date()
        let r = try swarmlab(arguments)
        try #require(r.status == 0, "swarmlab \(arguments.joined(separator: " ")): \(r.stderr)")
        return Date().timeIntervalSince(start)
    }
}

/// A kill point in [0, 1) drawn from `seed` (SplitMix64), so a failing case names its seed.
func killFraction(seed: UInt64) -> Double {
    var z = seed &+ 0x9E37_79B9_7F4A_7C15
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return Double((z ^ (z >> 31)) >> 11) / Double(1 << 53)
}

/// Differences between two results files: every group, every table's bytes, every attribute
/// but `ignoring` (those that name the moment or the machine of a run). Empty means the same.
func resultsDifferences(_ a: String, _ b: String, ignoring: Set<String> = ["created", "wall_time"]) throws -> [String] {
    let ra = try ResultsReader(path: a), rb = try ResultsReader(path: b)
    var differences: [String] = []
    var pending = ["/"]
    while let group = pending.popLast() {
        let prefix = group == "/" ? "" : group + "/"
        let ca = ra.children(of: group), cb = rb.children(of: group)
        if ca.map(\.name) != cb.map(\.name) { differences.append("\(group): children \(ca.map(\.name)) vs \(cb.map(\.name))"); continue }
        for name in Set(ra.attributeNames(on: group) + rb.attributeNames(on: group)).subtracting(ignoring).sorted()
        where ra.attribute(name, on: group) != rb.attribute(name, on: group) {
            differences.append("\(group): attribute \(name)")
        }
        for (name, kind) in ca {
            switch kind {
            case .group: pending.append(prefix + name)
            case .table:
                let ta = try ra.rawTable(prefix + name), tb = try rb.rawTable(prefix + name)
                if ta.bytes != tb.bytes || ta.rowSize != tb.rowSize { differences.append("\(prefix)\(name): table bytes differ") }
            case .other: break
            }
        }
    }
    return differences
}
