import SwarmKernel

/// How one device replays a trace: host `d mod hostCount`, entered at the device's own
/// random phase φ, uniform over the trace's period (its span) and drawn from the device's
/// "availability" stream, so devices sharing a host do not share its timeline.
///
/// Device time t is trace time span.start + φ + t. Boundaries are numbered k = 0, 1, 2, …
/// over the trace repeated end to end (ON starts at even k, ends at odd k); the device starts
/// at the first boundary after φ. With `loop` the replay wraps around forever; without, the
/// device replays exactly one period (from φ to the end, then from the start up to φ) and is
/// offline after it — the same length of trace as a replay from the origin, without every
/// device sharing its phase.
struct TraceReplay {
    let trace: AvailabilityTrace
    let loop: Bool
    /// The host's first interval index and interval count.
    let lo: Int, n: Int
    /// The trace's period and the device's phase, ticks.
    let period: Int64, phase: Int64

    /// nil when the host has no interval (the device is never on).
    init?(_ trace: AvailabilityTrace, loop: Bool, device d: Int, phaseUnit: Double) {
        let h = d % max(trace.hostCount, 1)
        guard h + 1 < trace.hostOffsets.count else { return nil }
        lo = trace.hostOffsets[h]; n = trace.hostOffsets[h + 1] - lo
        guard n > 0 else { return nil }
        self.trace = trace; self.loop = loop
        period = SimDuration(seconds: trace.span.end - trace.span.start).ticks
        phase = min(Int64(phaseUnit * Double(period)), period - 1)
    }

    /// The device's phase draw: the first uniform of its "availability" stream.
    static func phaseUnit(key: UInt64) -> Double {
        var g = CountingStream(key, at: 0)
        return g.nextUnit()
    }

    /// Boundary k in device time (ticks since the run's start; may be ≤ 0 for k < `first`).
    func boundary(_ k: UInt32) -> Int64 {
        let i = Int(k) / (2 * n), j = Int(k) % (2 * n)
        let s = j % 2 == 0 ? trace.starts[lo + j / 2] : trace.ends[lo + j / 2]
        return SimDuration(seconds: s - trace.span.start).ticks + Int64(i) * period - phase
    }

    /// The first boundary after the device's start (t = 0): binary search in the first loop.
    var first: UInt32 {
        var a: UInt32 = 0, b = UInt32(2 * n)
        while a < b {
            let m = (a + b) / 2
            if boundary(m) <= 0 { a = m + 1 } else { b = m }
        }
        return a
    }

    /// The state at device time `t` (≥ the time of the previous question), walking from
    /// boundary `k`: ON or not, until when, and the next boundary's index.
    func state(at t: Int64, from start: UInt32) -> (on: Bool, end: Int64, next: UInt32) {
        var k = start
        if !loop && t >= period { return (false, .max, k) }
        while boundary(k) <= t { k += 1 }
        let on = k % 2 == 1
        let end = boundary(k)
        if !loop && end >= period { return on ? (true, period, k) : (false, .max, k) }
        return (on, end, k)
    }
}
