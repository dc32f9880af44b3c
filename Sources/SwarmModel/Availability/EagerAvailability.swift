import SwarmKernel

/// The straightforward way to simulate availability, kept as the oracle for
/// `FleetAvailability` (as SimGrid keeps its full LMM solver to check the lazy one): every
/// renewal toggle and every window edge of every device is a kernel event, each device owns
/// a stateful stream, and the effective state is recomputed at each event. It costs events
/// for devices nobody is waiting on — which is exactly what the lazy path avoids.
public final class EagerAvailability {
    public let fleet: Fleet
    let sim: Simulation
    var renewalOn: [Bool]
    var windowOpen: [Bool]
    var streams: [Philox4x32]
    var traceBoundary: [Int]
    var replays: [TraceReplay?]
    let classLaws: [RenewalLaws?]
    let seed: UInt64
    /// Effective changes seen, per device: (time, available after it). Off unless recording.
    public private(set) var changes: [[(time: SimTime, available: Bool)]]
    public private(set) var availableCount = 0
    let recording: Bool
    var toggleKind = EventKind(rawValue: 0), windowKind = EventKind(rawValue: 0)
    let windowShift: [Int64]

    /// Registers two event kinds on `sim` and schedules every device's first changes.
    public init(fleet: Fleet, seed: UInt64, sim: Simulation, recording: Bool = false) {
        self.fleet = fleet
        self.sim = sim
        self.recording = recording
        let rs = RandomStreams(seed: seed)
        let n = fleet.count
        renewalOn = [Bool](repeating: true, count: n)
        windowOpen = [Bool](repeating: true, count: n)
        traceBoundary = [Int](repeating: 0, count: n)
        replays = [TraceReplay?](repeating: nil, count: n)
        self.seed = seed
        classLaws = fleet.classes.map { c in
            guard case .renewal(let on, let off) = c.availability.source else { return nil }
            return RenewalLaws(on: on, off: off, model: c.availability)
        }
        streams = (0..<n).map { rs.counterStream("availability", entity: UInt64($0)) }
        changes = recording ? Array(repeating: [], count: n) : []
        windowShift = (0..<n).map { d in
            let jitter = fleet.deviceClass(d).availability.windowJitter
            guard jitter > 0 else { return 0 }
            var g = rs.counterStream("availability-window", entity: UInt64(d))
            return Int64((Uniform(-jitter, jitter).sample(using: &g)).rounded())
        }
        toggleKind = sim.register("eager-availability-toggle") { [unowned self] e in self.toggle(Int(e.target)) }
        windowKind = sim.register("eager-availability-window") { [unowned self] e in self.windowEdge(Int(e.target)) }
        for d in 0..<n { start(d) }
    }

    var now: Int64 { sim.now.ticks }

    func available(_ d: Int) -> Bool { renewalOn[d] && windowOpen[d] }

    func start(_ d: Int) {
        let model = fleet.deviceClass(d).availability
        switch model.source {
        case .alwaysOn:
            renewalOn[d] = true
        case .renewal(let on, let off):
            let laws = classLaws[Int(fleet.classOf[d])]!
            let first = laws.firstPhase(using: &streams[d])
            renewalOn[d] = first.on
            if laws.warmUpTicks == 0 {
                scheduleToggle(d, after: first.seconds)
            } else {
                // No exact residual: the renewal started fresh warmUp before t = 0; play the
                // toggles before 0 silently.
                var end = -laws.warmUpTicks + max(1, SimDuration(seconds: first.seconds).ticks)
                while end <= 0 {
                    renewalOn[d].toggle()
                    end += max(1, SimDuration(seconds: (renewalOn[d] ? on : off).sample(using: &streams[d])).ticks)
                }
                sim.schedule(toggleKind, target: UInt32(d), at: SimTime(ticks: end))
            }
        case .trace(let trace, let loop):
            let phase = TraceReplay.phaseUnit(key: RandomStreams(seed: seed).key("availability", entity: UInt64(d)))
            replays[d] = TraceReplay(trace, loop: loop, device: d, phaseUnit: phase)
            traceBoundary[d] = Int(replays[d]?.first ?? 0)
            renewalOn[d] = false
            advanceTrace(d)
        }
        if let w = model.window {
            let s = w.state(atLocal: localSeconds(d))
            windowOpen[d] = s.open
            scheduleWindow(d, s.until)
        }
        if available(d) { availableCount += 1 }
        if recording { changes[d].append((.zero, available(d))) }
    }

    func toggle(_ d: Int) {
        let before = available(d)
        renewalOn[d].toggle()
        switch fleet.deviceClass(d).availability.source {
        case .renewal(let on, let off):
            scheduleToggle(d, after: (renewalOn[d] ? on : off).sample(using: &streams[d]))
        case .trace:
            advanceTrace(d)
        case .alwaysOn:
            break
        }
        record(d, before)
    }

    func windowEdge(_ d: Int) {
        let before = available(d)
        let s = fleet.deviceClass(d).availability.window!.state(atLocal: localSeconds(d))
        windowOpen[d] = s.open
        scheduleWindow(d, s.until)
        record(d, before)
    }

    func record(_ d: Int, _ before: Bool) {
        let after = available(d)
        guard after != before else { return }
        availableCount += after ? 1 : -1
        if recording {
            // Two edges at one instant (a toggle and a window edge) net out: keep the last.
            if let last = changes[d].last, last.time == sim.now { changes[d].removeLast() }
            if changes[d].last?.available != after { changes[d].append((sim.now, after)) }
        }
    }

    func scheduleToggle(_ d: Int, after seconds: Double) {
        sim.schedule(toggleKind, target: UInt32(d), at: SimTime(ticks: now + max(1, SimDuration(seconds: seconds).ticks)))
    }

    func scheduleWindow(_ d: Int, _ untilLocal: Int64) {
        guard untilLocal != .max else { return }
        let offset = Int64(fleet.utcOffset(d)) + windowShift[d]
        sim.schedule(windowKind, target: UInt32(d), at: SimTime(ticks: (untilLocal - offset) * 1_000_000_000))
    }

    func localSeconds(_ d: Int) -> Int64 {
        let t = now
        let seconds = t >= 0 ? t / 1_000_000_000 : (t - 999_999_999) / 1_000_000_000
        return seconds + Int64(fleet.utcOffset(d)) + windowShift[d]
    }

    /// Trace replay: take the state at now from the device's `TraceReplay` and schedule the
    /// next boundary (looping if asked).
    func advanceTrace(_ d: Int) {
        guard let replay = replays[d] else { renewalOn[d] = false; return }
        let s = replay.state(at: now, from: UInt32(traceBoundary[d]))
        renewalOn[d] = s.on
        traceBoundary[d] = Int(s.next)
        if s.end != .max { sim.schedule(toggleKind, target: UInt32(d), at: SimTime(ticks: s.end)) }
    }
}
