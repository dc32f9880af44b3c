import Foundation
import Crypto
import SwarmKernel
import SwarmModel

/// Knobs tests use: devices whose "worker" the test itself connects (no process is
/// started for them), a callback with the port and keys once listening, a wall-clock limit.
struct CoordinatorOptions {
    var external: Set<Int> = []
    var onListening: ((UInt16, RunKeys) -> Void)?
    /// Gives up after this many wall seconds in all (tests), or after `stallLimit` wall
    /// seconds without a frame from any worker while none is due to resume or restart.
    var wallLimit: Double = .infinity
    var stallLimit: Double = 30
    /// Wall seconds a new connection has to authenticate (say hello) before it is closed.
    var helloTimeout: Double = 5
    /// Wall seconds to wait for every worker's hello before scenario time starts.
    var helloWait: Double = 30
    /// Keeps the loop going after the last task while this says so (tests whose clients
    /// must still be answered).
    var keepRunning: (() -> Bool)?
    /// Where to listen and how to start workers (default: loopback, local spawn).
    var transport = RuntimeTransport()
    /// Faults to inject (tests; `SWARMLAB_FAULTS`); nil in a normal run.
    var faults: FaultPlan?
}

/// The coordinator: starts the workers, authenticates every frame, and drives the shared
/// task lifecycle (`TaskLifecycle`, the same code the simulator drives) in wall time: the
/// lifecycle decides placements through the plan's policy, validates results and tears
/// attempts down; the coordinator turns its decisions into messages, injects latency and
/// churn, and detects lost attempts by missing heartbeats. One thread, one `poll` loop,
/// timers in wall seconds.
final class Coordinator {
    let plan: RuntimePlan
    var lifecycle: TaskLifecycle!
    let keys: RunKeys
    let deviceKeys: [SymmetricKey]
    let options: CoordinatorOptions
    let workerPath: String
    /// The kernels every worker warms up with before saying hello, as JSON (`warmKernelsJSON`).
    let warmKernels: String
    let n: Int, m: Int
    let listenFD: Int32
    let port: UInt16
    /// Starts and signals the workers (`Launcher/`): local processes or `srun` steps.
    var launcher: WorkerLauncher!
    /// Scenario second 0, on the monotonic clock: set once every worker has been started,
    /// so process start-up (about 10 ms each) does not delay the plan's churn.
    var start: Double
    /// Scenario second 0, in wall seconds since `start`: once every worker has said hello
    /// (or `helloWait` has passed), so process start-up — many workers on few cores take a
    /// while — does not overlap the scenario.
    var origin = 0.0
    /// Whether scenario time has started (devices come online from then on).
    var started = false
    var log: [String] = []
    /// When a verified frame last arrived (wall seconds since `start`).
    var lastFrame = 0.0

    // Connections, by descriptor; a connection is bound to a device by its hello.
    struct Connection {
        var decoder = FrameDecoder()
        var device: Int?
        /// Sequence numbers accepted from the worker (replays refused, reordering tolerated).
        var window = ReplayWindow()
        /// When it was accepted (wall), and its serial number (descriptors are reused).
        var opened: Double
        var serial: Int
    }
    var connections: [Int32: Connection] = [:]
    var connectionOf: [Int32?]
    var connectionSerial = 0
    var sendSequence: [UInt64]

    // Per device: process, churn state, and the attempt its worker holds (index into
    // records; −1 none) — which may be one the lifecycle already gave up on.
    var pid: [pid_t]
    var paused: [Bool]
    var killed: [Bool]
    /// Whether the device's worker reads this process's monotonic clock (`ClockDomain`, from
    /// its hello): then assignments carry their delivery time and results are held from the
    /// worker's own stamp, so neither process's wake-up or queueing counts as device time.
    var sharesClock: [Bool]
    /// When each connection (by serial) was last heard from, wall seconds.
    var heard: [Int: Double] = [:]
    var current: [Int]

    // Attempts.
    var records: [AttemptRecord] = []
    /// Whether the lifecycle still counts the attempt (not returned, lost or cancelled).
    var open: [Bool] = []
    /// The connection (serial) each attempt was sent on: only that worker can finish it.
    var attemptSerial: [Int] = []
    var attemptIndex: [UInt64: Int] = [:]
    var lostWork = 0.0
    var nextArrival: SimTime?
    var dispatchWanted = false
    var finished = false

