/// One discrete-event simulation: a clock, the future-event list and the run loop.
///
/// Models register one handler per event kind and schedule events as integers (kind,
/// target, time); the kernel knows no model type. Handlers run one at a time, in (time,
/// scheduling order), and may schedule or cancel further events. Read the kernel in this
/// order: `Time/SimTime.swift` → `Events/EventQueue.swift` → this file → `Random/`.
///
/// A `Simulation` is a class because handlers hold it to schedule more events; there is one
/// per run, never one per event.
public final class Simulation {
    /// Called for each event of the kind it was registered for.
    public typealias Handler = (Event) -> Void

    /// Why `run` returned.
    public enum StopReason: Equatable, Sendable {
        /// No event is pending.
        case queueEmpty
        /// The next event lies after the `until` instant.
        case timeLimit
        /// `maxEvents` events were processed.
        case eventLimit
        /// A handler called `stop()`.
        case stopped
    }

    /// Mutable state behind one pointer: handlers re-enter `schedule` while `run` is
    /// looping, and pointer access avoids a dynamic exclusivity check and a retain per event.
    struct State: ~Copyable {
        var now: SimTime = .zero
        var eventsProcessed: UInt64 = 0
        var queue = EventQueue()
        var stopRequested = false
        var running = false
        var handlerCount: UInt32 = 0
        init() {}
    }
    let state: UnsafeMutablePointer<State>
    /// A handler in an immutable box: the loop calls it through an unmanaged reference, so
    /// a dispatch costs no retain/release (`boxes` keeps every box alive).
    final class HandlerBox {
        let call: Handler
        init(_ call: @escaping Handler) { self.call = call }
    }
    var boxes: [HandlerBox] = []
    var handlers: ContiguousArray<Unmanaged<HandlerBox>> = []

    /// The current simulated instant: the time of the event being handled, or where the
    /// last `run` stopped.
    public var now: SimTime { state.pointee.now }
    /// Events handled since the simulation was created (cancelled events are not counted).
    public var eventsProcessed: UInt64 { state.pointee.eventsProcessed }
    /// The registered name of each kind, for traces and errors.
    public private(set) var kindNames: [String] = []
    /// When set, sees every event just before its handler (tests, traces). Off by default.
    public var tracer: Handler?

    /// A simulation at time zero; `expectedPending` sizes the event list up front.
    public init(expectedPending: Int = 0) {
        state = .allocate(capacity: 1)
        state.initialize(to: State())
        state.pointee.queue.reserveCapacity(expectedPending)
    }

    deinit {
        state.deinitialize(count: 1)
        state.deallocate()
    }

    /// Adds a handler to the table and returns the kind that selects it. Register every kind
    /// before `run`; the table is fixed while the loop runs.
    public func register(_ name: String, handler: @escaping Handler) -> EventKind {
        precondition(!state.pointee.running, "register event kinds before run, not from a handler")
        precondition(!kindNames.contains(name), "event kind '\(name)' registered twice")
        let box = HandlerBox(handler)
        boxes.append(box)
        handlers.append(Unmanaged.passUnretained(box))
        kindNames.append(name)
        state.pointee.handlerCount = UInt32(handlers.count)
        return EventKind(rawValue: UInt32(handlers.count - 1))
    }

    /// A cache hint for `kind`: its handler reads the `stride`-byte record at `base + target ×
    /// stride` (a model's per-device state, say). The event list fetches that record into the
    /// cache a few events before the event runs, which hides the one cache miss a large fleet
    /// costs per event. Only an address: never read through, so a stale `base` costs a
    /// useless fetch and nothing else, and results never depend on it. nil removes the hint.
    public func setPrefetch(_ kind: EventKind, base: UnsafeRawPointer?, stride: Int) {
        precondition(kind.rawValue < state.pointee.handlerCount, "event kind \(kind.rawValue) has no handler")
        state.pointee.queue.setPrefetch(kind: kind, base: base, stride: stride)
    }

