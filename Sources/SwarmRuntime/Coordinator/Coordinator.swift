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
    /// Keeps the loop going after the last task while this says so (tests whose clients
    /// must still be answered).
    var keepRunning: (() -> Bool)?
}

/// The coordinator: starts the workers, authenticates every frame, keeps a `FleetView` of
/// its devices and lets the plan's policy place ready tasks on it, injects latency and churn,
/// detects lost attempts by missing heartbeats, votes on replicas' checksums. One thread,
/// one `poll` loop, timers in wall seconds.
final class Coordinator {
    let plan: RuntimePlan
    var policy: any SchedulingPolicy
    let view: FleetView
    let keys: RunKeys
    let deviceKeys: [SymmetricKey]
    let options: CoordinatorOptions
    let workerPath: String
    let n: Int, m: Int
    let listenFD: Int32
    let port: UInt16
    /// Scenario second 0, on the monotonic clock: set once every worker has been started,
    /// so process start-up (about 10 ms each) does not delay the plan's churn.
    var start: Double
    var log: [String] = []
    /// When a verified frame last arrived (wall seconds since `start`).
    var lastFrame = 0.0

    // Connections, by descriptor; a connection is bound to a device by its hello.
    struct Connection {
        var decoder = FrameDecoder()
        var device: Int?
        var lastSequence: UInt64 = 0
        /// When it was accepted (wall), and its serial number (descriptors are reused).
        var opened: Double
        var serial: Int
    }
    var connections: [Int32: Connection] = [:]
    var connectionOf: [Int32?]
    var connectionSerial = 0
    var sendSequence: [UInt64]

    // Per device: process, churn state, liveness, the attempt it runs (index into records).
    var pid: [pid_t]
    var paused: [Bool]
    var killed: [Bool]
    /// When each connection (by serial) was last heard from, wall seconds.
    var heard: [Int: Double] = [:]
    var current: [Int]

    // Per task.
    var state: [TaskState]
    var needed: [Int]
    var live: [Int]
    var attemptsMade: [Int]
    var votes: [[(checksum: UInt64, device: Int)]]
    /// Devices that returned a result for each task: one vote per device (as WorkEngine).
    var tried: [Set<Int>]
    var queue: [Int] = []
    var waiting: [Int] = []
    var finish: [Double]
    var accepted: [UInt64]
    var doneParents: [Int]
    var children: [[Int]]
    var doneCount = 0
    /// Attempts after which a task without agreement is accepted by plurality (as
    /// `TrustModel.maxAttempts`).
    let maxAttempts = 10

    // Attempts.
    var records: [AttemptRecord] = []
    var open: [Bool] = []
    /// The connection (serial) each attempt was sent on: only that worker can finish it.
    var attemptSerial: [Int] = []
    var attemptIndex: [UInt64: Int] = [:]
    /// For an attempt whose worker was stopped while it held it: when that connection was
    /// last heard from before the stop (wall; NaN: never stopped). The attempt is lost a
    /// heartbeat timeout after it, as `WorkEngine` detects a device that went off.
    var silentSince: [Double] = []
    /// When its worker was stopped (wall): a result computed before that still counts.
    var stoppedAt: [Double] = []
    var lostWork = 0.0

    // Timers (wall seconds since `start`).
    enum Action {
        case send(device: Int, connection: Int, Message)
        case deliver(device: Int, connection: Int, Message)
        case pause(Int), resume(Int), kill(Int), restart(Int)
        /// A stopped attempt's loss comes due (its silence + the heartbeat timeout).
        case lose(attempt: Int)
    }
    var timers: [(due: Double, seq: Int, action: Action)] = []
    var timerSeq = 0

