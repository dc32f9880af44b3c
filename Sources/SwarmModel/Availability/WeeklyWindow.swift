/// When, in a device's local week, its owner's opt-in condition holds: charging at night,
/// idle outside working hours, on an unmetered network at home. A set of half-open intervals
/// of seconds since Monday 00:00 local time, sorted and disjoint.
///
/// Convention: simulated time 0 is Monday 00:00 UTC; a device's local time is simulated time
/// plus its region's UTC offset plus its own shift (owners do not all plug in at 23:00 sharp).
public struct WeeklyWindow: Sendable, Equatable {
    public static let week: Int64 = 7 * 86_400
    /// Open intervals, seconds since Monday 00:00 local, within [0, week).
    public private(set) var intervals: [(start: Int64, end: Int64)]

    public static func == (a: WeeklyWindow, b: WeeklyWindow) -> Bool {
        a.intervals.elementsEqual(b.intervals) { $0 == $1 }
    }

    /// A window from explicit intervals in seconds of the week; merged and wrapped at the
    /// week's end.
    public init(secondsOfWeek: [(start: Int64, end: Int64)]) {
        var pieces: [(Int64, Int64)] = []
        for (s, e) in secondsOfWeek {
            precondition(e > s && e - s <= WeeklyWindow.week, "window interval must be non-empty and at most a week")
            let s0 = ((s % WeeklyWindow.week) + WeeklyWindow.week) % WeeklyWindow.week
            let e0 = s0 + (e - s)
            if e0 <= WeeklyWindow.week { pieces.append((s0, e0)) }
            else { pieces.append((s0, WeeklyWindow.week)); pieces.append((0, e0 - WeeklyWindow.week)) }
        }
        pieces.sort { $0.0 < $1.0 }
        var merged: [(start: Int64, end: Int64)] = []
        for p in pieces {
            if let last = merged.last, p.0 <= last.end { merged[merged.count - 1].end = max(last.end, p.1) }
            else { merged.append((p.0, p.1)) }
        }
        intervals = merged
    }

    /// The same hours every day, local time: `daily(from: 23, to: 7)` is 23:00–07:00.
    public static func daily(fromHour: Double, toHour: Double) -> WeeklyWindow {
        let s = Int64(fromHour * 3600), e = Int64(toHour * 3600)
        let length = e > s ? e - s : e + 86_400 - s
        return WeeklyWindow(secondsOfWeek: (0..<7).map { d in (Int64(d) * 86_400 + s, Int64(d) * 86_400 + s + length) })
    }

    /// Open outside working hours on weekdays and all weekend: `offWork(from: 9, to: 17)`.
    public static func offWork(fromHour: Double, toHour: Double) -> WeeklyWindow {
        let s = Int64(fromHour * 3600), e = Int64(toHour * 3600)
        var open: [(Int64, Int64)] = []
        for d in 0..<5 {
            let day = Int64(d) * 86_400
            open.append((day, day + s))
            open.append((day + e, day + 86_400))
        }
        open.append((5 * 86_400, 7 * 86_400))
        return WeeklyWindow(secondsOfWeek: open)
    }

    /// Always open.
    public static let always = WeeklyWindow(secondsOfWeek: [(0, week)])

    /// Whether the window is open at `local` seconds (any integer; taken modulo a week),
    /// and when that answer next changes (seconds, > local).
    public func state(atLocal local: Int64) -> (open: Bool, until: Int64) {
        let w = WeeklyWindow.week
        let weekStart = local - (((local % w) + w) % w)
        let s = local - weekStart
        for i in intervals.indices {   // by index: a tuple iterator allocates in a debug build
            let iv = intervals[i]
            if s < iv.start { return (false, weekStart + iv.start) }
            if s < iv.end {
                // Open until the interval ends, or longer if it joins next week's first one.
                if iv.end == w, intervals[0].start == 0 {
                    if intervals[0].end == w { return (true, .max) }
                    return (true, weekStart + w + intervals[0].end)
                }
                return (true, weekStart + iv.end)
            }
        }
        guard !intervals.isEmpty else { return (false, .max) }
        return (false, weekStart + w + intervals[0].start)
    }
}
