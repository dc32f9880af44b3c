import Foundation
import Crypto
import SwarmModel

/// One emulated device, as an OS process (`swarmlab-worker`). It reads from its environment
/// the coordinator's address (`SWARMLAB_COORDINATOR`, HOST:PORT; or `SWARMLAB_PORT` on
/// loopback), its device id (`SWARMLAB_DEVICE`) and its key (`SWARMLAB_KEY`, hex, removed
/// from the environment once read; or under `srun` the 0600 file `SWARMLAB_KEY_FILE` names —
/// never on the command line; `Worker+Launch`),
/// says hello, then runs what it is assigned: real compute, then idle for the rest of its
/// duty cycle (speed s: a compute using c CPU seconds lasts c/s in all, the idle part
/// shrinking when other processes stretched the compute's wall time), and
/// returns the checksum. A second thread sends heartbeats; SIGSTOP silences both, as a
/// device that went away, and a worker stopped while it held an attempt abandons it (as a
/// device that went off loses its work) and says so (`abandon`) instead of returning it.
/// Frames lost or repeated on the way are survived (`docs/reliability.md`, "Runtime faults"):
/// it says hello again until welcomed, answers a repeated assignment with the answer it kept,
/// and connects again when its connection closes without a `shutdown`.
public enum Worker {
    /// Runs the worker until the coordinator says `shutdown`, or goes away and cannot be
    /// reached again within `reconnectWindow`; the exit status.
    public static func main() -> Int32 {
        let env = ProcessInfo.processInfo.environment
        if env["SWARMLAB_SUPERVISE"] == "1" { return supervise(env) }   // started by srun (Worker+Launch)
        ignoreSupervisorSignals(env)
        DutyCycle.tightenTimerSlack()
        if env["SWARMLAB_MEASURE"] != nil {   // timing kernels for `validate` (WorkerMeasurement)
            guard tieToCoordinator(env) else { return fail("the process that started this measurement is gone") }
            return WorkerMeasurement.main(env)
        }
        guard tieToCoordinator(env) else { return fail("the coordinator (SWARMLAB_COORDINATOR_PID) is gone") }
        let address: TCPAddress
        switch coordinatorAddress(env) { case .success(let a): address = a; case .failure(let why): return fail(why.text) }
        guard let deviceText = env["SWARMLAB_DEVICE"], let device = UInt32(deviceText) else {
            return fail("SWARMLAB_DEVICE: expected a device id ≥ 0, got \(env["SWARMLAB_DEVICE"].map { "'\($0)'" } ?? "nothing")")
        }
        let keyBytes: [UInt8]
        switch deviceKey(env) { case .success(let k): keyBytes = k; case .failure(let why): return fail(why.text) }
        unsetenv("SWARMLAB_KEY")
        var compute = WorkerCompute()
        compute.warmUp(kernels: WorkerCompute.warmKernels(env))   // before saying hello: no first-kernel page faults in a timed attempt
        WorkerCompute.watchForStops()
        let fd: Int32
        do { fd = try Socket.connect(to: address) } catch { return fail("\(error)") }
        let link = WorkerLink(device: device, key: SymmetricKey(data: keyBytes))
        link.attach(fd)
        // An injected fault (`FaultPlan.stopReading`): stop reading after this many assignments.
        let stopReadingAfter = env["SWARMLAB_FAULT_STOP_READING"].flatMap { Int($0) }
        var answered = AnsweredAttempts()
        var assignmentsRead = 0
        var welcome: Message.Welcome?
        var buf = [UInt8](repeating: 0, count: 65536)
        while true {
            // One connection: hello (again every 0.5, 1, 2, 4 s until welcomed, in case it or
            // the welcome was lost), then frames until the coordinator says shutdown or goes.
            var decoder = FrameDecoder()
            var window = ReplayWindow()
            var welcomed = false
            var helloEvery = 0.5, nextHello = monotonicNow() + helloEvery
            reading: while true {
                if let k = stopReadingAfter, welcomed, assignmentsRead >= k {
                    while true { DutyCycle.sleep(seconds: 3600) }   // alive (heartbeats go on), never reading
                }
                if !welcomed {
                    let wait = nextHello - monotonicNow()
                    if wait <= 0 {
                        link.send(.hello(pid: UInt32(getpid()), clock: ClockDomain.current))
                        helloEvery = min(helloEvery * 2, 4); nextHello = monotonicNow() + helloEvery
                        continue
                    }
                    var p = pollfd(fd: link.fd, events: Int16(POLLIN), revents: 0)
                    guard poll(&p, 1, Int32(wait * 1000) + 1) > 0 else { continue }
                }
                let n = buf.withUnsafeMutableBytes { recv(link.fd, $0.baseAddress!, $0.count, 0) }
                if n < 0 && errno == EINTR { continue }
                guard n > 0 else { break reading }   // the coordinator closed the connection or went away
                decoder.append(buf[0..<n])
                while true {
                    let frame: Frame
                    do {
                        guard let f = try decoder.next(key: { $0 == device ? link.key : nil }) else { break }
                        frame = f
                    } catch {
                        FileHandle.standardError.write(Data("swarmlab-worker \(device): dropped frame: \(error)\n".utf8))
                        if error.closesConnection { return 1 }
                        continue
                    }
                    // Replays refused; frames reordered on the way accepted once each.
                    guard !frame.kind.fromWorker, window.accept(frame.sequence) else { continue }
                    guard let message = try? Message(frame) else { continue }
                    switch message {
                    case .welcome(let w):
                        if welcome == nil { link.startHeartbeats(every: w.heartbeatInterval) }
                        welcome = w
                        welcomed = true
                    case .assign(let a):
                        guard let w = welcome else { continue }
                        // An assignment seen before (sent again: its result or the first copy
                        // was lost, or it was delayed) is answered as the first time, never
                        // computed twice.
                        if let reply = answered[a.task, a.attempt] { link.send(reply); continue }
                        assignmentsRead += 1
                        let reply = run(a, welcome: w, device: device, compute: &compute, link: link)
                        answered.insert(reply, task: a.task, attempt: a.attempt)
                        link.send(reply)
                        link.setCurrent(task: -1, attempt: 0)
                    case .shutdown:
                        return 0
                    case .hello, .heartbeat, .result, .submit, .abandon:
                        continue
                    }
                }
            }
            // Connection lost without a shutdown: the coordinator restarted or closed it.
            // Connect again within `reconnectWindow`, else exit (a coordinator that died
            // kills its workers first: `tieToCoordinator`).
            link.detach()
            guard let fd = reconnect(to: address, within: reconnectWindow) else { return 0 }
            link.attach(fd)
        }
    }

