import SwarmKernel

/// How an attempt (or a task that never got one) ended; the code stored in `/tasks.outcome`.
public enum AttemptOutcome: UInt8, Sendable, CaseIterable {
    /// Still running when the run ended.
    case running = 0
    /// Came back, and its result is the one the task was accepted with.
    case accepted = 1
    /// Came back, but another result was accepted (a replica, a spot check, a losing backup).
    case returned = 2
    /// Lost: its device went offline mid-attempt.
    case lost = 3
    /// Cancelled: another attempt of its task won first (speculative backup).
    case cancelled = 4
    /// Cancelled because its task was dropped by a quorum barrier (also: a task dropped
    /// before any attempt).
    case dropped = 5
    /// A task that never got an attempt before the run ended (its row has attempt 0).
    case unplaced = 6

    /// The snake_case name written to the `outcome_names` attribute.
    public var name: String { String(describing: self) }
}

/// Records a run for its results file, as an observer of `WorkEngine` fed by its `Record`s:
/// one row per attempt with the time of each lifecycle step and its outcome; per device its
/// online, busy and idle time; and a fixed-interval timeline (online and busy devices, queued
/// tasks, throughput, power). A run without a recorder pays nothing for it.
///
/// Attach before running (`RunRecorder(engine:horizon:)` sets `engine.observer`, keeping
/// any observer already set), then call `finish()` once the run is over.
///
/// Definitions (t = simulated time):
/// - a device is *busy* while it runs an attempt, *idle* while online, not busy and not
///   blacklisted; power(t) = Σ busy busyWatts + Σ idle idleWatts (what `RunMetrics.energy`
///   integrates). A Kubernetes node is busy while any pod runs on it; each pod counts its
///   requested cores' share of the node's busy watts and busy seconds (`RunRecorder+Pods`);
/// - timeline row k is the instant t_k = k·interval (k = 1, 2, …, up to the run's end):
///   online, busy and queued are the state after every event at t_k; throughput is the tasks
///   accepted in (t_{k−1}, t_k] over the interval, power the mean over that interval. When
///   the run ends between two instants, a last row at the end covers the shorter interval.
///
/// - Complexity: O(1) per record; memory O(attempts + devices + tasks + samples), flat arrays.
public final class RunRecorder {
    // MARK: attempts (one row each, in the order they started)
    public private(set) var rowTask: [UInt32] = []
    public private(set) var rowDevice: [Int32] = []
    public private(set) var rowAttempt: [UInt16] = []
    public internal(set) var rowOutcome: [UInt8] = []
    /// Ticks; −1 when the step was not reached.
    public private(set) var rowReady: [Int64] = []
    public private(set) var rowAssigned: [Int64] = []
    public private(set) var rowInputDone: [Int64] = []
    public private(set) var rowComputeEnd: [Int64] = []
    public private(set) var rowReturned: [Int64] = []
    public internal(set) var rowEnd: [Int64] = []

    // MARK: devices
    public private(set) var onlineSeconds: [Double]
    public internal(set) var busySeconds: [Double]
    public private(set) var idleSeconds: [Double]
    public private(set) var attemptsStarted: [UInt32]
    public private(set) var attemptsLost: [UInt32]
    public private(set) var tasksAccepted: [UInt32]

    // MARK: timeline
    /// The timeline's sampling interval.
    public let interval: SimDuration
    public private(set) var sampleTime: [Int64] = []
    public private(set) var sampleOnline: [UInt32] = []
    public private(set) var sampleBusy: [UInt32] = []
    public private(set) var sampleQueued: [UInt32] = []
    public private(set) var sampleThroughput: [Double] = []
    public private(set) var samplePower: [Double] = []

    /// When the recording ended (`finish`), ticks; nil while the run goes on.
    public private(set) var endedAt: Int64?