    init(plan: RuntimePlan, workerPath: String, options: CoordinatorOptions) throws {
        self.plan = plan
        self.policy = plan.policy
        self.view = FleetView(fleet: plan.fleet)
        let keys = RunKeys()
        self.keys = keys
        n = plan.devices.count; m = plan.tasks.count
        deviceKeys = (0..<plan.devices.count).map { keys.deviceKey($0) }
        self.options = options
        self.workerPath = workerPath
        do { (listenFD, port) = try Socket.listen() } catch { throw RuntimeError.system("\(error)") }
        start = monotonicNow()
        connectionOf = Array(repeating: nil, count: n)
        sendSequence = Array(repeating: 0, count: n)
        pid = Array(repeating: 0, count: n)
        paused = Array(repeating: false, count: n)
        killed = Array(repeating: false, count: n)
        current = Array(repeating: -1, count: n)
        let tasks = plan.tasks
        state = Array(repeating: .waiting, count: m)
        needed = tasks.replication.map(Int.init)
        live = Array(repeating: 0, count: m)
        attemptsMade = Array(repeating: 0, count: m)
        votes = Array(repeating: [], count: m)
        tried = Array(repeating: [], count: m)
        finish = Array(repeating: .nan, count: m)
        accepted = Array(repeating: 0, count: m)
        doneParents = Array(repeating: 0, count: m)
        children = Array(repeating: [], count: m)
        for t in 0..<m { for p in tasks.parents(of: TaskID(index: t)) { children[Int(p)].append(t) } }
        waiting = Array(0..<m)
    }

    // MARK: clocks

    var wall: Double { monotonicNow() - start }
    /// Scenario seconds of a wall instant (seconds since `start`).
    func scenario(_ wallSeconds: Double) -> Double { wallSeconds / plan.timeScale }
    var now: Double { scenario(wall) }
    var heartbeatWall: Double { plan.heartbeatTimeout * plan.timeScale }

    func note(_ s: String) { log.append(String(format: "t=%.3f s: ", now) + s) }

    func after(_ wallDelay: Double, _ action: Action) {
        timerSeq += 1
        timers.append((wall + max(0, wallDelay), timerSeq, action))
    }

    /// Wall seconds a message of `bytes` takes to or from device `d`: latency + bytes/bandwidth.
    func delay(_ d: Int, bytes: Double) -> Double {
        let e = plan.devices[d]
        return (e.latency + (bytes > 0 ? bytes / e.bandwidth : 0)) * plan.timeScale
    }

    // MARK: the run

    func run() throws -> RuntimeReport {
        defer { close(listenFD) }
        for d in 0..<n where !options.external.contains(d) { try spawn(d) }
        start = monotonicNow()
        lastFrame = 0
        for d in 0..<n {
            let e = plan.devices[d]
            for p in e.pauses {
                after(p.start * plan.timeScale, .pause(d))
                after(p.end * plan.timeScale, .resume(d))
            }
            if let k = e.killAt {
                after(k * plan.timeScale, .kill(d))
                if let back = e.pauses.filter({ $0.start >= k }).min(by: { $0.start < $1.start }) {
                    after(back.end * plan.timeScale, .restart(d))
                }
            }
        }
        let cores = sysconf(Int32(_SC_NPROCESSORS_ONLN))
        if n > cores {
            note("\(n) worker processes on \(cores) cores: real kernels running at once share cores, so their compute times include contention")
        }
        options.onListening?(port, keys)
        while doneCount < m || options.keepRunning?() == true {
            if wall > options.wallLimit || (wall - lastFrame > max(options.stallLimit, 10 * heartbeatWall) && !comebackPending) {
                let w = wall
                shutdown()
                throw RuntimeError.timedOut(wallSeconds: w, tasksDone: doneCount, tasks: m)
            }
            fireTimers()
            closeSilentStrangers()
            promote()
            checkHeartbeats()
            dispatch()
            let next = timers.map(\.due).min() ?? .infinity
            pollOnce(timeout: min(0.02, max(0, next - wall)))
        }
        let wallSeconds = wall
        shutdown()
        // An attempt whose worker was stopped is lost, even if the run ended before the loss came due.
        for i in records.indices where open[i] && !silentSince[i].isNaN { lose(i) }
        for i in records.indices where open[i] { records[i].outcome = .cancelled }
        return RuntimeReport(attempts: records, taskFinish: finish, acceptedChecksum: accepted, makespan: finish.filter { !$0.isNaN }.max() ?? .nan,
                             lostWorkSeconds: lostWork, wallSeconds: wallSeconds, log: log)
    }

    /// Whether a paused or killed worker is still due to come back (then silence is no stall).
    var comebackPending: Bool {
        timers.contains { if case .resume = $0.action { return true }; if case .restart = $0.action { return true }; return false }
    }