    // Timers (wall seconds since `start`).
    enum Action {
        case send(device: Int, connection: Int, Message)
        case deliver(device: Int, connection: Int, Message)
        case pause(Int), resume(Int), kill(Int), restart(Int)
        /// The loss of an attempt of this task is noticed (a heartbeat timeout after it).
        case detect(task: Int)
        case barrier(task: Int)
        case dispatch
        /// Injected faults: bytes held back on their way to a worker, a frame held back on
        /// its way in (to the connection with that descriptor and serial), the restart.
        case wire(device: Int, connection: Int, [UInt8])
        case arrive(fd: Int32, connection: Int, Frame)
        case coordinatorRestart
    }
    var timers: [(due: Double, seq: Int, action: Action)] = []
    var timerSeq = 0
    /// How late this process got to its emulated events (wall seconds after their instant).
    struct Lateness {
        var events = 0, overMillisecond = 0
        var worst = 0.0
        mutating func add(_ late: Double) {
            events += 1
            if late > 1e-3 { overMillisecond += 1 }
            worst = max(worst, late)
        }
    }
    var lateness = Lateness()
    /// Acknowledgements, retransmissions and injected faults (`Coordinator+Faults`).
    var reliability: Reliability

    init(plan: RuntimePlan, workerPath: String, options: CoordinatorOptions) throws {
        self.plan = plan
        let keys = RunKeys()
        self.keys = keys
        n = plan.devices.count; m = plan.tasks.count
        deviceKeys = (0..<plan.devices.count).map { keys.deviceKey($0) }
        self.options = options
        self.workerPath = workerPath
        warmKernels = Coordinator.warmKernelsJSON(plan.tasks)
        do { (listenFD, port) = try Socket.listen(on: options.transport.listen) } catch { throw RuntimeError.system("\(error)") }
        start = monotonicNow()
        connectionOf = Array(repeating: nil, count: n)
        sendSequence = Array(repeating: 0, count: n)
        pid = Array(repeating: 0, count: n)
        paused = Array(repeating: false, count: n)
        killed = Array(repeating: false, count: n)
        sharesClock = Array(repeating: false, count: n)
        current = Array(repeating: -1, count: n)
        reliability = Reliability(faults: options.faults)
        lifecycle = TaskLifecycle(tasks: plan.tasks, view: FleetView(fleet: plan.fleet), policy: plan.policy,
                                  validator: plan.lifecycle.trust.makeValidator(devices: n, streams: RandomStreams(seed: plan.seed)),
                                  configuration: plan.lifecycle)
        do {
            launcher = try WorkerLauncher(launch: options.transport.launcher, workerPath: workerPath,
                                          coordinator: TCPAddress(host: options.transport.listen.advertisedHost, port: port))
        } catch { close(listenFD); throw error }
    }

    // MARK: clocks

    var wall: Double { monotonicNow() - start }
    /// Scenario seconds of a wall instant (seconds since `start`).
    func scenario(_ wallSeconds: Double) -> Double { (wallSeconds - origin) / plan.timeScale }
    /// Wall seconds (since `start`) of scenario second `t`.
    func wallTime(ofScenario t: Double) -> Double { origin + t * plan.timeScale }
    /// The instant (wall seconds since `start`) the coordinator acts at: while it handles an
    /// emulated event (a timer: a message the emulated link delivers, a churn step, an
    /// arrival), that event's instant, else now. On cores shared with many workers this
    /// process gets to an event late (a burst of 32 results on 2 cores: up to 40 ms); the
    /// event still happens at its instant — what it stamps and the delays it starts count
    /// from there — as a coordinator with a core of its own would make it happen. How late
    /// it was is reported (`lateness`), never counted as device or network time.
    var actingInstant: Double { eventInstant ?? wall }
    /// The event being handled's instant (`emulatedEvent(at:)`), nil between events.
    var eventInstant: Double?
    /// The latest instant stamped on a record: stamps never go back in time.
    var lastStamp = 0.0
    /// Scenario seconds of the acting instant, for a record's stamp or the lifecycle's clock
    /// (never before an earlier stamp), on the lifecycle's nanosecond grid: a record stamped
    /// at the instant a task finished is not a rounding before it.
    var scenarioNow: Double {
        lastStamp = max(lastStamp, actingInstant)
        return SimTime(seconds: scenario(lastStamp)).seconds
    }
    var heartbeatWall: Double { plan.heartbeatTimeout * plan.timeScale }

    func note(_ s: String) { log.append(String(format: "t=%.3f s: ", scenario(actingInstant)) + s) }

    /// Does `action` `wallDelay` wall seconds after the acting instant.
    func after(_ wallDelay: Double, _ action: Action) {
        at(actingInstant + max(0, wallDelay), action)
    }