    let fleet: Fleet
    // Per class, the watts (so a record does not copy a whole `DeviceClass`); per device, its class.
    let idleWatts: [Double], busyWatts: [Double]
    let classOf: [UInt8]
    // Per device: whether online / blacklisted, when the current online and idle stretches
    // began (−1: not in one), the row of the attempt it runs (−1 none), its last row.
    var online: [Bool]
    var banned: [Bool]
    var onlineStart: [Int64]
    var idleStart: [Int64]
    var runningRow: [Int32]
    var lastRowOnDevice: [Int32]
    /// Attempts on Kubernetes nodes (nil when the fleet has none).
    var pods: RecorderPods?
    // Per task: 0 waiting, 1 queued, 2 running, 3 settled; when it last became queued; its
    // latest row (−1: none yet).
    var taskState: [UInt8]
    var queuedSince: [Int64]
    var lastRowOfTask: [Int32]
    var droppedTask: [Bool]
    // Counters for the timeline.
    var onlineCount = 0, busyCount = 0, queuedCount = 0, doneInInterval = 0
    var power = 0.0, energy = 0.0, energyAtSample = 0.0, lastTime: Int64 = 0
    var nextSample: Int64
    let startTime: Int64
    // Rows cancelled at the current instant (a following `.dropped` relabels them).
    var cancelledNow: [Int32] = []
    var cancelledAt: Int64 = -1

    /// The interval for a run of `horizon`: the smallest of 1, 2, 5 × 10ⁿ seconds giving at
    /// most `maxSamples` samples (1 s for runs of unknown length).
    public static func interval(for horizon: SimDuration, maxSamples: Int = 2_000) -> SimDuration {
        let seconds = horizon.seconds
        guard seconds.isFinite, seconds > 0, seconds < 1e9 else { return .seconds(1) }
        var scale = 1e-3
        while true {
            for m in [1.0, 2.0, 5.0] where seconds / (m * scale) <= Double(maxSamples) { return .seconds(m * scale) }
            scale *= 10
        }
    }

    /// Starts recording `engine` (before it runs); the timeline samples every `interval`, by
    /// default `interval(for: horizon)`. With `observe: false` the recorder is not attached to
    /// the engine: the caller feeds it the engine's records (`record(_:)`), e.g. through a
    /// `RecordPipe` on a second thread.
    public init(engine: WorkEngine, horizon: SimDuration, interval: SimDuration? = nil, observe: Bool = true) {
        let view = engine.view
        fleet = view.fleet
        idleWatts = fleet.classes.map(\.idleWatts)
        busyWatts = fleet.classes.map(\.busyWatts)
        classOf = fleet.classOf
        let n = fleet.count, m = engine.tasks.count
        self.interval = interval ?? RunRecorder.interval(for: horizon)
        precondition(self.interval.ticks > 0, "the timeline interval must be positive")
        onlineSeconds = [Double](repeating: 0, count: n)
        busySeconds = [Double](repeating: 0, count: n)
        idleSeconds = [Double](repeating: 0, count: n)
        attemptsStarted = [UInt32](repeating: 0, count: n)
        attemptsLost = [UInt32](repeating: 0, count: n)
        tasksAccepted = [UInt32](repeating: 0, count: n)
        online = [Bool](repeating: false, count: n)
        banned = [Bool](repeating: false, count: n)
        onlineStart = [Int64](repeating: -1, count: n)
        idleStart = [Int64](repeating: -1, count: n)
        runningRow = [Int32](repeating: -1, count: n)
        lastRowOnDevice = [Int32](repeating: -1, count: n)
        if view.hasPods { pods = RecorderPods(view: view, tasks: engine.tasks) }
        taskState = [UInt8](repeating: 0, count: m)
        queuedSince = [Int64](repeating: -1, count: m)
        lastRowOfTask = [Int32](repeating: -1, count: m)
        droppedTask = [Bool](repeating: false, count: m)
        let now = engine.sim.now.ticks
        lastTime = now
        startTime = now
        nextSample = now + self.interval.ticks
        // The engine brought its first devices online before anyone could observe it.
        for d in 0..<n where view.isOnline(d) {
            online[d] = true
            onlineStart[d] = now
            onlineCount += 1
            if view.isIdle(d) { idleStart[d] = now; power += idleWatts[Int(classOf[d])] }
        }
        // The engine keeps the recorder alive (the recorder holds no reference back: no cycle).
        if observe { engine.addObserver { record in self.record(record) } }
    }

