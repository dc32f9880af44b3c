import SwarmKernel

/// Runs tasks on a churning fleet under a scheduling policy, as kernel events.
///
/// A task's life: queued → assigned → input transfer → compute → output transfer → done.
/// A device that leaves mid-task loses the attempt; the coordinator notices when heartbeats
/// stop arriving, `heartbeatTimeout` later, and queues the task again (its attempts are
/// counted). Availability comes from `FleetAvailability`: each device keeps one pending event,
/// its next change, so the idle index the policy sees is exact.
///
/// Transfers take latency (RTT/2 between the data's region and the device's, plus the
/// device's access latency) plus bytes over the device's access link; shared links are not
/// contended here (the flow model, `FlowNetwork`, is not wired in yet).
public final class WorkEngine {
    public struct Configuration: Sendable {
        public var heartbeatTimeout: SimDuration
        public var costModel: any CostModel
        /// One-way latency between two regions, seconds.
        public var regionLatency: @Sendable (Int, Int) -> Double
        public init(heartbeatTimeout: SimDuration = .seconds(60), costModel: any CostModel = RooflineCostModel(),
                    regionLatency: @escaping @Sendable (Int, Int) -> Double = { _, _ in 0 }) {
            self.heartbeatTimeout = heartbeatTimeout; self.costModel = costModel; self.regionLatency = regionLatency
        }
    }

    /// Something that watches the run (the HDF5 recorder is one; tests are others).
    public enum Record: Sendable, Equatable {
        case started(task: TaskID, device: Int, attempt: Int, at: SimTime)
        case lost(task: TaskID, device: Int, at: SimTime)
        case requeued(task: TaskID, at: SimTime)
        case done(task: TaskID, device: Int, at: SimTime)
    }

    public let sim: Simulation
    public private(set) var tasks: TaskTable
    public let view: FleetView
    public private(set) var metrics = RunMetrics()
    public var observer: ((Record) -> Void)?
    let configuration: Configuration
    var availability: FleetAvailability
    var policy: any SchedulingPolicy
    var queue: [UInt32] = []
    var queueHead = 0
    var arrivals: [UInt32]
    var nextArrival = 0
    var dispatchPending = false
    // Per device: the task it runs (−1 none), the pending phase event, when the attempt and
    // the current idle stretch began.
    var current: [Int32]
    var phaseEvent: [EventHandle?]
    var attemptStart: [Int64]
    var idleSince: [Int64]
    // Per task: the device of its last attempt.
    var lastDevice: [Int32]
    var kinds: (arrive: EventKind, change: EventKind, phase: EventKind, detect: EventKind, dispatch: EventKind)
        = (EventKind(rawValue: 0), EventKind(rawValue: 0), EventKind(rawValue: 0), EventKind(rawValue: 0), EventKind(rawValue: 0))

    public init(fleet: Fleet, tasks: TaskTable, policy: any SchedulingPolicy, seed: UInt64,
                configuration: Configuration = Configuration(), sim: Simulation = Simulation()) {
        self.sim = sim
        self.tasks = tasks
        self.view = FleetView(fleet: fleet)
        self.policy = policy
        self.configuration = configuration
        self.availability = FleetAvailability(fleet: fleet, seed: seed)
        let n = fleet.count
        current = [Int32](repeating: -1, count: n)
        phaseEvent = [EventHandle?](repeating: nil, count: n)
        attemptStart = [Int64](repeating: 0, count: n)
        idleSince = [Int64](repeating: 0, count: n)
        lastDevice = [Int32](repeating: -1, count: tasks.count)
        arrivals = (0..<UInt32(tasks.count)).sorted { (tasks.arrival[Int($0)], $0) < (tasks.arrival[Int($1)], $1) }
        kinds.arrive = sim.register("task-arrive") { [unowned self] _ in self.arrive() }
        kinds.change = sim.register("device-change") { [unowned self] e in self.changed(Int(e.target)) }
        kinds.phase = sim.register("task-phase") { [unowned self] e in self.phaseDone(Int(e.target)) }
        kinds.detect = sim.register("task-lost-detected") { [unowned self] e in self.detected(Int(e.target)) }
        kinds.dispatch = sim.register("dispatch") { [unowned self] _ in self.dispatch() }
        for d in 0..<n {
            let s = availability.state(of: d, at: sim.now)
            if s.available { cameOnline(d) }
            if s.until != .distantFuture { sim.schedule(kinds.change, target: UInt32(d), at: s.until) }
        }
        if let first = arrivals.first { sim.schedule(kinds.arrive, at: max(sim.now, SimTime(ticks: tasks.arrival[Int(first)]))) }
    }