    func fireTimers() {
        while let i = timers.indices.min(by: { (timers[$0].due, timers[$0].seq) < (timers[$1].due, timers[$1].seq) }),
              timers[i].due <= wall {
            let action = timers.remove(at: i).action
            switch action {
            case .send(let d, let serial, let message):
                // Only to the connection it was meant for: that worker may be gone.
                guard let fd = connectionOf[d], connections[fd]?.serial == serial else { continue }
                sendSequence[d] += 1
                if !Socket.writeAll(fd, message.frame(device: d, sequence: sendSequence[d]).encoded(key: deviceKeys[d])) {
                    note("device \(d): \(message.kind) not delivered (connection lost)")
                }
            case .deliver(let d, let serial, let message): handle(message, from: d, connection: serial)
            case .pause(let d): pause(d)
            case .resume(let d): resume(d)
            case .kill(let d): kill(d)
            case .restart(let d): restart(d)
            case .lose(let a): loseWhenDue(a)
            }
        }
    }

    // MARK: readiness and placement

    /// Moves tasks that have arrived and whose parents are done (or their quorum) to the queue.
    func promote() {
        let t = now
        let tasks = plan.tasks
        waiting.removeAll { c in
            let parents = tasks.parents(of: TaskID(index: c)).count
            let required = tasks.parentQuorum[c] == 0 ? parents : Int(tasks.parentQuorum[c])
            guard Double(tasks.arrival[c]) / 1e9 <= t, doneParents[c] >= required else { return false }
            state[c] = .queued
            queue.append(c)
            return true
        }
    }

    /// Lets the policy place queued tasks, in rounds at the same instant (a task is offered
    /// once per round; replicas need more). When a round places nothing, the first device it
    /// was refused because that device already voted on the task is hidden from the idle index
    /// for the next rounds — a policy that keeps picking it would otherwise stall the task while
    /// other devices sit idle — and put back afterwards. One at a time, as `WorkEngine` does:
    /// a device one task already voted on may be the one another task needs.
    func dispatch() {
        var rounds = 0
        var hidden: [Int] = []
        defer { for d in hidden { view.deviceBecameIdle(d) } }
        while !queue.isEmpty && view.idleCount > 0 && rounds < 16 {
            rounds += 1
            view.advance(to: SimTime(seconds: now))
            let ready = ReadyTasks(queued: queue.map { TaskID(index: $0) }, in: plan.tasks)
            var votedPick: Int?
            var placements = Placements(on: view) { [unowned self] t, d in
                guard self.tried[t.index].contains(d) else { return false }
                if votedPick == nil { votedPick = d }
                return true
            }
            policy.place(ready, on: view, into: &placements)
            if placements.assignments.isEmpty {
                guard let d = votedPick else { break }
                view.deviceBecameBusy(d)   // idle: `assign` checks that before asking
                hidden.append(d)
                continue
            }
            for (task, d) in placements.assignments {
                let t = task.index
                guard t < m, state[t] == .queued, needed[t] > 0, let fd = connectionOf[d],
                      let serial = connections[fd]?.serial, current[d] < 0 else {
                    view.returnAssigned(d)
                    continue
                }
                begin(t, on: d, connection: serial)
            }
        }
    }

    func begin(_ t: Int, on d: Int, connection serial: Int) {
        attemptsMade[t] += 1
        let a = records.count
        records.append(AttemptRecord(task: t, device: d, attempt: attemptsMade[t], assigned: now, computeStart: .nan,
                                     computeEnd: .nan, returned: .nan, outcome: .cancelled, checksum: 0))
        open.append(true)
        attemptSerial.append(serial)
        silentSince.append(.nan)
        stoppedAt.append(.nan)
        attemptIndex[UInt64(t) << 16 | UInt64(attemptsMade[t])] = a
        current[d] = a
        live[t] += 1
        needed[t] -= 1
        if needed[t] == 0 {
            state[t] = .running
            queue.removeAll { $0 == t }
        }
        view.deviceBecameBusy(d)
        let assignment = Message.Assignment(task: UInt32(t), attempt: UInt16(attemptsMade[t]),
                                            seed: SplitMix64.mix(UInt64(t) &+ 1), work: plan.tasks.work[t])
        after(delay(d, bytes: plan.tasks.inputBytes[t]), .send(device: d, connection: serial, .assign(assignment)))
    }

    // MARK: messages that have arrived (after their emulated delay)