    /// Applies one engine record.
    public func record(_ r: WorkEngine.Record) {
        switch r {
        case .started(let task, let d, let attempt, let at):
            let t = advance(to: at)
            endIdle(d, t)
            let row = Int32(rowTask.count)
            rowTask.append(task.rawValue); rowDevice.append(Int32(d)); rowAttempt.append(UInt16(clamping: attempt))
            rowOutcome.append(AttemptOutcome.running.rawValue)
            rowReady.append(queuedSince[task.index]); rowAssigned.append(t)
            rowInputDone.append(-1); rowComputeEnd.append(-1); rowReturned.append(-1); rowEnd.append(-1)
            lastRowOfTask[task.index] = row
            lastRowOnDevice[d] = row
            attemptsStarted[d] += 1
            if pods?.isNode(d) == true { podStarted(task.index, d, row); return }
            runningRow[d] = row
            busyCount += 1
            power += busyWatts[Int(classOf[d])]
        case .phase(let task, let d, let phase, let at):
            let t = advance(to: at)
            let row = pods?.isNode(d) == true ? pods!.row(task.index, d) : Int(runningRow[d])
            guard row >= 0 else { return }
            if phase == .computing { rowInputDone[row] = t } else if phase == .transferOut { rowComputeEnd[row] = t }
        case .returned(let task, let d, let at):
            let t = advance(to: at)
            let row = endAttempt(task.index, d, t, .returned)
            if row >= 0 { rowReturned[row] = t; lastRowOnDevice[d] = Int32(row) }
            if !banned[d] && online[d] && !busy(d) { startIdle(d, t) }
        case .done(let task, let d, let at, _):
            _ = advance(to: at)
            let row = Int(lastRowOnDevice[d])
            if row >= 0 && rowTask[row] == task.rawValue { rowOutcome[row] = AttemptOutcome.accepted.rawValue }
            tasksAccepted[d] += 1
            doneInInterval += 1
            settle(task.index)
        case .lost(let task, let d, let at):
            let t = advance(to: at)
            _ = endAttempt(task.index, d, t, .lost)
            attemptsLost[d] += 1
        case .cancelled(let task, let d, let at):
            let t = advance(to: at)
            let row = endAttempt(task.index, d, t, .cancelled)
            if cancelledAt != t { cancelledNow.removeAll(keepingCapacity: true); cancelledAt = t }
            if row >= 0 { cancelledNow.append(Int32(row)) }
            if !banned[d] && online[d] && !busy(d) { startIdle(d, t) }
        case .dropped(let task, let at):
            let t = advance(to: at)
            droppedTask[task.index] = true
            if cancelledAt == t {
                for row in cancelledNow where rowTask[Int(row)] == task.rawValue { rowOutcome[Int(row)] = AttemptOutcome.dropped.rawValue }
            }
            settle(task.index)
        case .blacklisted(let d, let at):
            let t = advance(to: at)
            banned[d] = true
            endIdle(d, t)
        case .queued(let task, let at):
            let t = advance(to: at)
            if taskState[task.index] != 1 {
                taskState[task.index] = 1
                queuedSince[task.index] = t
                queuedCount += 1
            }
        case .running(let task, let at):
            _ = advance(to: at)
            if taskState[task.index] == 1 { queuedCount -= 1 }
            taskState[task.index] = 2
        case .online(let d, let at):
            let t = advance(to: at)
            online[d] = true
            onlineStart[d] = t
            onlineCount += 1
            if !banned[d] { startIdle(d, t) }
        case .offline(let d, let at):
            let t = advance(to: at)
            endIdle(d, t)
            if online[d] { onlineSeconds[d] += seconds(t - onlineStart[d]); onlineCount -= 1 }
            online[d] = false
            onlineStart[d] = -1
        case .requeued:
            break
        }
    }