    /// Runs until every task is done or `until`; returns whether all finished.
    @discardableResult
    public func run(until: SimTime = .distantFuture) -> Bool {
        if metrics.tasksDone == tasks.count { return true }
        sim.run(until: until)
        for d in 0..<view.fleet.count where view.isIdle(d) { accountIdle(d, until: sim.now.ticks); idleSince[d] = sim.now.ticks }
        return metrics.tasksDone == tasks.count
    }

    // MARK: arrivals and dispatch

    func arrive() {
        let now = sim.now.ticks
        while nextArrival < arrivals.count, tasks.arrival[Int(arrivals[nextArrival])] <= now {
            enqueue(Int(arrivals[nextArrival]))
            nextArrival += 1
        }
        if nextArrival < arrivals.count {
            sim.schedule(kinds.arrive, at: SimTime(ticks: tasks.arrival[Int(arrivals[nextArrival])]))
        }
    }

    func enqueue(_ t: Int) {
        tasks.state[t] = .queued
        queue.append(UInt32(t))
        requestDispatch()
    }

    func requestDispatch() {
        guard !dispatchPending else { return }
        dispatchPending = true
        sim.schedule(kinds.dispatch, after: .zero)
    }

    func dispatch() {
        dispatchPending = false
        if queueHead > 1024 && queueHead * 2 > queue.count {
            queue.removeFirst(queueHead); queueHead = 0
        }
        while queueHead < queue.count && tasks.state[Int(queue[queueHead])] != .queued { queueHead += 1 }
        guard queueHead < queue.count, view.idleCount > 0 else { return }
        view.now = sim.now
        var placements = Placements(view: view)
        do {
            let ready = ReadyTasks(tasks: tasks, queue: queue[queueHead...])
            policy.place(ready, on: view, into: &placements)
        }
        metrics.refusedPlacements += placements.refused
        var started = Set<Int>()
        for (task, device) in placements.assignments {
            let t = task.index
            // Assign already checked the device and residency; a task placed twice is refused.
            guard t < tasks.count, tasks.state[t] == .queued, !started.contains(t) else {
                metrics.refusedPlacements += 1
                view.markIdle(device)
                continue
            }
            started.insert(t)
            start(t, on: device)
        }
    }

    // MARK: the life of an attempt

    func start(_ t: Int, on d: Int) {
        let now = sim.now.ticks
        precondition(view.running[d] == 0 && current[d] < 0, "device \(d) given a second task")
        precondition(tasks.residency[t].contains(view.region(d)), "\(TaskID(index: t)) placed outside its residency")
        accountIdle(d, until: now)
        view.running[d] = 1
        current[d] = Int32(t)
        lastDevice[t] = Int32(d)
        attemptStart[d] = now
        tasks.attempts[t] += 1
        tasks.state[t] = .transferIn
        observer?(.started(task: TaskID(index: t), device: d, attempt: Int(tasks.attempts[t]), at: sim.now))
        phaseEvent[d] = sim.schedule(kinds.phase, target: UInt32(d), after: transfer(t, d, bytes: tasks.inputBytes[t], link: view.deviceClass(d).downlink))
    }

    func transfer(_ t: Int, _ d: Int, bytes: Double, link: Double) -> SimDuration {
        guard bytes > 0 else { return .zero }
        let c = view.deviceClass(d)
        let seconds = configuration.regionLatency(Int(tasks.dataRegion[t]), view.region(d)) + c.accessLatency.seconds + bytes / link
        return SimDuration(seconds: seconds)
    }

