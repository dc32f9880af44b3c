/// An instant of simulated time: integer nanoseconds since the start of the run.
///
/// Why integers: addition is exact and associative, so the same scenario and seed give the
/// same event order on every machine and at every thread count; a Double of seconds loses
/// sub-microsecond resolution after a few simulated months (2⁵³ ns ≈ 104 days) and rounds
/// differently depending on the order of sums. Why nanoseconds: network and kernel costs
/// reach the microsecond, and an `Int64` of nanoseconds still spans ±292 years.
public struct SimTime: Hashable, Comparable, Sendable, CustomStringConvertible {
    /// Nanoseconds since the start of the run.
    public var ticks: Int64

    @inlinable public init(ticks: Int64) { self.ticks = ticks }

    /// The instant `seconds` after the start of the run, rounded to the nearest nanosecond.
    @inlinable public init(seconds: Double) { self.ticks = SimDuration(seconds: seconds).ticks }

    public static let zero = SimTime(ticks: 0)
    /// Later than any event can be scheduled: "run until the queue is empty".
    public static let distantFuture = SimTime(ticks: .max)

    /// Seconds since the start of the run (for output, never for ordering).
    @inlinable public var seconds: Double { Double(ticks) / 1e9 }

    @inlinable public static func < (a: SimTime, b: SimTime) -> Bool { a.ticks < b.ticks }
    @inlinable public static func + (a: SimTime, d: SimDuration) -> SimTime { SimTime(ticks: a.ticks + d.ticks) }
    @inlinable public static func - (a: SimTime, b: SimTime) -> SimDuration { SimDuration(ticks: a.ticks - b.ticks) }

    public var description: String { SimDuration(ticks: ticks).description }
}

/// A span of simulated time in integer nanoseconds (see `SimTime` for why).
public struct SimDuration: Hashable, Comparable, Sendable, CustomStringConvertible {
    public var ticks: Int64

    @inlinable public init(ticks: Int64) { self.ticks = ticks }

    /// `seconds` rounded to the nearest nanosecond (ties to even). Traps on NaN, ±∞ or more than ±292 years,
    /// which are always modelling errors.
    @inlinable public init(seconds: Double) {
        let ns = (seconds * 1e9).rounded(.toNearestOrEven)
        precondition(ns.isFinite && abs(ns) < 9.2e18,
                     "duration of \(seconds) s is not representable in Int64 nanoseconds")
        self.ticks = Int64(ns)
    }

    public static let zero = SimDuration(ticks: 0)
    @inlinable public static func nanoseconds(_ n: Int64) -> SimDuration { SimDuration(ticks: n) }
    @inlinable public static func microseconds(_ n: Int64) -> SimDuration { SimDuration(ticks: n * 1_000) }
    @inlinable public static func milliseconds(_ n: Int64) -> SimDuration { SimDuration(ticks: n * 1_000_000) }
    @inlinable public static func seconds(_ s: Double) -> SimDuration { SimDuration(seconds: s) }
    @inlinable public static func minutes(_ m: Double) -> SimDuration { SimDuration(seconds: m * 60) }
    @inlinable public static func hours(_ h: Double) -> SimDuration { SimDuration(seconds: h * 3600) }
    @inlinable public static func days(_ d: Double) -> SimDuration { SimDuration(seconds: d * 86_400) }

    @inlinable public var seconds: Double { Double(ticks) / 1e9 }

    @inlinable public static func < (a: SimDuration, b: SimDuration) -> Bool { a.ticks < b.ticks }
    @inlinable public static func + (a: SimDuration, b: SimDuration) -> SimDuration { SimDuration(ticks: a.ticks + b.ticks) }
    @inlinable public static func - (a: SimDuration, b: SimDuration) -> SimDuration { SimDuration(ticks: a.ticks - b.ticks) }

    /// Human-readable with a unit chosen by magnitude: `1.5ms`, `2h 03m 04.000s`.
    public var description: String {
        let s = Double(ticks) / 1e9
        let a = abs(s)
        if a < 1e-6 { return "\(ticks)ns" }
        if a < 1e-3 { return format(s * 1e6, "µs") }
        if a < 1 { return format(s * 1e3, "ms") }
        if a < 60 { return format(s, "s") }
        let sign = ticks < 0 ? "-" : ""
        let totalMs = abs(ticks) / 1_000_000
        let h = totalMs / 3_600_000, m = (totalMs / 60_000) % 60, ms = totalMs % 60_000
        let sec = "\(String(ms / 1000).leftPadded(2)).\(String(ms % 1000).leftPadded(3))s"
        return h > 0 ? "\(sign)\(h)h \(String(m).leftPadded(2))m \(sec)" : "\(sign)\(m)m \(sec)"
    }

    private func format(_ v: Double, _ unit: String) -> String {
        let r = (v * 1000).rounded() / 1000
        return "\(r)\(unit)"
    }
}

extension String {
    func leftPadded(_ width: Int, with pad: Character = "0") -> String {
        count >= width ? self : String(repeating: pad, count: width - count) + self
    }
}