    /// Wall seconds a worker whose connection was lost keeps trying to connect again.
    static let reconnectWindow = 5.0

    static func reconnect(to address: TCPAddress, within seconds: Double) -> Int32? {
        let deadline = monotonicNow() + seconds
        while monotonicNow() < deadline {
            if let fd = try? Socket.connect(to: address) { return fd }
            DutyCycle.sleep(seconds: 0.05)
        }
        return nil
    }

    /// Runs one assignment; the message that answers it (`result`, or `abandon` when the
    /// process was stopped while it held the attempt).
    static func run(_ a: Message.Assignment, welcome w: Message.Welcome, device: UInt32,
                    compute: inout WorkerCompute, link: WorkerLink) -> Message {
        link.setCurrent(task: Int32(a.task), attempt: a.attempt)
        let stops = stopCount
        // The device's time starts when the emulated network delivers the assignment
        // (`due`, same clock only): a coordinator of this clock writes it early, and the
        // worker waits for that instant; one that wrote it when due, late, is counted from due.
        let received = monotonicNow()
        if a.due > received { DutyCycle.sleepPrecisely(seconds: min(a.due - received, 86_400)) }
        if stopCount != stops {   // went off before the assignment arrived: lost on the way
            link.setCurrent(task: -1, attempt: 0)
            return .abandon(task: a.task, attempt: a.attempt)
        }
        let now = monotonicNow()
        let start = a.due > received ? a.due : now - ClockDomain.elapsed(since: a.due, now: now)
        let cpuStart = cpuNow(thisThreadOnly: true)
        let out = compute.run(a.work, seed: a.seed, timeScale: w.timeScale,
                              corruption: w.adversarial ? Corruption(seed: UInt64(device)) : nil, endOnStop: true)
        // The slow device's duty cycle: idle for the rest after computing.
        // Counting CPU seconds absorbs contention from processes sharing the cores:
        // for a kernel over the whole attempt (inputs, computation, checksum), for
        // busy `.seconds` work over the spin.
        let attemptCPU = cpuNow(thisThreadOnly: true) - cpuStart
        // The device's time ends at `end`, computed from the attempt's CPU seconds
        // (`DutyCycle.deviceSeconds`), not when this process next gets a core to say so: on
        // cores shared by many workers, waking up from the idle waited for other workers'
        // kernels (3 ms at the 90th percentile with 32 workers on 2 cores), and a computation
        // that waited for a core longer than its slack ran past it, neither of which the
        // device would. The coordinator holds the result from `end` (one clock).
        var end = monotonicNow()
        if stopCount == stops {
            let cycle = DutyCycle(speed: w.speed)
            let device: Double?
            if case .kernel = a.work {
                device = cycle.deviceSeconds(attemptCPUSeconds: attemptCPU, computeCPUSeconds: out.cpuSeconds)
            } else {
                device = cycle.deviceSeconds(cpuSeconds: out.cpuSeconds)
            }
            if let device {
                DutyCycle.sleepPrecisely(seconds: start + device - end)
                end = start + device
            }
        }
        // Stopped while holding the attempt: a device that went off lost its work.
        guard stopCount == stops else {
            link.setCurrent(task: -1, attempt: 0)
            return .abandon(task: a.task, attempt: a.attempt)
        }
        return .result(.init(task: a.task, attempt: a.attempt, checksum: out.checksum,
                             computeStart: start + out.setupSeconds, computeEnd: end,
                             kernelCPUSeconds: out.cpuSeconds, attemptCPUSeconds: attemptCPU))
    }