    func computeTime(_ t: Int, _ d: Int) -> SimDuration {
        switch tasks.work[t] {
        case .seconds(let s): return SimDuration(seconds: s)
        case .kernel(let k): return SimDuration(seconds: configuration.costModel.best(for: k, on: view.deviceClass(d)).seconds)
        }
    }

    func phaseDone(_ d: Int) {
        let t = Int(current[d])
        switch tasks.state[t] {
        case .transferIn:
            tasks.state[t] = .computing
            phaseEvent[d] = sim.schedule(kinds.phase, target: UInt32(d), after: computeTime(t, d))
        case .computing:
            tasks.state[t] = .transferOut
            phaseEvent[d] = sim.schedule(kinds.phase, target: UInt32(d), after: transfer(t, d, bytes: tasks.outputBytes[t], link: view.deviceClass(d).uplink))
        case .transferOut:
            finish(t, on: d)
        default:
            preconditionFailure("phase event for \(TaskID(index: t)) in state \(tasks.state[t])")
        }
    }

    func finish(_ t: Int, on d: Int) {
        let now = sim.now.ticks
        precondition(tasks.state[t] != .done, "\(TaskID(index: t)) finished twice")
        tasks.state[t] = .done
        tasks.finished[t] = now
        metrics.finished(arrival: tasks.arrival[t], finish: now, deadline: tasks.deadline[t])
        metrics.busy(Double(now - attemptStart[d]) / 1e9, on: view.deviceClass(d))
        view.completed[d] += 1
        release(d)
        observer?(.done(task: TaskID(index: t), device: d, at: sim.now))
        policy.taskFinished(TaskID(index: t), on: d, fleet: view)
        if metrics.tasksDone == tasks.count { sim.stop() }
    }

    /// Device `d` is free again (still online).
    func release(_ d: Int) {
        current[d] = -1
        phaseEvent[d] = nil
        view.running[d] = 0
        view.markIdle(d)
        idleSince[d] = sim.now.ticks
        requestDispatch()
    }

    // MARK: churn

    func changed(_ d: Int) {
        let s = availability.state(of: d, at: sim.now)
        if s.available { cameOnline(d) } else { wentOffline(d) }
        if s.until != .distantFuture { sim.schedule(kinds.change, target: UInt32(d), at: s.until) }
    }

    func cameOnline(_ d: Int) {
        view.onlineSince[d] = sim.now.ticks
        view.onlineCount += 1
        view.markIdle(d)
        idleSince[d] = sim.now.ticks
        policy.deviceJoined(d, fleet: view)
        requestDispatch()
    }

    func wentOffline(_ d: Int) {
        let now = sim.now.ticks
        if current[d] >= 0 {
            let t = Int(current[d])
            if let h = phaseEvent[d] { sim.cancel(h) }
            let lostSeconds = Double(now - attemptStart[d]) / 1e9
            metrics.wastedSeconds += lostSeconds
            metrics.busy(lostSeconds, on: view.deviceClass(d))
            metrics.attemptsLost += 1
            view.failed[d] += 1
            tasks.state[t] = .waiting
            current[d] = -1
            phaseEvent[d] = nil
            view.running[d] = 0
            observer?(.lost(task: TaskID(index: t), device: d, at: sim.now))
            sim.schedule(kinds.detect, target: UInt32(t), after: configuration.heartbeatTimeout)
        } else {
            view.markNotIdle(d)
            accountIdle(d, until: now)
        }
        view.onlineSince[d] = .min
        view.onlineCount -= 1
        policy.deviceLeft(d, fleet: view)
    }

    /// The coordinator noticed that task `t`'s device stopped sending heartbeats.
    func detected(_ t: Int) {
        observer?(.requeued(task: TaskID(index: t), at: sim.now))
        policy.taskFailed(TaskID(index: t), on: Int(lastDevice[t]), fleet: view)
        enqueue(t)
    }

    func accountIdle(_ d: Int, until now: Int64) {
        metrics.idle(Double(now - idleSince[d]) / 1e9, on: view.deviceClass(d))
    }
}
