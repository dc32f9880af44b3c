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
public enum Worker {
    /// Runs the worker until the coordinator says `shutdown` or goes away; the exit status.
    public static func main() -> Int32 {
        let env = ProcessInfo.processInfo.environment
        if env["SWARMLAB_SUPERVISE"] == "1" { return supervise(env) }   // started by srun (Worker+Launch)
        ignoreSupervisorSignals(env)
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
        let link = WorkerLink(fd: fd, device: device, key: SymmetricKey(data: keyBytes))
        link.send(.hello(pid: UInt32(getpid()), clock: ClockDomain.current))

        var decoder = FrameDecoder()
        var lastSequence: UInt64 = 0
        var welcome: Message.Welcome?
        var buf = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = buf.withUnsafeMutableBytes { recv(fd, $0.baseAddress!, $0.count, 0) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { return 0 }   // the coordinator went away
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
                guard frame.sequence > lastSequence, !frame.kind.fromWorker else { continue }
                lastSequence = frame.sequence
                guard let message = try? Message(frame) else { continue }
                switch message {
                case .welcome(let w):
                    if welcome == nil { link.startHeartbeats(every: w.heartbeatInterval) }
                    welcome = w
                case .assign(let a):
                    guard let w = welcome else { continue }
                    link.setCurrent(task: Int32(a.task), attempt: a.attempt)
                    // The device's time starts when the emulated network delivered the
                    // assignment (`due`, same clock only), not when this process got to it.
                    let received = monotonicNow()
                    let start = a.due >= 0 && a.due <= received && received - a.due < 1 ? a.due : received
                    let cpuStart = cpuNow(thisThreadOnly: true)
                    let stops = stopCount
                    let out = compute.run(a.work, seed: a.seed, timeScale: w.timeScale,
                                          corruption: w.adversarial ? Corruption(seed: UInt64(device)) : nil, endOnStop: true)
                    // The slow device's duty cycle: idle for the rest after computing.
                    // Counting CPU seconds absorbs contention from processes sharing the cores:
                    // for a kernel over the whole attempt (inputs, computation, checksum), for
                    // busy `.seconds` work over the spin.
                    let attemptCPU = cpuNow(thisThreadOnly: true) - cpuStart
                    if stopCount == stops {
                        let cycle = DutyCycle(speed: w.speed)
                        let idle: Double
                        if case .kernel = a.work {
                            idle = cycle.idleSeconds(afterAttempt: monotonicNow() - start, cpuSeconds: attemptCPU,
                                                     computeCPUSeconds: out.cpuSeconds)
                        } else {
                            idle = cycle.idleSeconds(afterComputing: out.computeSeconds, cpuSeconds: out.cpuSeconds)
                        }
                        DutyCycle.sleep(seconds: idle)
                    }
                    // Stopped while holding the attempt: a device that went off lost its work.
                    guard stopCount == stops else {
                        link.setCurrent(task: -1, attempt: 0)
                        link.send(.abandon(task: a.task, attempt: a.attempt))
                        continue
                    }
                    link.send(.result(.init(task: a.task, attempt: a.attempt, checksum: out.checksum,
                                            computeStart: start + out.setupSeconds, computeEnd: monotonicNow(),
                                            kernelCPUSeconds: out.cpuSeconds, attemptCPUSeconds: attemptCPU)))
                    link.setCurrent(task: -1, attempt: 0)
                case .shutdown:
                    return 0
                case .hello, .heartbeat, .result, .submit, .abandon:
                    continue
                }
            }
        }
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

/// The worker's connection, shared by its main thread and its heartbeat thread.
final class WorkerLink: @unchecked Sendable {
    let fd: Int32
    let device: UInt32
    let key: SymmetricKey
    private let lock = NSLock()
    private var sequence: UInt64 = 0
    private var task: Int32 = -1
    private var attempt: UInt16 = 0

    init(fd: Int32, device: UInt32, key: SymmetricKey) { self.fd = fd; self.device = device; self.key = key }

    func send(_ m: Message) {
        lock.lock(); defer { lock.unlock() }
        sequence += 1
        Socket.writeAll(fd, m.frame(device: Int(device), sequence: sequence).encoded(key: key))
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
