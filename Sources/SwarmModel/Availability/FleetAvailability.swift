import SwarmKernel

/// When each device of a fleet is available, computed lazily: a device costs nothing until
/// someone asks about it, and then only the periods between its last answer and the new
/// question are drawn. Cost grows with the questions asked (the activity), not the fleet.
///
/// Each device's timeline is a pure function of (seed, device id): its ON/OFF periods come
/// from its own counter-based stream ("availability", id), consumed in order, and its window
/// shift from another ("availability-window", id). So any way of walking the timelines — this
/// lazy one, or `EagerAvailability`, which turns every change of every device into a kernel
/// event — yields the same timeline; the tests check exactly that.
///
/// Per device: the end of its current renewal phase (8 bytes), how many random draws it has
/// used (4), its state bits (1) and its window shift (4) — 17 bytes.
///
/// Questions about one device must come in non-decreasing time (the kernel's clock never
/// goes back, so asking at `now` always does).
public struct FleetAvailability: Sendable {
    public let fleet: Fleet
    public let streams: RandomStreams
    /// End of the current renewal phase (ticks); `Int64.min` before the first question.
    var phaseEnd: [Int64]
    /// Random draws used so far (renewal) or the trace cursor (trace replay).
    var cursor: [UInt32]
    /// Bit 0: the renewal process is ON.
    var flags: [UInt8]
    /// Per-device shift of the opt-in window, seconds.
    let windowShift: [Int32]
    /// Each class's model, indexed by class id (not copied out of `DeviceClass` per question).
    let models: [AvailabilityModel]
    /// The key base of the "availability" streams.
    let availabilityBase: UInt64

    public static let bytesPerDevice = 8 + 4 + 1 + 4

    public init(fleet: Fleet, seed: UInt64) {
        self.fleet = fleet
        self.streams = RandomStreams(seed: seed)
        phaseEnd = [Int64](repeating: .min, count: fleet.count)
        cursor = [UInt32](repeating: 0, count: fleet.count)
        flags = [UInt8](repeating: 0, count: fleet.count)
        var shifts = [Int32](repeating: 0, count: fleet.count)
        for d in 0..<fleet.count {
            let jitter = fleet.deviceClass(d).availability.windowJitter
            if jitter > 0 {
                var g = streams.counterStream("availability-window", entity: UInt64(d))
                shifts[d] = Int32((Uniform(-jitter, jitter).sample(using: &g)).rounded())
            }
        }
        windowShift = shifts
        models = fleet.classes.map(\.availability)
        availabilityBase = streams.base("availability")
    }

    /// Whether device `d` is available at `t`, and until when that holds (exclusive;
    /// `.distantFuture` when it never changes).
    public mutating func state(of d: Int, at t: SimTime) -> (available: Bool, until: SimTime) {
        let model = models[Int(fleet.classOf[d])]
        var r = renewal(d, at: t.ticks, model)
        commit(d, r)
        if model.window == nil, case .renewal = model.source {
            // Every renewal boundary flips the state (periods are at least a tick long).
            return (r.on, SimTime(ticks: r.end))
        }
        var w = window(d, at: t.ticks, model)
        let available = r.on && w.open
        // Look ahead, without moving the cursor past `t`, to the first instant the
        // conjunction flips.
        while true {
            // Stuck off for good: the renewal is off forever, or the window is shut forever.
            if (!r.on && r.end == .max) || (!w.open && w.until == .max) { return (available, .distantFuture) }
            let next = min(r.end, w.until)
            if next == .max { return (available, .distantFuture) }
            r = renewal(d, at: next, model, from: r)
            w = window(d, at: next, model)
            if (r.on && w.open) != available { return (available, SimTime(ticks: next)) }
        }
    }

    /// Whether device `d` is available at `t`.
    public mutating func isAvailable(_ d: Int, at t: SimTime) -> Bool {
        let model = models[Int(fleet.classOf[d])]
        let r = renewal(d, at: t.ticks, model)
        commit(d, r)
        return r.on && window(d, at: t.ticks, model).open
    }

    // MARK: the renewal process (or trace) of one device

    /// A renewal phase: ON or OFF until `end`; `draws` is the stream position after it.
    struct Phase {
        var on: Bool
        var end: Int64
        var draws: UInt32
    }