    func handle(_ message: Message, from d: Int, connection serial: Int) {
        heard[serial] = wall
        // Delivered while its worker is stopped, so sent before the stop: the silence starts later.
        if paused[d], current[d] >= 0, attemptSerial[current[d]] == serial, !silentSince[current[d]].isNaN {
            silentSince[current[d]] = wall
        }
        switch message {
        case .hello:
            if !paused[d] && !killed[d] && connectionOf[d] != nil && !view.isOnline(d) {
                view.deviceCameOnline(d, at: SimTime(seconds: now))
                policy.deviceJoined(d, fleet: view)
            }
        case .heartbeat(let task, _):
            // A device heard from again after it went silent comes back; if it is still busy
            // with an attempt given up on, it stays busy until that result comes.
            if !paused[d] && !killed[d] && connectionOf[d] != nil && !view.isOnline(d) {
                if task >= 0 && current[d] < 0 { view.deviceBecameBusy(d) }
                view.deviceCameOnline(d, at: SimTime(seconds: now))
                policy.deviceJoined(d, fleet: view)
                note("device \(d) heard from again")
            }
        case .result(let r):
            returned(r, from: d)
        case .abandon(let t, let attempt):
            abandoned(task: t, attempt: attempt, from: d)
        case .welcome, .assign, .submit, .shutdown:
            break
        }
    }

    /// Device `d` gave up an attempt because its worker was stopped while holding it (or it
    /// returned a result computed after such a stop): the device is idle again, and the
    /// attempt is lost when the simulator would detect it — a heartbeat timeout after the
    /// connection was last heard from before the stop (at once if that has passed).
    func abandoned(task t: UInt32, attempt: UInt16, from d: Int) {
        guard let a = attemptIndex[UInt64(t) << 16 | UInt64(attempt)], records[a].device == d else {
            note("device \(d): abandoned task \(t) attempt \(attempt), which it was not given; dropped")
            return
        }
        if current[d] == a { current[d] = -1 }
        if current[d] < 0 { view.deviceBecameIdle(d) }
        guard open[a] else {
            note("device \(d) abandoned attempt \(attempt) of task \(t), already lost")
            return
        }
        note("device \(d) abandoned attempt \(attempt) of task \(t) after a stop")
        if silentSince[a].isNaN { silentSince[a] = heard[attemptSerial[a]] ?? wall }   // a stop the plan did not make
        loseWhenDue(a)
    }

    /// Loses attempt `a`, whose worker was stopped, once a heartbeat timeout has passed since
    /// its connection was last heard from before the stop; until then, checks again then.
    func loseWhenDue(_ a: Int) {
        guard open[a] else { return }
        let due = silentSince[a] + heartbeatWall
        if due <= wall { lose(a) } else { after(due - wall, .lose(attempt: a)) }
    }

    func returned(_ r: Message.AttemptResult, from d: Int) {
        guard let a = attemptIndex[UInt64(r.task) << 16 | UInt64(r.attempt)], records[a].device == d else {
            note("device \(d): result for task \(r.task) attempt \(r.attempt), which it was not given; dropped")
            return
        }
        // Computed after its worker was stopped (the assignment reached it only after the
        // stop): the device went off while it held the attempt.
        if open[a] && !silentSince[a].isNaN && r.computeEnd - start > stoppedAt[a] {
            abandoned(task: r.task, attempt: r.attempt, from: d)
            return
        }
        records[a].computeStart = scenario(r.computeStart - start)
        records[a].computeEnd = scenario(r.computeEnd - start)
        records[a].returned = now
        records[a].checksum = r.checksum
        if current[d] == a { current[d] = -1 }
        if current[d] < 0 { view.deviceBecameIdle(d) }
        guard open[a] else {
            note("device \(d): late result of lost attempt \(r.attempt) of task \(r.task); ignored")
            return
        }
        open[a] = false
        records[a].outcome = .returned
        view.recordAttempt(on: d, succeeded: true)
        let t = Int(r.task)
        live[t] -= 1
        guard state[t] != .done else { return }   // a replica beyond the quorum
        votes[t].append((r.checksum, d))
        tried[t].insert(d)
        var tally: [UInt64: Int] = [:]
        for v in votes[t] { tally[v.checksum, default: 0] += 1 }
        let (leader, count) = tally.max { ($0.value, $1.key) < ($1.value, $0.key) }!
        // Without agreement after `maxAttempts`, or once every device has voted, the plurality wins.
        let exhausted = (attemptsMade[t] >= maxAttempts || tried[t].count >= n) && live[t] == 0
        if count >= Int(plan.tasks.quorum[t]) || exhausted {
            accept(t, checksum: leader, on: d)
        } else if live[t] == 0 && needed[t] == 0 {
            needed[t] += 1   // no agreement yet: one more attempt
            if state[t] != .queued { state[t] = .queued; queue.append(t) }
        }
    }

