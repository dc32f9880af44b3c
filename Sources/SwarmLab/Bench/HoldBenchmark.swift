import Foundation
import SwarmKernel
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The classic hold model (Vaucher and Duval, "A comparison of simulation event list
/// algorithms", CACM 1975): `pending` events wait; each operation pops the earliest and
/// schedules one at now + Exp(1 s). It measures the future-event list and the run loop alone.
///
/// This runs through the real kernel path a model uses: a registered handler, `schedule`,
/// `run(maxEvents:)`.
public enum HoldBenchmark {
    /// One measured run.
    public struct Result: Sendable, Equatable, Codable {
        public var pending: Int
        public var operations: Int
        public var seconds: Double
        public var eventsPerSecond: Double
        /// Peak resident set of the whole process, KiB (getrusage).
        public var peakRSSKiB: Int
        /// The final simulated time in ticks: equal across runs with the same inputs.
        public var finalTicks: Int64
    }

    /// Runs the hold model; only the `operations` loop is timed.
    public static func run(pending: Int, operations: Int, seed: UInt64 = 42) -> Result {
        precondition(pending >= 1 && operations >= 0, "hold needs pending ≥ 1 and operations ≥ 0")
        let sim = Simulation(expectedPending: pending)
        var rng = Xoshiro256(seed: seed)
        let exp = Exponential(mean: 1)
        // unowned(unsafe): the simulation owns this handler and outlives every call of it.
        let kind = sim.register("hold") { [unowned(unsafe) sim] event in
            sim.schedule(event.kind, target: event.target, after: SimDuration(seconds: exp.sample(using: &rng)))
        }
        for i in 0..<pending {
            sim.schedule(kind, target: UInt32(truncatingIfNeeded: i), after: SimDuration(seconds: exp.sample(using: &rng)))
        }
        let start = monotonicSeconds()
        sim.run(maxEvents: UInt64(operations))
        let seconds = monotonicSeconds() - start
        return Result(pending: pending, operations: operations, seconds: seconds,
                      eventsPerSecond: seconds > 0 ? Double(operations) / seconds : 0,
                      peakRSSKiB: peakResidentKiB(), finalTicks: sim.now.ticks)
    }
}

/// Seconds on the monotonic clock.
func monotonicSeconds() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
}

/// This process's peak resident set size in KiB: VmHWM from /proc/self/status, which,
/// unlike getrusage's ru_maxrss, does not inherit the high-water mark of the process that
/// forked this one; ru_maxrss where /proc is missing.
func peakResidentKiB() -> Int {
    if let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) {
        for line in status.split(separator: "\n") where line.hasPrefix("VmHWM:") {
            if let kb = Int(line.dropFirst(6).split(separator: " ").first ?? "") { return kb }
        }
    }
    var usage = rusage()
    getrusage(RUSAGE_SELF_ID, &usage)
    return Int(usage.ru_maxrss)
}

#if canImport(Glibc)
private let RUSAGE_SELF_ID = __rusage_who_t(RUSAGE_SELF.rawValue)
#else
private let RUSAGE_SELF_ID = RUSAGE_SELF
#endif