    /// Does `action` at wall instant `instant` (seconds since `start`), at once if past.
    func at(_ instant: Double, _ action: Action) {
        timerSeq += 1
        timers.append((instant, timerSeq, action))
    }

    /// Wall seconds a message of `bytes` takes to device `d` (or from it, `fromDevice`):
    /// latency + bytes over the link's bandwidth that way.
    func delay(_ d: Int, bytes: Double, fromDevice: Bool = false) -> Double {
        let e = plan.devices[d]
        return (e.latency + (bytes > 0 ? bytes / (fromDevice ? e.uplink : e.bandwidth) : 0)) * plan.timeScale
    }

    // MARK: the run

    func run() throws -> RuntimeReport {
        defer { close(listenFD); launcher.removeKeys() }
        DutyCycle.tightenTimerSlack()   // emulated delays fire when due (ppoll's time-out)
        for d in 0..<n where !options.external.contains(d) { try spawn(d) }
        start = monotonicNow()
        lastFrame = 0
        waitForWorkers()
        origin = wall
        started = true
        nextArrival = lifecycle.attach(self)
        for d in 0..<n where connectionOf[d] != nil && !paused[d] && !killed[d] { lifecycle.deviceCameOnline(d) }
        scheduleChurn()
        let cores = sysconf(Int32(_SC_NPROCESSORS_ONLN))
        if n > cores {
            note("\(n) worker processes on \(cores) cores: real kernels running at once share cores, so their compute times include contention")
        }
        if let t = options.faults?.restartAt { at(wallTime(ofScenario: t), .coordinatorRestart) }
        options.onListening?(port, keys)
        while !lifecycle.settled || options.keepRunning?() == true {
            if wall > options.wallLimit || (wall - lastFrame > max(options.stallLimit, 10 * heartbeatWall) && !comebackPending) {
                let w = wall
                shutdown()
                throw RuntimeError.timedOut(wallSeconds: w, tasksDone: lifecycle.metrics.tasksDone, tasks: m)
            }
            fireTimers()
            closeSilentStrangers()
            if let t = nextArrival, wallTime(ofScenario: t.seconds) <= wall {
                // An arrival is an event at its own instant, like a timer's.
                emulatedEvent(at: wallTime(ofScenario: t.seconds)) {
                    nextArrival = lifecycle.arrive()
                    if nextArrival == t { eventInstant = nil; nextArrival = lifecycle.arrive() }   // rounded short of t
                }
            }
            checkHeartbeats()
            dispatchRounds()
            let next = timers.map(\.due).min() ?? .infinity
            let arrival = nextArrival.map { wallTime(ofScenario: $0.seconds) } ?? .infinity
            pollOnce(timeout: min(0.02, max(0, min(next, arrival) - wall)))
        }
        let wallSeconds = wall
        if lateness.events > 0 {
            note(String(format: "%d emulated events, %d handled over 1 ms after their instant (the latest %.1f ms): this process's lateness on shared cores, not counted as device or network time",
                        lateness.events, lateness.overMillisecond, lateness.worst * 1e3))
        }
        noteInjectedFaults()
        shutdown()
        for i in records.indices where open[i] { records[i].outcome = .cancelled }
        let tasks = lifecycle.tasks
        let finish = tasks.finished.map { $0 < 0 ? Double.nan : Double($0) / 1e9 }
        return RuntimeReport(attempts: records, taskFinish: finish, acceptedChecksum: lifecycle.acceptedResult,
                             makespan: finish.filter { !$0.isNaN }.max() ?? .nan,
                             lostWorkSeconds: lostWork, wallSeconds: wallSeconds, log: log)
    }

    /// Runs the wire until every worker started here has said hello and been welcomed, or
    /// `helloWait` wall seconds have passed.
    func waitForWorkers() {
        let expected = (0..<n).filter { !options.external.contains($0) }
        while wall < options.helloWait && !expected.allSatisfy({ connectionOf[$0] != nil }) {
            fireTimers()
            pollOnce(timeout: 0.005)
        }
        // Let the welcomes and hellos already on their (emulated) way arrive.
        while let due = timers.map(\.due).max(), due > wall, due - wall < 1 { pollOnce(timeout: due - wall); fireTimers() }
        fireTimers()
    }