    func accept(_ t: Int, checksum: UInt64, on d: Int) {
        state[t] = .done
        finish[t] = now
        accepted[t] = checksum
        doneCount += 1
        needed[t] = 0
        queue.removeAll { $0 == t }
        policy.taskFinished(TaskID(index: t), on: d, fleet: view)
        for c in children[t] { doneParents[c] += 1 }
    }

    /// Attempts whose worker (the connection they were sent on) has been silent longer than
    /// the heartbeat timeout are lost; the device counts as offline until it is heard from
    /// again (unless a new worker already took its place), and the task is queued again.
    func checkHeartbeats() {
        let w = wall
        for d in 0..<n where current[d] >= 0 {
            let a = current[d]
            let last = heard[attemptSerial[a]] ?? records[a].assigned * plan.timeScale
            guard w - last > heartbeatWall else { continue }
            current[d] = -1
            let sameWorker = connectionOf[d].flatMap { connections[$0]?.serial } == attemptSerial[a]
            if sameWorker && view.isOnline(d) { view.deviceWentOffline(d); policy.deviceLeft(d, fleet: view) }
            view.deviceBecameIdle(d)
            guard open[a] else { continue }   // already lost after a stop
            note("device \(d) silent for \(String(format: "%.3f", (w - last) / plan.timeScale)) s: attempt \(records[a].attempt) of task \(records[a].task) lost")
            if silentSince[a].isNaN { silentSince[a] = last }
            lose(a)
        }
    }

    /// Records attempt `a` as lost now, its work as lasting from assignment to the last time
    /// its connection was heard from before its silence, and queues its task again.
    func lose(_ a: Int) {
        let t = records[a].task, d = records[a].device
        note("attempt \(records[a].attempt) of task \(t) on device \(d) lost")
        open[a] = false
        records[a].outcome = .lost
        records[a].lost = now
        lostWork += max(0, scenario(silentSince[a]) - records[a].assigned)
        live[t] -= 1
        view.recordAttempt(on: d, succeeded: false)
        guard state[t] != .done else { return }
        policy.taskFailed(TaskID(index: t), on: d, fleet: view)
        needed[t] += 1
        if state[t] != .queued { state[t] = .queued; queue.append(t) }
    }

    // MARK: churn

    func pause(_ d: Int) {
        guard pid[d] > 0, !killed[d], !paused[d] else { return }
        _ = Glibc.kill(pid[d], SIGSTOP)
        paused[d] = true
        if current[d] >= 0, let fd = connectionOf[d], let serial = connections[fd]?.serial,
           attemptSerial[current[d]] == serial, silentSince[current[d]].isNaN {
            let a = current[d]
            silentSince[a] = heard[serial] ?? wall
            stoppedAt[a] = wall
            loseWhenDue(a)   // as WorkEngine: the attempt is gone, seen a heartbeat timeout later
        }
        goneAway(d)
        note("device \(d) paused (SIGSTOP)")
    }

    func resume(_ d: Int) {
        guard paused[d] else { return }
        _ = Glibc.kill(pid[d], SIGCONT)
        paused[d] = false
        note("device \(d) resumed (SIGCONT)")
    }

    func kill(_ d: Int) {
        guard pid[d] > 0, !killed[d] else { return }
        _ = Glibc.kill(pid[d], SIGKILL)
        var status: Int32 = 0
        _ = waitpid(pid[d], &status, 0)
        pid[d] = 0
        killed[d] = true
        paused[d] = false
        goneAway(d)
        note("device \(d) killed (SIGKILL)")
    }

    func restart(_ d: Int) {
        guard killed[d] else { return }
        killed[d] = false
        do { try spawn(d); note("device \(d) restarted") } catch { note("device \(d) not restarted: \(error)") }
    }

    /// The plan took device `d` away: no new work for it (its running attempt, if any, is
    /// lost when its heartbeats are missed or its worker abandons it).
    func goneAway(_ d: Int) {
        if view.isOnline(d) { view.deviceWentOffline(d); policy.deviceLeft(d, fleet: view) }
    }

    // MARK: processes