    func current(_ d: Int) -> Phase? {
        phaseEnd[d] == .min ? nil : Phase(on: flags[d] & 1 != 0, end: phaseEnd[d], draws: cursor[d])
    }

    mutating func commit(_ d: Int, _ p: Phase) {
        phaseEnd[d] = p.end; cursor[d] = p.draws; flags[d] = p.on ? 1 : 0
    }

    /// The phase containing `t`, walking forward from `from` (or from the device's cursor).
    func renewal(_ d: Int, at t: Int64, _ model: AvailabilityModel, from start: Phase? = nil) -> Phase {
        switch model.source {
        case .alwaysOn:
            return Phase(on: true, end: .max, draws: 0)
        case .renewal(let on, let off):
            var p: Phase
            if let s = start ?? current(d) {
                p = s
            } else {
                var g = CountingStream(RandomStreams.key(base: availabilityBase, entity: UInt64(d)), at: 0)
                let startsOn = g.nextUnit() < model.startOnProbability(on: on, off: off)
                let first = (startsOn ? on : off).sample(using: &g)
                p = Phase(on: startsOn, end: ticks(first, after: 0), draws: g.draws)
            }
            if p.end > t { return p }
            var g = CountingStream(RandomStreams.key(base: availabilityBase, entity: UInt64(d)), at: p.draws)
            while p.end <= t {
                p.on.toggle()
                p.end = ticks((p.on ? on : off).sample(using: &g), after: p.end)
            }
            p.draws = g.draws
            return p
        case .trace(let trace, let loop):
            return tracePhase(d, at: t, trace, loop: loop, from: start ?? current(d))
        }
    }

    /// Trace replay: `draws` is the index of the next interval boundary, counting loops.
    func tracePhase(_ d: Int, at t: Int64, _ trace: AvailabilityTrace, loop: Bool, from start: Phase?) -> Phase {
        let h = d % max(trace.hostCount, 1)
        let lo = trace.hostOffsets[h], n = trace.hostOffsets[h + 1] - lo
        guard n > 0 else { return Phase(on: false, end: .max, draws: 0) }
        let span = trace.span
        let period = SimDuration(seconds: span.end - span.start).ticks
        // Boundary k: ON starts at even k, ends at odd k; loop i adds i × period.
        func boundary(_ k: UInt32) -> Int64 {
            let i = Int(k) / (2 * n), j = Int(k) % (2 * n)
            let s = j % 2 == 0 ? trace.starts[lo + j / 2] : trace.ends[lo + j / 2]
            return SimDuration(seconds: s - span.start).ticks + Int64(i) * period
        }
        let limit = loop ? UInt32.max : UInt32(2 * n)
        var k = start?.draws ?? 0
        while k < limit && boundary(k) <= t { k += 1 }
        if k >= limit { return Phase(on: false, end: .max, draws: k) }
        return Phase(on: k % 2 == 1, end: boundary(k), draws: k)
    }

    // MARK: the opt-in window of one device

    func window(_ d: Int, at t: Int64, _ model: AvailabilityModel) -> (open: Bool, until: Int64) {
        guard let w = model.window else { return (true, .max) }
        let offset = Int64(fleet.utcOffset(d)) + Int64(windowShift[d])
        // Window edges fall on whole local seconds; round the instant down to its second.
        let seconds = t >= 0 ? t / 1_000_000_000 : (t - 999_999_999) / 1_000_000_000
        let s = w.state(atLocal: seconds + offset)
        return (s.open, s.until == .max ? .max : (s.until - offset) * 1_000_000_000)
    }

    func ticks(_ seconds: Double, after t: Int64) -> Int64 {
        // A period shorter than a tick still moves time forward, so phases never stall.
        t + max(1, SimDuration(seconds: seconds).ticks)
    }
}

/// A device's counter-based stream positioned at draw `at`, counting the draws it hands
/// out, so a cursor can store the position in 4 bytes and resume exactly there.
struct CountingStream: RandomNumberGenerator {
    var philox: Philox4x32
    var draws: UInt32

    init(_ key: UInt64, at position: UInt32) {
        philox = Philox4x32(key: key, block: UInt64(position / 2))
        if position % 2 == 1 { _ = philox.next() }
        draws = position
    }

    mutating func next() -> UInt64 {
        draws += 1
        return philox.next()
    }
}