    /// Whether a paused or killed worker is still due to come back (then silence is no stall).
    var comebackPending: Bool {
        timers.contains { if case .resume = $0.action { return true }; if case .restart = $0.action { return true }; return false }
    }
    /// Whether the plan restarts device `d` after its kill (an OFF period ends it).
    func restartPending(_ d: Int) -> Bool {
        timers.contains { if case .restart(let x) = $0.action { return x == d } else { return false } }
    }


    /// Writes `message` to device `d`'s connection `serial` now — only to the connection it
    /// was meant for: that worker may be gone.
    func write(_ message: Message, to d: Int, connection serial: Int) {
        guard let fd = connectionOf[d], connections[fd]?.serial == serial else { return }
        sendSequence[d] += 1
        transmit(message.frame(device: d, sequence: sendSequence[d]).encoded(key: deviceKeys[d]),
                 kind: message.kind, to: d, fd: fd, serial: serial)
        written(message)
    }

    func fireTimers() {
        while let i = timers.indices.min(by: { (timers[$0].due, timers[$0].seq) < (timers[$1].due, timers[$1].seq) }),
              timers[i].due <= wall {
            let (due, _, action) = timers.remove(at: i)
            emulatedEvent(at: due) { perform(action, due: due) }
        }
    }

    /// Handles an emulated event of wall instant `instant` (a timer, an arrival): counts how
    /// late this process got to it, acts at its instant (`actingInstant`), and places what it
    /// frees then, as the simulator places it.
    func emulatedEvent(at instant: Double, _ body: () -> Void) {
        lateness.add(wall - instant)
        eventInstant = instant
        body()
        dispatchRounds()
        eventInstant = nil
    }

    func perform(_ action: Action, due: Double) {
        switch action {
        case .send(let d, let serial, var message):
            if case .assign(var a) = message, sharesClock[d] { a.due = start + due; message = .assign(a) }
            write(message, to: d, connection: serial)
        case .wire(let d, let serial, let bytes):
            guard let fd = connectionOf[d], connections[fd]?.serial == serial else { return }
            if !Socket.writeAll(fd, bytes) { lostWrite(fd, device: d, what: "a delayed frame") }
        case .arrive(let fd, let serial, let frame):
            guard connections[fd]?.serial == serial else { return }
            received(frame, on: fd)
        case .coordinatorRestart: restartSession()
        case .deliver(let d, let serial, let message): handle(message, from: d, connection: serial)
        case .pause(let d): pause(d)
        case .resume(let d): resume(d)
        case .kill(let d): kill(d)
        case .restart(let d): restart(d)
        case .detect(let t): lifecycle.lossDetected(task: t)
        case .barrier(let t): lifecycle.barrierDeadline(t)
        case .dispatch: dispatchWanted = true
        }
    }

    /// Runs the lifecycle's dispatch while something asked for it (at most 16 rounds a turn).
    func dispatchRounds() {
        guard started else { return }
        var rounds = 0
        while dispatchWanted && rounds < 16 { dispatchWanted = false; rounds += 1; lifecycle.dispatch() }
    }

    /// Attempt `a` is lost: its work (from assignment to `workedUntil`, wall) is wasted, its
    /// device's slot is given up, and the loss is noticed at `detectAt` (wall).
    func loseAttempt(_ a: Int, workedUntil: Double, detectAt: Double) {
        let t = records[a].task, d = records[a].device
        note("attempt \(records[a].attempt) of task \(t) on device \(d) lost")
        open[a] = false
        records[a].outcome = .lost
        records[a].lost = scenarioNow
        lostWork += max(0, scenario(workedUntil) - records[a].assigned)
        lifecycle.attemptLost(device: d)
        if detectAt <= actingInstant { lifecycle.lossDetected(task: t) } else { at(detectAt, .detect(task: t)) }
    }

    /// Attempts whose worker (the connection they were sent on) has been silent longer than
    /// the heartbeat timeout are lost; the device counts as offline until it is heard from
    /// again (unless a new worker already took its place).
    func checkHeartbeats() {
        let w = wall
        for d in 0..<n where current[d] >= 0 {
            let a = current[d]
            let last = heard[attemptSerial[a]] ?? wallTime(ofScenario: records[a].assigned)
            guard w - last > heartbeatWall else { continue }
            let sameWorker = connectionOf[d].flatMap { connections[$0]?.serial } == attemptSerial[a]
            if open[a] {
                note("device \(d) silent for \(String(format: "%.3f", (w - last) / plan.timeScale)) s: attempt \(records[a].attempt) of task \(records[a].task) lost")
                loseAttempt(a, workedUntil: last, detectAt: w)
            }
            if sameWorker { goneAway(d) }
            workerDone(a, on: d)
        }
    }
}

