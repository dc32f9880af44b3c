import SwarmKernel

/// When each device of a fleet is available, computed lazily: a device costs nothing until
/// someone asks about it, and then only the periods between its last answer and the new
/// question are drawn. Cost grows with the questions asked (the activity), not the fleet.
///
/// Each device's timeline is a pure function of (seed, device id): its ON/OFF periods come
/// from its own counter-based stream ("availability", id), consumed in order (the first
/// period is the residual of one already under way, so the fleet is stationary from t = 0;
/// a trace device draws its replay phase there instead), and its window
/// shift from another ("availability-window", id). So any way of walking the timelines — this
/// lazy one, or `EagerAvailability`, which turns every change of every device into a kernel
/// event — yields the same timeline; the tests check exactly that.
///
/// Per device, one 16-byte record (one cache line touch per question): the end of its
/// current renewal phase (8 bytes), the random draws it has used with its ON bit (4), its
/// window shift with its class id (4).
///
/// Questions about one device must come in non-decreasing time (the kernel's clock never
/// goes back, so asking at `now` always does).
public struct FleetAvailability: Sendable {
    public let fleet: Fleet
    public let streams: RandomStreams
    /// One device's cursor: all it needs to answer the next question.
    struct Cursor {
        /// End of the current renewal phase (ticks); `Int64.min` before the first question.
        var phaseEnd: Int64 = .min
        /// Bits 0–30: random draws used (renewal) or trace boundary index; bit 31: ON.
        var drawsAndOn: UInt32 = 0
        /// Bits 0–23: window shift in seconds (two's complement, ±97 days); 24–31: class id.
        var shiftAndClass: UInt32 = 0

        var draws: UInt32 { drawsAndOn & 0x7FFF_FFFF }
        var on: Bool { drawsAndOn >> 31 != 0 }
        var classID: Int { Int(shiftAndClass >> 24) }
        var shift: Int64 { Int64(Int32(bitPattern: shiftAndClass << 8) >> 8) }
    }
    var cursors: [Cursor]
    /// Each class's model, indexed by class id (not copied out of `DeviceClass` per question).
    let models: [AvailabilityModel]
    /// Each renewal class's laws, unboxed (nil for always-on and trace classes).
    let laws: [RenewalLaws?]
    /// The same laws as plain values where every boundary flips (the hot path: walking a
    /// device forward copies no existential, so it costs no reference counting).
    let plain: [PlainRenewal?]
    /// The key base of the "availability" streams.
    let availabilityBase: UInt64

    public static let bytesPerDevice = MemoryLayout<Cursor>.stride
    /// How far past a question `state(of:at:)` looks for the next change before answering
    /// "never" (10 simulated years, in ticks): a bound on a device that stays unavailable.
    public static let lookAheadLimit = SimDuration.days(3_650).ticks

    public init(fleet: Fleet, seed: UInt64) {
        self.fleet = fleet
        self.streams = RandomStreams(seed: seed)
        models = fleet.classes.map(\.availability)
        laws = models.map { m in
            guard case .renewal(let on, let off) = m.source else { return nil }
            return RenewalLaws(on: on, off: off, model: m)
        }
        plain = laws.map { $0.flatMap(PlainRenewal.init) }
        var cs = [Cursor](repeating: Cursor(), count: fleet.count)
        for d in 0..<fleet.count {
            let c = Int(fleet.classOf[d])
            var shift: Int32 = 0
            let jitter = models[c].windowJitter
            if jitter > 0 {
                precondition(jitter < Double(1 << 23), "window jitter must be under 97 days")
                var g = streams.counterStream("availability-window", entity: UInt64(d))
                shift = Int32((Uniform(-jitter, jitter).sample(using: &g)).rounded())
            }
            cs[d].shiftAndClass = UInt32(bitPattern: shift) & 0x00FF_FFFF | UInt32(c) << 24
        }
        cursors = cs
        availabilityBase = streams.base("availability")
    }

    /// Whether device `d` is available at `t`, and until when that holds (exclusive;
    /// `.distantFuture` when it never changes).
    public mutating func state(of d: Int, at t: SimTime) -> (available: Bool, until: SimTime) {
        let cursor = cursors[d]
        let c = cursor.classID
        if cursor.phaseEnd != .min, let l = plain[c] {
            let r = advance(d, Phase(on: cursor.on, end: cursor.phaseEnd, draws: cursor.draws), to: t.ticks, l)
            commit(d, r)
            return (r.on, SimTime(ticks: r.end))
        }
        if let l = laws[c], l.boundariesFlip {
            // Every renewal boundary flips the state (periods are at least a tick long).
            let r = renewalPhase(d, at: t.ticks, l, from: current(d))
            commit(d, r)
            return (r.on, SimTime(ticks: r.end))
        }
        let model = models[c]
        var r = renewal(d, at: t.ticks, model)
        commit(d, r)
        var w = window(d, at: t.ticks, model)
        let available = r.on && w.open
        // Look ahead, without moving the cursor past `t`, to the first instant the
        // conjunction flips.
        while true {
            // Stuck off for good: the renewal is off forever, or the window is shut forever.
            if (!r.on && r.end == .max) || (!w.open && w.until == .max) { return (available, .distantFuture) }
            let next = min(r.end, w.until)
            // A looped trace whose ON intervals never meet the window (a daily trace entered
            // at a phase that puts them all in the window's closed hours) never flips: stop
            // looking after `lookAheadLimit` and call it permanent.
            if next == .max || next - t.ticks > FleetAvailability.lookAheadLimit { return (available, .distantFuture) }
            r = renewal(d, at: next, model, from: r)
            w = window(d, at: next, model)
            if (r.on && w.open) != available { return (available, SimTime(ticks: next)) }
        }
    }