    /// One more cache hint for `kind` (a handler reading several per-target tables): kept
    /// beside those set before, up to `EventQueue.hintsPerKind`; returns false beyond that.
    /// Only addresses, as `setPrefetch`.
    @discardableResult
    public func addPrefetch(_ kind: EventKind, base: UnsafeRawPointer, stride: Int) -> Bool {
        precondition(kind.rawValue < state.pointee.handlerCount, "event kind \(kind.rawValue) has no handler")
        return state.pointee.queue.addPrefetch(kind: kind, base: base, stride: stride)
    }

    /// Fetches into the cache the records `kind`'s hints name for `target` — a model about
    /// to touch them outside such an event (starting work on a device, say). Only a hint.
    @inline(__always)
    public func prefetch(_ kind: EventKind, target: UInt32) {
        state.pointee.queue.prefetch(kind: kind, target: target)
    }

    // MARK: scheduling

    /// Schedules `kind` on `target` at `time`, which may not be in the past.
    @discardableResult
    public func schedule(_ kind: EventKind, target: UInt32 = 0, at time: SimTime) -> EventHandle {
        precondition(time >= state.pointee.now, "event scheduled at \(time), before now (\(now))")
        precondition(kind.rawValue < state.pointee.handlerCount, "event kind \(kind.rawValue) has no handler")
        return state.pointee.queue.push(time: time, kind: kind, target: target)
    }

    /// Schedules `kind` on `target` after `delay` (≥ 0) from now.
    @discardableResult
    public func schedule(_ kind: EventKind, target: UInt32 = 0, after delay: SimDuration) -> EventHandle {
        schedule(kind, target: target, at: now + delay)
    }

    /// Cancels a pending event; false if it already ran or was cancelled. O(1).
    @discardableResult
    public func cancel(_ handle: EventHandle) -> Bool { state.pointee.queue.cancel(handle) }

    /// True while the event named by `handle` is pending.
    public func isPending(_ handle: EventHandle) -> Bool { state.pointee.queue.isPending(handle) }

    /// Events scheduled and not yet run or cancelled.
    public var pendingCount: Int { state.pointee.queue.count }

    /// The time of the next pending event, if any.
    public func nextEventTime() -> SimTime? { state.pointee.queue.peekTime() }

    // MARK: the run loop

    /// Asks the running loop to return after the current handler.
    public func stop() { state.pointee.stopRequested = true }

    /// Handles events in order until one of the stop conditions holds.
    ///
    /// Events at exactly `until` are handled. When the loop stops for the time limit or an
    /// empty queue with a finite `until`, the clock moves to `until`, so consecutive calls
    /// `run(until: t1)`, `run(until: t2)` see simulated time pass even when nothing happens.
    @discardableResult
    public func run(until: SimTime = .distantFuture, maxEvents: UInt64 = .max) -> StopReason {
        precondition(!state.pointee.running, "run called from a handler")
        let st = state
        st.pointee.stopRequested = false
        st.pointee.running = true
        defer { st.pointee.running = false }
        let tracer = self.tracer
        return handlers.withUnsafeBufferPointer { handlers in
            var handled: UInt64 = 0
            while true {
                if handled >= maxEvents { return .eventLimit }
                guard let event = st.pointee.queue.pop(notAfter: until) else {
                    if until != .distantFuture && until > st.pointee.now { st.pointee.now = until }
                    return st.pointee.queue.isEmpty ? .queueEmpty : .timeLimit
                }
                st.pointee.now = event.time
                handled &+= 1
                st.pointee.eventsProcessed &+= 1
                tracer?(event)
                handlers[Int(event.kind.rawValue)]._withUnsafeGuaranteedRef { $0.call(event) }
                if st.pointee.stopRequested { st.pointee.stopRequested = false; return .stopped }
            }
        }
    }

    /// Handles exactly one event (the earliest) and returns it; nil when none is pending.
    @discardableResult
    public func step() -> Event? {
        precondition(!state.pointee.running, "step called from a handler")
        guard let event = state.pointee.queue.pop() else { return nil }
        state.pointee.now = event.time
        state.pointee.eventsProcessed &+= 1
        tracer?(event)
        handlers[Int(event.kind.rawValue)]._withUnsafeGuaranteedRef { $0.call(event) }
        return event
    }

    /// Checks the event list's internal invariants (tests only; O(pending)).
    public func checkInvariants() { state.pointee.queue.checkInvariants() }
}