    /// Ends the recording at the engine's current time: open stretches are closed, the
    /// timeline sampled up to that time. Attempts still running keep outcome `.running`
    /// (their busy time so far counts).
    public func finish(at end: SimTime) {
        guard endedAt == nil else { return }
        let t = end.ticks
        while nextSample <= t { sample() }
        // A last, shorter interval up to the end: the timeline then accounts for every task
        // accepted and every joule used.
        if t > nextSample - interval.ticks { nextSample = t; sample() }
        integrate(to: t)
        for d in online.indices {
            if idleStart[d] >= 0 { idleSeconds[d] += seconds(t - idleStart[d]); idleStart[d] = t }
            if online[d] { onlineSeconds[d] += seconds(t - onlineStart[d]); onlineStart[d] = t }
            let row = Int(runningRow[d])
            if row >= 0 { busySeconds[d] += seconds(t - rowAssigned[row]) }
        }
        pods?.forEachRunning { row, share in busySeconds[Int(rowDevice[row])] += share * seconds(t - rowAssigned[row]) }
        endedAt = t
    }

    /// Tasks that never got an attempt (for their `/tasks` row with attempt 0).
    public func unplacedTasks() -> [(task: Int, ready: Int64, dropped: Bool)] {
        lastRowOfTask.indices.compactMap { t in
            lastRowOfTask[t] < 0 ? (t, queuedSince[t], droppedTask[t]) : nil
        }
    }

    /// Energy device `d` used: busy·busyWatts + idle·idleWatts.
    public func energy(of d: Int) -> Double {
        let c = Int(classOf[d])
        return busySeconds[d] * busyWatts[c] + idleSeconds[d] * idleWatts[c]
    }

    // MARK: internals

    @inline(__always) func seconds(_ ticks: Int64) -> Double { Double(ticks) / 1e9 }

    /// Samples every timeline instant before `at`, then integrates power up to it.
    @inline(__always) func advance(to at: SimTime) -> Int64 {
        let t = at.ticks
        while nextSample < t { sample() }
        if t != lastTime { integrate(to: t) }
        return t
    }

    func integrate(to t: Int64) {
        energy += power * seconds(t - lastTime)
        lastTime = t
    }

    func sample() {
        let t = nextSample
        integrate(to: t)
        let dt = seconds(t - (sampleTime.last ?? startTime))
        sampleTime.append(t)
        sampleOnline.append(UInt32(onlineCount))
        sampleBusy.append(UInt32(busyCount))
        sampleQueued.append(UInt32(queuedCount))
        sampleThroughput.append(Double(doneInInterval) / dt)
        samplePower.append((energy - energyAtSample) / dt)
        doneInInterval = 0
        energyAtSample = energy
        nextSample = t + interval.ticks
    }

    func settle(_ t: Int) {
        if taskState[t] == 1 { queuedCount -= 1 }
        taskState[t] = 3
    }

    func startIdle(_ d: Int, _ t: Int64) {
        guard idleStart[d] < 0 else { return }
        idleStart[d] = t
        power += idleWatts[Int(classOf[d])]
    }

    func endIdle(_ d: Int, _ t: Int64) {
        guard idleStart[d] >= 0 else { return }
        idleSeconds[d] += seconds(t - idleStart[d])
        idleStart[d] = -1
        power -= idleWatts[Int(classOf[d])]
    }

    /// Closes the attempt of `task` on device `d` with `outcome`; returns its row (−1 if none).
    func endAttempt(_ task: Int, _ d: Int, _ t: Int64, _ outcome: AttemptOutcome) -> Int {
        if pods?.isNode(d) == true { return podEnded(task, d, t, outcome) }
        let row = Int(runningRow[d])
        guard row >= 0 else { return -1 }
        rowEnd[row] = t
        rowOutcome[row] = outcome.rawValue
        busySeconds[d] += seconds(t - rowAssigned[row])
        runningRow[d] = -1
        busyCount -= 1
        power -= busyWatts[Int(classOf[d])]
        return row
    }
}