    /// Whether device `d` is available at `t`.
    public mutating func isAvailable(_ d: Int, at t: SimTime) -> Bool {
        let cursor = cursors[d]
        let c = cursor.classID
        if cursor.phaseEnd != .min, let l = plain[c] {
            let r = advance(d, Phase(on: cursor.on, end: cursor.phaseEnd, draws: cursor.draws), to: t.ticks, l)
            commit(d, r)
            return r.on
        }
        if let l = laws[c], l.boundariesFlip {
            let r = renewalPhase(d, at: t.ticks, l, from: current(d))
            commit(d, r)
            return r.on
        }
        let model = models[c]
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
        let c = cursors[d]
        return c.phaseEnd == .min ? nil : Phase(on: c.on, end: c.phaseEnd, draws: c.draws)
    }

    mutating func commit(_ d: Int, _ p: Phase) {
        precondition(p.draws < 1 << 31, "device \(d) used more than 2³¹ random draws")
        cursors[d].phaseEnd = p.end
        cursors[d].drawsAndOn = p.draws | (p.on ? 1 << 31 : 0)
    }

    /// Random draws device `d` has used so far (0 until someone asks about it).
    func drawsUsed(_ d: Int) -> UInt32 { cursors[d].draws }

    /// The phase containing `t`, walking forward from `from` (or from the device's cursor).
    func renewal(_ d: Int, at t: Int64, _ model: AvailabilityModel, from start: Phase? = nil) -> Phase {
        switch model.source {
        case .alwaysOn:
            return Phase(on: true, end: .max, draws: 0)
        case .renewal:
            return renewalPhase(d, at: t, laws[cursors[d].classID]!, from: start ?? current(d))
        case .trace(let trace, let loop):
            return tracePhase(d, at: t, trace, loop: loop, from: start ?? current(d))
        }
    }

    /// The renewal phase containing `t`, walking forward from `start` (nil: the beginning).
    func renewalPhase(_ d: Int, at t: Int64, _ l: RenewalLaws, from start: Phase?) -> Phase {
        var p: Phase
        if let s = start {
            p = s
        } else {
            // Stationary from t = 0: the state and the residual of the period under way
            // (or, for laws without a known residual, a fresh start warmUp before t = 0).
            var g = CountingStream(RandomStreams.key(base: availabilityBase, entity: UInt64(d)), at: 0)
            let first = l.firstPhase(using: &g)
            p = Phase(on: first.on, end: ticks(first.seconds, after: -l.warmUpTicks), draws: g.draws)
        }
        if p.end > t { return p }
        var g = CountingStream(RandomStreams.key(base: availabilityBase, entity: UInt64(d)), at: p.draws)
        while p.end <= t {
            p.on.toggle()
            p.end = ticks((p.on ? l.on : l.off).sample(using: &g), after: p.end)
        }
        p.draws = g.draws
        return p
    }

    /// `renewalPhase` from a known phase with plain laws: the same walk, drawing the same
    /// numbers from the same stream positions (the lazy-vs-eager tests check both paths).
    @inline(__always)
    func advance(_ d: Int, _ start: Phase, to t: Int64, _ l: PlainRenewal) -> Phase {
        var p = start
        if p.end > t { return p }
        var g = CountingStream(RandomStreams.key(base: availabilityBase, entity: UInt64(d)), at: p.draws)
        while p.end <= t {
            p.on.toggle()
            p.end = ticks(p.on ? l.on.sample(using: &g) : l.off.sample(using: &g), after: p.end)
        }
        p.draws = g.draws
        return p
    }

    /// Where device `d`'s 16-byte cursor lives: `base + d × stride`, for
    /// `Simulation.setPrefetch` on the kind whose handler asks about device `target` (the one
    /// cache miss per event a large fleet would cost). An address only — valid until the
    /// cursors are copied (this value is copied and then mutated), which costs a useless
    /// fetch, never a wrong result.
    public var prefetchAddress: (base: UnsafeRawPointer?, stride: Int) {
        (cursors.withUnsafeBufferPointer { UnsafeRawPointer($0.baseAddress) }, MemoryLayout<Cursor>.stride)
    }

    /// Trace replay (`TraceReplay`): `draws` is the index of the next interval boundary,
    /// counting loops; the device's phase is re-derived from its stream (one Philox block).
    func tracePhase(_ d: Int, at t: Int64, _ trace: AvailabilityTrace, loop: Bool, from start: Phase?) -> Phase {
        let key = RandomStreams.key(base: availabilityBase, entity: UInt64(d))
        guard let replay = TraceReplay(trace, loop: loop, device: d, phaseUnit: TraceReplay.phaseUnit(key: key)) else {
            return Phase(on: false, end: .max, draws: 0)
        }
        let s = replay.state(at: t, from: start?.draws ?? replay.first)
        return Phase(on: s.on, end: s.end, draws: s.next)
    }

    /// The phase at which trace device `d` entered its host's trace: its device time t is
    /// trace time span.start + phase + t (modulo the span). nil for a device not on a trace.
    public func tracePhase(of d: Int) -> SimDuration? {
        guard case .trace(let trace, let loop) = models[cursors[d].classID].source else { return nil }
        let key = RandomStreams.key(base: availabilityBase, entity: UInt64(d))
        return TraceReplay(trace, loop: loop, device: d, phaseUnit: TraceReplay.phaseUnit(key: key)).map { SimDuration(ticks: $0.phase) }
    }

    // MARK: the opt-in window of one device

    func window(_ d: Int, at t: Int64, _ model: AvailabilityModel) -> (open: Bool, until: Int64) {
        guard let w = model.window else { return (true, .max) }
        let offset = Int64(fleet.utcOffset(d)) + cursors[d].shift
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