    func spawn(_ d: Int) throws {
        let key = keys.deviceKeyBytes(d).map { String(format: "%02x", $0) }.joined()
        var env = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("SWARMLAB_") }
        env["SWARMLAB_PORT"] = "\(port)"; env["SWARMLAB_DEVICE"] = "\(d)"; env["SWARMLAB_KEY"] = key
        env["OPENBLAS_NUM_THREADS"] = "1"   // one core per emulated device
        pid[d] = try Coordinator.launch(workerPath, arguments: ["--device", "\(d)"], environment: env)
    }

    /// Starts `path` with a clean signal state (empty mask, default dispositions: the calling
    /// thread may block signals — a dispatch or test thread does — and a worker must receive
    /// SIGCONT) and only stdin, stdout and stderr open (an inherited descriptor would keep the
    /// caller's files open, and their locks held: HDF5 locks files with flock). `stderr`, if
    /// given, becomes the child's standard error.
    static func launch(_ path: String, arguments: [String], environment: [String: String],
                       stderr: Int32? = nil) throws(RuntimeError) -> pid_t {
        let argv: [UnsafeMutablePointer<CChar>?] = ([path] + arguments).map { strdup($0) } + [nil]
        let envp: [UnsafeMutablePointer<CChar>?] = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { for p in argv { free(p) }; for p in envp { free(p) } }
        var attr = posix_spawnattr_t()
        posix_spawnattr_init(&attr)
        defer { posix_spawnattr_destroy(&attr) }
        var empty = sigset_t(), all = sigset_t()
        sigemptyset(&empty); sigfillset(&all)
        posix_spawnattr_setsigmask(&attr, &empty)
        posix_spawnattr_setsigdefault(&attr, &all)
        posix_spawnattr_setflags(&attr, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        if let e = stderr { posix_spawn_file_actions_adddup2(&actions, e, 2) }
        closeInherited(&actions)
        var child: pid_t = 0
        let r = posix_spawn(&child, path, &actions, &attr, argv, envp)
        guard r == 0 else { throw .system("posix_spawn \(path): \(String(cString: strerror(r)))") }
        return child
    }

    /// Adds "close every descriptor from 3 up" to `actions`: glibc's
    /// `posix_spawn_file_actions_addclosefrom_np` (2.34+, looked up at run time since Swift
    /// does not see it), else one close per descriptor open now (/proc/self/fd).
    static func closeInherited(_ actions: inout posix_spawn_file_actions_t) {
        typealias CloseFrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32
        if let handle = dlopen(nil, RTLD_NOW), let sym = dlsym(handle, "posix_spawn_file_actions_addclosefrom_np") {
            let closeFrom = unsafeBitCast(sym, to: CloseFrom.self)
            if closeFrom(&actions, 3) == 0 { return }
        }
        let open = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd")) ?? []
        for fd in open.compactMap({ Int32($0) }) where fd >= 3 { posix_spawn_file_actions_addclose(&actions, fd) }
    }

    /// Asks every worker to exit, wakes paused ones, and reaps them all (killing stragglers).
    func shutdown() {
        for d in 0..<n {
            if paused[d] && pid[d] > 0 { _ = Glibc.kill(pid[d], SIGCONT) }
            if let fd = connectionOf[d] {
                sendSequence[d] += 1
                Socket.writeAll(fd, Message.shutdown.frame(device: d, sequence: sendSequence[d]).encoded(key: deviceKeys[d]))
            }
        }
        let deadline = monotonicNow() + 2
        for d in 0..<n where pid[d] > 0 {
            var status: Int32 = 0
            while waitpid(pid[d], &status, WNOHANG) == 0 {
                if monotonicNow() > deadline { _ = Glibc.kill(pid[d], SIGKILL); _ = waitpid(pid[d], &status, 0); break }
                DutyCycle.sleep(seconds: 0.005)
            }
            pid[d] = 0
        }
        for fd in connections.keys { close(fd) }
        connections.removeAll()
    }

    // MARK: the wire

    func pollOnce(timeout: Double) {
        var fds = [pollfd(fd: listenFD, events: Int16(POLLIN), revents: 0)]
        fds += connections.keys.sorted().map { pollfd(fd: $0, events: Int16(POLLIN), revents: 0) }
        let ready = poll(&fds, nfds_t(fds.count), Int32((timeout * 1000).rounded(.up)))
        guard ready > 0 else { return }
        if fds[0].revents != 0 { acceptAll() }
        for p in fds.dropFirst() where p.revents != 0 { readFrom(p.fd) }
    }

    func acceptAll() {
        while true {
            let fd = Glibc.accept(listenFD, nil, nil)
            guard fd >= 0 else { return }
            _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
            Socket.setNonBlocking(fd)
            connectionSerial += 1
            connections[fd] = Connection(opened: wall, serial: connectionSerial)
        }
    }

    func readFrom(_ fd: Int32) {
        while let bytes = Socket.readSome(fd) {
            if bytes.isEmpty { closeConnection(fd, why: "closed by peer"); return }
            connections[fd]?.decoder.append(bytes)
            while let conn = connections[fd] {
                var decoder = conn.decoder
                let bound = conn.device
                let result: Result<Frame?, FrameError>
                do {
                    result = .success(try decoder.next { [deviceKeys, n] id in
                        if let b = bound { return Int(id) == b ? deviceKeys[b] : nil }
                        return Int(id) < n ? deviceKeys[Int(id)] : nil
                    })
                } catch { result = .failure(error) }
                connections[fd]?.decoder = decoder
                switch result {
                case .success(nil): break
                case .success(let frame?):
                    received(frame, on: fd)
                    continue
                case .failure(let error):
                    note("dropped frame on connection \(fd)\(bound.map { " (device \($0))" } ?? " (not authenticated)"): \(error)")
                    if error.closesConnection || bound == nil {
                        closeConnection(fd, why: bound == nil ? "refused: not authenticated" : "refused: unreadable stream")
                        return
                    }
                    continue
                }
                break
            }
        }
    }

    func received(_ frame: Frame, on fd: Int32) {
        guard var conn = connections[fd] else { return }
        let d = Int(frame.device)
        guard frame.sequence > conn.lastSequence else {
            note("dropped frame from device \(d): sequence \(frame.sequence) after \(conn.lastSequence) (replayed or reordered)")
            return
        }
        conn.lastSequence = frame.sequence
        connections[fd] = conn
        lastFrame = wall
        guard let bound = conn.device else {
            guard frame.kind == .hello else {
                note("dropped \(frame.kind) frame on connection \(fd): expected hello first")
                closeConnection(fd, why: "refused: no hello")
                return
            }
            guard connectionOf[d] == nil else {
                note("device \(d) is already connected; second connection \(fd) refused")
                closeConnection(fd, why: "refused: duplicate device")
                return
            }
            connections[fd]?.device = d
            connectionOf[d] = fd
            heard[conn.serial] = wall
            after(delay(d, bytes: 0), .send(device: d, connection: conn.serial, .welcome(.init(
                speed: plan.devices[d].speed, adversarial: plan.devices[d].adversarial,
                heartbeatInterval: heartbeatWall / 4, timeScale: plan.timeScale))))
            after(delay(d, bytes: 0), .deliver(device: d, connection: conn.serial, .hello(pid: 0)))
            return
        }
        guard frame.kind.fromWorker else {
            note("dropped \(frame.kind) frame from device \(bound): only the coordinator sends \(frame.kind)")
            return
        }
        let message: Message
        do { message = try Message(frame) } catch {
            note("dropped frame from device \(bound): \(error)")
            return
        }
        switch message {
        case .submit(let work):
            note("refused work submitted by device \(bound) (\(work)): only the coordinator assigns work")
        case .hello:
            note("dropped second hello from device \(bound)")
        case .heartbeat:
            after(delay(bound, bytes: 0), .deliver(device: bound, connection: conn.serial, message))
        case .result(let r):
            let bytes = Int(r.task) < m ? plan.tasks.outputBytes[Int(r.task)] : 0
            after(delay(bound, bytes: bytes), .deliver(device: bound, connection: conn.serial, message))
        case .abandon:
            after(delay(bound, bytes: 0), .deliver(device: bound, connection: conn.serial, message))
        case .welcome, .assign, .shutdown:
            break
        }
    }

    /// Closes connections that have not authenticated within `helloTimeout`.
    func closeSilentStrangers() {
        let w = wall
        for (fd, c) in connections where c.device == nil && w - c.opened > options.helloTimeout {
            closeConnection(fd, why: "refused: no hello within \(options.helloTimeout) s")
        }
    }

    func closeConnection(_ fd: Int32, why: String) {
        guard let conn = connections.removeValue(forKey: fd) else { return }
        close(fd)
        if let d = conn.device, connectionOf[d] == fd {
            connectionOf[d] = nil
            goneAway(d)
            note("device \(d) disconnected (\(why))")
        } else {
            note("connection \(fd) closed (\(why))")
        }
    }
}