    static func fail(_ message: String) -> Int32 {
        FileHandle.standardError.write(Data("swarmlab-worker: \(message)\n".utf8))
        return 64
    }

    static func hexBytes(_ s: String) -> [UInt8]? {
        let u = Array(s.utf8)
        guard u.count % 2 == 0 else { return nil }
        var out: [UInt8] = []
        for i in stride(from: 0, to: u.count, by: 2) {
            guard let b = UInt8(String(decoding: u[i..<(i + 2)], as: UTF8.self), radix: 16) else { return nil }
            out.append(b)
        }
        return out
    }
}

/// The worker's connection, shared by its main thread and its heartbeat thread; replaced
/// when the worker connects again.
final class WorkerLink: @unchecked Sendable {
    let device: UInt32
    let key: SymmetricKey
    private let lock = NSLock()
    private var socket: Int32 = -1
    private var sequence: UInt64 = 0
    private var task: Int32 = -1
    private var attempt: UInt16 = 0

    init(device: UInt32, key: SymmetricKey) { self.device = device; self.key = key }

    var fd: Int32 { lock.lock(); defer { lock.unlock() }; return socket }

    /// Uses connection `fd` from now on, its sequence numbers from 1, and says hello on it
    /// first (before a heartbeat can).
    func attach(_ fd: Int32) {
        lock.lock(); defer { lock.unlock() }
        socket = fd; sequence = 0
        sendLocked(.hello(pid: UInt32(getpid()), clock: ClockDomain.current))
    }

    /// Closes the connection; nothing is sent until `attach`.
    func detach() {
        lock.lock(); defer { lock.unlock() }
        if socket >= 0 { close(socket) }
        socket = -1
    }

    func send(_ m: Message) {
        lock.lock(); defer { lock.unlock() }
        sendLocked(m)
    }

    private func sendLocked(_ m: Message) {
        guard socket >= 0 else { return }
        sequence += 1
        // A coordinator that stopped reading: after `Socket.sendLimit` the connection counts as
        // lost. Shutting it down wakes the reading loop (recv returns 0), which reconnects or
        // exits as for any lost connection; `detach` closes it there.
        if !Socket.writeAll(socket, m.frame(device: Int(device), sequence: sequence).encoded(key: key)) {
            Glibc.shutdown(socket, Int32(SHUT_RDWR))
        }
    }

    func setCurrent(task: Int32, attempt: UInt16) {
        lock.lock(); self.task = task; self.attempt = attempt; lock.unlock()
    }

    func startHeartbeats(every interval: Double) {
        let t = Thread { [self] in
            // SIGCONT is handled by the computing thread, before it runs on (`watchForStops`).
            var set = sigset_t()
            sigemptyset(&set); sigaddset(&set, SIGCONT)
            pthread_sigmask(SIG_BLOCK, &set, nil)
            while true {
                DutyCycle.sleep(seconds: interval)
                lock.lock(); let (t, a) = (task, attempt); lock.unlock()
                send(.heartbeat(task: t, attempt: a))
            }
        }
        t.start()
    }
}

/// The answers (result or abandon) a worker gave to its last `capacity` assignments, by
/// task and attempt: a repeated assignment gets the same answer again.
struct AnsweredAttempts {
    static let capacity = 256
    private var answers: [UInt64: Message] = [:]
    private var order: [UInt64] = []

    subscript(task: UInt32, attempt: UInt16) -> Message? { answers[UInt64(task) << 16 | UInt64(attempt)] }

    mutating func insert(_ m: Message, task: UInt32, attempt: UInt16) {
        let key = UInt64(task) << 16 | UInt64(attempt)
        if answers.updateValue(m, forKey: key) == nil { order.append(key) }
        if order.count > AnsweredAttempts.capacity { answers[order.removeFirst()] = nil }
    }
}
