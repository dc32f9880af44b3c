import Testing
import Foundation
import Crypto
import SwarmKernel
import SwarmModel
import SwarmPolicies
@testable import SwarmRuntime

func localFleet(_ n: Int) -> Fleet {
    try! Fleet(classes: [.desktop], regions: [("local", 0)], mix: [.init(className: "desktop", region: "local", count: n)])
}

func fastestFirst() -> any SchedulingPolicy { FastestFirstPolicy(context: PolicyContext(streams: RandomStreams(seed: 1))) }

/// Starts the worker executable with only `environment`, waits for it, and returns its exit
/// status and what it wrote to standard error.
func runWorker(environment: [String: String]) throws -> (status: Int32, stderr: String) {
    var fds: [Int32] = [0, 0]
    #expect(pipe(&fds) == 0)
    let child = try Coordinator.launch(try ReferenceRuntime.locateWorker(), arguments: [], environment: environment, stderr: fds[1])
    close(fds[1])
    var message = ""
    var buf = [UInt8](repeating: 0, count: 4096)
    while true {
        let n = read(fds[0], &buf, buf.count)
        guard n > 0 else { break }
        message += String(decoding: buf[0..<n], as: UTF8.self)
    }
    close(fds[0])
    var status: Int32 = 0
    waitpid(child, &status, 0)
    return ((status >> 8) & 0xFF, message)
}

/// Runs a plan through the coordinator with test options.
/// Two local devices, fastest first, a 2 s heartbeat timeout, a tenth of a wall second per
/// scenario second: the churn tests' plan.
func twoDevicePlan(_ tasks: TaskTable, _ devices: [EmulatedDevice]) -> RuntimePlan {
    RuntimePlan(devices: devices, fleet: localFleet(2), tasks: tasks, policy: fastestFirst(), heartbeatTimeout: 2, timeScale: 0.1)
}

func runPlan(_ plan: RuntimePlan, options: CoordinatorOptions = CoordinatorOptions()) throws -> RuntimeReport {
    try plan.validate()
    var o = options
    o.wallLimit = 60
    return try Coordinator(plan: plan, workerPath: try ReferenceRuntime.locateWorker(), options: o).run()
}

/// Each task on the idle device with the lowest id, whether or not it already voted.
struct LowestIdle: SchedulingPolicy {
    static let name = "lowest-idle"
    static let summary = "The idle device with the lowest id (tests)."
    init(parameters: NoParameters = NoParameters(), context: PolicyContext = PolicyContext(streams: RandomStreams(seed: 0))) {}
    mutating func place(_ ready: ReadyTasks, on fleet: FleetView, into placements: inout Placements) {
        for task in ready {
            guard let d = (0..<fleet.fleet.count).first(where: fleet.isIdle) else { return }
            placements.assign(task, to: d)
        }
    }
}

/// Places everything on one device, and writes down what it is told.
struct OnlyDevice: SchedulingPolicy {
    static let name = "only-device"
    static let summary = "Everything on one device (tests)."
    var device = 0
    var calls: Box<[String]>?
    init(parameters: NoParameters, context: PolicyContext) {}
    init(device: Int, calls: Box<[String]>) { self.device = device; self.calls = calls }
    func note(_ s: String) { if let c = calls { c.set(c.get() + [s]) } }
    mutating func place(_ ready: ReadyTasks, on fleet: FleetView, into placements: inout Placements) {
        note("place")
        for task in ready where fleet.isIdle(device) { placements.assign(task, to: device) }
    }
    mutating func deviceJoined(_ d: Int, fleet: FleetView) { note("joined \(d)") }
    mutating func taskFinished(_ task: TaskID, on d: Int, fleet: FleetView) { note("finished on \(d)") }
}

// MARK: a raw client, for the misbehaving peers

/// Connects, sends `frames` (one after another), then reads until the coordinator closes the
/// connection or `wait` seconds pass; returns the bytes received.
func rawClient(port: UInt16, frames: [[UInt8]], wait: Double = 1.5) -> [UInt8] {
    guard let fd = try? Socket.connect(port: port) else { return [0xFF] }
    defer { close(fd) }
    for f in frames { Socket.writeAll(fd, f) }
    var got: [UInt8] = []
    let end = monotonicNow() + wait
    while monotonicNow() < end {
        var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        guard poll(&p, 1, 50) > 0 else { continue }
        var buf = [UInt8](repeating: 0, count: 4096)
        let n = buf.withUnsafeMutableBytes { recv(fd, $0.baseAddress!, $0.count, 0) }
        if n <= 0 { break }
        got += buf[0..<n]
    }
    return got
}

final class Box<T: Sendable>: @unchecked Sendable {
    private let lock = NSLock()
    private var value: T
    init(_ v: T) { value = v }
    func set(_ v: T) { lock.lock(); value = v; lock.unlock() }
    func get() -> T { lock.lock(); defer { lock.unlock() }; return value }
}

struct SecurityOutcome: Sendable {
    var report: RuntimeReport
    var stranger: [UInt8]
    var flipped: [UInt8]
    var wrongVersion: [UInt8]
    /// Kinds of the frames the coordinator sent the (authenticated) submitter.
    var submitterGot: [FrameKind]
    var silent: [UInt8]
}

/// One run shared by the security tests: two honest workers, and on device 2's slot (no
/// process started) a client that authenticates and then misbehaves; meanwhile a stranger
/// with a wrong key, a client whose hello has a flipped byte and one speaking version 1 (before `abandon`).
let securityRun: Result<SecurityOutcome, any Error> = Result {
    var tasks = TaskTable()
    for _ in 0..<4 { tasks.add(work: .seconds(1)) }
    let plan = RuntimePlan(devices: Array(repeating: EmulatedDevice(), count: 3), fleet: localFleet(3), tasks: tasks,
                           policy: fastestFirst(), heartbeatTimeout: 3, timeScale: 0.1)
    let observed = Box(([UInt8](), [UInt8](), [UInt8](), [FrameKind](), [UInt8]()))
    let done = DispatchSemaphore(value: 0)
    var options = CoordinatorOptions()
    options.external = [2]
    options.helloTimeout = 0.1
    let clientsDone = Box(false)
    options.keepRunning = { !clientsDone.get() }
    options.onListening = { port, keys in
        Thread {
            let silent = rawClient(port: port, frames: [], wait: 1)   // connects, says nothing
            let key2 = keys.deviceKey(2)
            let wrong = SymmetricKey(data: [UInt8](repeating: 0x42, count: 32))
            let stranger = rawClient(port: port, frames: [Message.hello(pid: 1).frame(device: 0, sequence: 1001).encoded(key: wrong)])
            var flippedHello = Message.hello(pid: 2).frame(device: 2, sequence: 2002).encoded(key: key2)
            flippedHello[Frame.headerSize + 1] ^= 0x01
            let flipped = rawClient(port: port, frames: [flippedHello])
            let oldVersion = rawClient(port: port, frames: [Message.hello(pid: 3).frame(device: 2, sequence: 1).encoded(key: key2, version: 1)])
            let hello = Message.hello(pid: 4).frame(device: 2, sequence: 1).encoded(key: key2)
            let got = rawClient(port: port, frames: [
                hello,
                Message.submit(.seconds(100)).frame(device: 2, sequence: 2).encoded(key: key2),
                Message.assign(.init(task: 0, attempt: 9, seed: 1, work: .seconds(100))).frame(device: 2, sequence: 3).encoded(key: key2),
                hello,   // replayed
            ], wait: 0.5)
            var decoder = FrameDecoder(); decoder.append(got)
            var kinds: [FrameKind] = []
            while let f = try? decoder.next(key: { _ in key2 }) { kinds.append(f.kind) }
            observed.set((stranger, flipped, oldVersion, kinds, silent))
            clientsDone.set(true)
            done.signal()
        }.start()
    }
    let report = try runPlan(plan, options: options)
    _ = done.wait(timeout: .now() + 10)
    let o = observed.get()
    return SecurityOutcome(report: report, stranger: o.0, flipped: o.1, wrongVersion: o.2, submitterGot: o.3, silent: o.4)
}

@Suite("reference runtime", .serialized)
struct RuntimeTests {
    @Test("a stranger with the wrong key is refused, gets nothing, and the run still completes")
    func stranger() throws {
        let o = try securityRun.get()
        #expect(o.stranger.isEmpty)
        #expect(o.report.log.contains { $0.contains("HMAC-SHA256 check failed (claims device 0, sequence 1001)") })
        #expect(o.report.log.contains { $0.contains("refused: not authenticated") })
        #expect(o.report.taskFinish.allSatisfy { !$0.isNaN })
    }

    @Test("a connection that never says hello is closed after the hello timeout")
    func silentStranger() throws {
        let o = try securityRun.get()
        #expect(o.silent.isEmpty)
        #expect(o.report.log.contains { $0.contains("refused: no hello within 0.1 s") })
    }

    @Test("a hello with one flipped byte is rejected and logged")
    func flippedByte() throws {
        let o = try securityRun.get()
        #expect(o.flipped.isEmpty)
        #expect(o.report.log.contains { $0.contains("HMAC-SHA256 check failed (claims device 2, sequence 2002)") })
    }

    @Test("a peer speaking another protocol version is refused")
    func wrongVersion() throws {
        let o = try securityRun.get()
        #expect(o.wrongVersion.isEmpty)
        #expect(o.report.log.contains { $0.contains("protocol version 1; expected 2") })
    }

    @Test("an authenticated worker cannot submit work, send coordinator frames or replay a frame")
    func cannotSubmit() throws {
        let o = try securityRun.get()
        let log = o.report.log
        #expect(log.contains { $0.contains("refused work submitted by device 2") })
        #expect(log.contains { $0.contains("only the coordinator sends assign") })
        #expect(log.contains { $0.contains("sequence 1 after") && $0.contains("replayed") })
        #expect(o.submitterGot.first == .welcome)   // it was admitted, so the refusals are about what it sent
        #expect(o.report.taskFinish.count == 4 && o.report.taskFinish.allSatisfy { !$0.isNaN })
        #expect(o.report.attempts.allSatisfy { $0.task < 4 })
        #expect(!o.report.attempts.contains { $0.outcome == .returned && $0.device == 2 })
    }

    @Test("a worker killed mid-task loses no task; a paused one loses its attempt; killed ones restart")
    func churn() throws {
        var tasks = TaskTable()
        for _ in 0..<5 { tasks.add(work: .seconds(8)) }
        let devices = [
            // killed mid-task; restarted at 6.5, before the loss is detected (5 + 3 s timeout)
            EmulatedDevice(pauses: [(start: 6, end: 6.5)], killAt: 5),
            EmulatedDevice(),
            EmulatedDevice(pauses: [(start: 4, end: 11)]),              // paused mid-task for 7 s > 3 s timeout
        ]
        let plan = RuntimePlan(devices: devices, fleet: localFleet(3), tasks: tasks, policy: fastestFirst(),
                               heartbeatTimeout: 3, timeScale: 0.1)
        let r = try runPlan(plan)
        #expect(r.taskFinish.allSatisfy { !$0.isNaN }, "every task finished: \(r.taskFinish)")
        let lost0 = r.attempts.filter { $0.device == 0 && $0.outcome == .lost }
        #expect(lost0.count == 1, "device 0's attempt was lost: \(r.attempts)")
        for a in r.attempts where a.outcome == .lost {
            #expect(r.attempts.contains { $0.task == a.task && $0.outcome == .returned && $0.assigned > a.assigned },
                    "task \(a.task) was re-run after its attempt was lost")
        }
        #expect(r.attempts.contains { $0.device == 2 && $0.outcome == .lost })
        #expect(r.attempts.contains { $0.device == 0 && $0.outcome == .returned && $0.assigned >= 6.5 }, "device 0 came back")
        #expect(r.log.contains { $0.contains("device 0 killed") } && r.log.contains { $0.contains("device 0 restarted") })
        #expect(r.log.contains { $0.contains("device 2 paused") } && r.log.contains { $0.contains("device 2 resumed") })
        #expect(r.lostWorkSeconds > 0)
        // Lost attempts are detected a heartbeat timeout after the device fell silent, not before.
        #expect(r.makespan >= 5 + 3)
    }

    @Test("replicas vote on real checksums: an adversary is outvoted; DAG order, latency and duty cycle hold")
    func votingAndEmulation() throws {
        let gemm = TaskWork.kernel(.gemm(m: 48, n: 40, k: 32, dtype: .fp32))
        let attention = TaskWork.kernel(.attention(batch: 1, heads: 2, seqLen: 16, headDim: 8, dtype: .fp32))
        var tasks = TaskTable()
        let root = tasks.add(work: gemm, arrival: SimTime(seconds: 3), replication: 2, quorum: 2)
        for i in 0..<5 {
            tasks.add(work: [gemm, .seconds(1), attention][i % 3], inputBytes: 1e6, outputBytes: 1e6, replication: 2, quorum: 2, parents: [root])
        }
        // The policy takes the lowest idle id, so the adversary (device 0) votes whenever idle.
        let devices = [
            EmulatedDevice(adversarial: true),
            EmulatedDevice(speed: 1, latency: 0.5, bandwidth: 1e7),   // + 0.1 s per MB
            EmulatedDevice(speed: 0.5),
            EmulatedDevice(),
        ]
        let plan = RuntimePlan(devices: devices, fleet: localFleet(4), tasks: tasks, policy: LowestIdle(),
                               heartbeatTimeout: 20, timeScale: 0.1)
        let r = try runPlan(plan)
        #expect(r.taskFinish.allSatisfy { !$0.isNaN })
        var compute = WorkerCompute()
        for t in 0..<tasks.count {
            let honest = compute.run(tasks.work[t], seed: SplitMix64.mix(UInt64(t) &+ 1), timeScale: 0).checksum
            #expect(r.acceptedChecksum[t] == honest, "task \(t) accepted the honest result")
            for a in r.attempts where a.task == t && a.outcome == .returned {
                #expect((a.checksum == honest) == (a.device != 0), "attempt \(a.attempt) of task \(t) on device \(a.device)")
            }
        }
        let outvoted = Set(r.attempts.filter { $0.device == 0 && $0.outcome == .returned && $0.returned <= r.taskFinish[$0.task] }.map(\.task))
        #expect(outvoted.contains(0), "the adversary voted on the root")
        for t in outvoted {
            #expect(r.attempts.filter { $0.task == t }.count >= 3, "task \(t) needed a third vote")
        }
        for a in r.attempts where a.task > 0 { #expect(a.assigned >= r.taskFinish[0], "children wait for their parent") }
        for a in r.attempts where a.device == 1 && a.outcome == .returned {
            let oneWay = 0.5 + (a.task > 0 ? 0.1 : 0)
            #expect(a.computeStart - a.assigned >= oneWay - 0.02, "input delayed by latency + bytes/bandwidth")
            #expect(a.returned - a.computeEnd >= oneWay - 0.02, "result delayed by latency + bytes/bandwidth")
        }
        let slow = r.attempts.filter { $0.device == 2 && $0.outcome == .returned && tasks.work[$0.task] == .seconds(1) }
        #expect(!slow.isEmpty, "the slow device ran a 1 s task")
        // Doubled, not 1 s: the threshold sits between the two. A clean clone's make test saw
        // 1.888 s once (11 ms of wall time short at time scale 0.1): the worker counts from the
        // `due` it was sent (the acting instant), while the record's `assigned` never goes back
        // before an earlier stamp, so after a late event it can be later, and computeStart is
        // clamped up to it. Known, not fixed here (see the ninth session's closing note).
        for a in slow { #expect(a.computeEnd - a.computeStart >= 1.5, "speed 0.5 doubles a 1 s compute") }
    }

    @Test("a worker process runs a layer (a kernel sequence) and returns the checksum of its parts run in order")
    func layerTask() throws {
        let layer = TaskWork.kernel(LayerPresets.transformerBlock(dModel: 16, heads: 2, seq: 8))
        var tasks = TaskTable(); tasks.add(work: layer)
        let plan = RuntimePlan(devices: [EmulatedDevice()], fleet: localFleet(1), tasks: tasks, policy: fastestFirst(),
                               heartbeatTimeout: 20, timeScale: 0.1)
        let r = try runPlan(plan)
        var compute = WorkerCompute()
        let honest = compute.run(layer, seed: SplitMix64.mix(0 &+ 1), timeScale: 0).checksum
        #expect(r.acceptedChecksum[0] == honest)
        #expect(r.attempts.count == 1 && r.attempts[0].outcome == .returned)
    }

    @Test("a pause shorter than the heartbeat timeout loses the attempt, detected a timeout after the pause began")
    func shortPause() throws {
        // The task arrives at 5 s (0.5 s wall, the worker is up) and is paused 1.5 s into it,
        // for 1 s < the 3 s timeout. As in WorkEngine, the device that went off lost the attempt
        // then, and the loss is seen a timeout after the pause began.
        let pause = (start: 6.5, end: 7.5), timeout = 3.0
        var tasks = TaskTable(); tasks.add(work: .seconds(4), arrival: SimTime(seconds: 5))
        let plan = RuntimePlan(devices: [EmulatedDevice(pauses: [pause])], fleet: localFleet(1), tasks: tasks,
                               policy: fastestFirst(), heartbeatTimeout: timeout, timeScale: 0.1)
        let r = try runPlan(plan)
        #expect(!r.taskFinish[0].isNaN, "the job completes")
        #expect(r.attempts.count == 2, "\(r.attempts) \(r.log)")
        guard r.attempts.count == 2 else { return }
        let (lost, rerun) = (r.attempts[0], r.attempts[1])
        #expect(lost.outcome == .lost && lost.returned.isNaN, "the stopped worker returned nothing: \(lost)")
        #expect(abs(lost.lost - pause.start) < 0.3, "lost at \(lost.lost), expected about \(pause.start) \(r.log)")
        #expect(rerun.outcome == .returned && rerun.assigned >= pause.start + timeout - 0.1, "re-run after the loss is seen: \(rerun)")
        #expect(rerun.assigned - (pause.start + timeout) < 0.5 && rerun.computeStart - rerun.assigned < 0.5, "the device was idle again: \(rerun)")
        #expect(r.log.contains { $0.contains("device 0 abandoned attempt 1 of task 0") })
        // Lost work: assignment (5 s) to the pause.
        #expect(abs(r.lostWorkSeconds - (pause.start - 5)) < 0.3)
    }

    @Test("a device paused from the instant a task arrives is not given it")
    func pausedAtArrival() throws {
        // Device 0, the policy's first choice, goes off at 3 s, when the task arrives (a
        // device OFF at the simulator's time 0, shifted by validate's start delay).
        var tasks = TaskTable(); tasks.add(work: .seconds(1), arrival: SimTime(seconds: 3))
        let devices = [EmulatedDevice(pauses: [(start: 3, end: 40)]), EmulatedDevice()]
        let plan = twoDevicePlan(tasks, devices)
        let r = try runPlan(plan)   // its wall limit: 60 s
        #expect(!r.taskFinish[0].isNaN)
        #expect(r.attempts.count == 1 && r.attempts.allSatisfy { $0.device == 1 && $0.outcome == .returned }, "\(r.attempts)")
    }

    @Test("churn is timed on the task arrivals' clock: a pause and an arrival at one scenario instant share one wall instant")
    func churnOnTheArrivalsClock() throws {
        var tasks = TaskTable(); tasks.add(work: .seconds(1), arrival: SimTime(seconds: 3))
        let devices = [EmulatedDevice(pauses: [(start: 3, end: 40)], killAt: 3), EmulatedDevice()]
        let plan = twoDevicePlan(tasks, devices)
        let c = try Coordinator(plan: plan, workerPath: "/nonexistent", options: CoordinatorOptions())
        c.origin = 5   // scenario time began 5 wall seconds after `start`
        c.scheduleChurn()
        let arrival = c.wallTime(ofScenario: 3)   // 5 + 3 × 0.1
        func due(_ match: (Coordinator.Action) -> Bool) -> Double? { c.timers.first { match($0.action) }?.due }
        #expect(due { if case .pause(0) = $0 { true } else { false } } == arrival)
        #expect(due { if case .kill(0) = $0 { true } else { false } } == arrival)
        #expect(due { if case .resume(0) = $0 { true } else { false } } == c.wallTime(ofScenario: 40))
        #expect(due { if case .restart(0) = $0 { true } else { false } } == c.wallTime(ofScenario: 40))
    }

    @Test("a device whose attempt was lost may try the task again (only a returned result is a vote)")
    func lostIsNoVote() throws {
        var tasks = TaskTable(); tasks.add(work: .seconds(3), arrival: SimTime(seconds: 3), replication: 2, quorum: 2)
        let devices = [EmulatedDevice(pauses: [(start: 5, end: 9)]), EmulatedDevice()]
        let plan = twoDevicePlan(tasks, devices)
        let r = try runPlan(plan)   // its wall limit: 60 s
        #expect(!r.taskFinish[0].isNaN)
        #expect(r.attempts.contains { $0.device == 0 && $0.outcome == .lost })
        #expect(r.attempts.contains { $0.device == 0 && $0.outcome == .returned }, "\(r.attempts)")
    }

    @Test("a policy that keeps picking a device that already voted does not stall the task")
    func votedDeviceHidden() throws {
        // Arriving at 3 s (0.3 s wall), when every worker is up: devices 0 and 1 vote first.
        var tasks = TaskTable(); tasks.add(work: .seconds(0.5), arrival: SimTime(seconds: 3), replication: 2, quorum: 2)
        let devices = [EmulatedDevice(adversarial: true), EmulatedDevice(), EmulatedDevice()]
        let plan = RuntimePlan(devices: devices, fleet: localFleet(3), tasks: tasks, policy: LowestIdle(),
                               heartbeatTimeout: 20, timeScale: 0.1)
        var options = CoordinatorOptions()
        options.wallLimit = 15
        let r = try Coordinator(plan: plan, workerPath: try ReferenceRuntime.locateWorker(), options: options).run()
        #expect(!r.taskFinish[0].isNaN)
        #expect(Set(r.attempts.map(\.device)) == [0, 1, 2], "the third vote went to the device that had not voted")
    }

    @Test("the plan's policy object places the work and hears about devices and tasks")
    func policyDecides() throws {
        var tasks = TaskTable()
        for _ in 0..<4 { tasks.add(work: .seconds(0.5)) }
        let calls = Box([String]())
        let plan = RuntimePlan(devices: Array(repeating: EmulatedDevice(), count: 3), fleet: localFleet(3), tasks: tasks,
                               policy: OnlyDevice(device: 2, calls: calls), heartbeatTimeout: 20, timeScale: 0.1)
        let r = try runPlan(plan)
        #expect(r.taskFinish.allSatisfy { !$0.isNaN })
        #expect(r.attempts.count == 4 && r.attempts.allSatisfy { $0.device == 2 })
        let c = calls.get()
        #expect(Set(c.filter { $0.hasPrefix("joined") }) == ["joined 0", "joined 1", "joined 2"])
        #expect(c.filter { $0 == "finished on 2" }.count == 4)
        #expect(c.contains("place"))
    }

    @Test("a run whose every worker is gone for good gives up instead of hanging")
    func stall() throws {
        var tasks = TaskTable(); tasks.add(work: .seconds(50))
        let plan = RuntimePlan(devices: [EmulatedDevice(killAt: 3)], fleet: localFleet(1), tasks: tasks, policy: fastestFirst(),
                               heartbeatTimeout: 1, timeScale: 0.1)
        var options = CoordinatorOptions()
        options.stallLimit = 0.5
        let error = #expect(throws: RuntimeError.self) {
            _ = try Coordinator(plan: plan, workerPath: try ReferenceRuntime.locateWorker(), options: options).run()
        }
        guard case .timedOut(let wall, 0, 1)? = error else { Issue.record("expected a time-out, got \(String(describing: error))"); return }
        #expect(wall < 5)
    }

    @Test("silence while every worker is paused, but due back, is not a stall")
    func pausedIsNoStall() throws {
        var tasks = TaskTable(); tasks.add(work: .seconds(1), arrival: SimTime(seconds: 3))
        let plan = RuntimePlan(devices: [EmulatedDevice(pauses: [(start: 1, end: 12)])], fleet: localFleet(1), tasks: tasks,
                               policy: fastestFirst(), heartbeatTimeout: 0.5, timeScale: 0.1)
        var options = CoordinatorOptions()
        options.stallLimit = 0.5   // the pause lasts 1.1 s wall
        let r = try Coordinator(plan: plan, workerPath: try ReferenceRuntime.locateWorker(), options: options).run()
        #expect(!r.taskFinish[0].isNaN && r.taskFinish[0] >= 12)
    }

    @Test("the worker refuses a bad environment with exit status 64, naming the variable",
          arguments: [(["SWARMLAB_DEVICE": "0", "SWARMLAB_KEY": String(repeating: "ab", count: 32)], "SWARMLAB_PORT"),
                      (["SWARMLAB_PORT": "9", "SWARMLAB_DEVICE": "x", "SWARMLAB_KEY": String(repeating: "ab", count: 32)], "SWARMLAB_DEVICE"),
                      (["SWARMLAB_PORT": "9", "SWARMLAB_DEVICE": "0", "SWARMLAB_KEY": "abc"], "SWARMLAB_KEY")])
    func workerEnvironment(_ env: [String: String], _ variable: String) throws {
        let (status, message) = try runWorker(environment: env)
        #expect(status == 64)
        #expect(message.contains(variable + ": expected"), "\(message)")
    }

    @Test("a plan with a bad field is refused before any process starts, naming the field")
    func badPlan() {
        var tasks = TaskTable(); tasks.add(work: .seconds(1))
        let plan = RuntimePlan(devices: [EmulatedDevice(speed: 2)], fleet: localFleet(1), tasks: tasks, policy: fastestFirst())
        #expect(throws: RuntimeError.badPlan("devices[0].speed: expected 0 < speed ≤ 1, got 2.0")) { try ReferenceRuntime.run(plan) }
        #expect(throws: RuntimeError.self) { try ReferenceRuntime.locateWorker(explicit: "/nonexistent/swarmlab-worker") }
    }

    @Test("ReferenceRuntime.run finds the worker beside the test binary and runs a small job")
    func publicEntryPoint() throws {
        var tasks = TaskTable()
        for _ in 0..<3 { tasks.add(work: .kernel(.gemm(m: 32, n: 32, k: 32, dtype: .fp32))) }
        let plan = RuntimePlan(devices: [EmulatedDevice(), EmulatedDevice()], fleet: localFleet(2), tasks: tasks,
                               policy: fastestFirst(), heartbeatTimeout: 30, timeScale: 0.1)   // no false loss under load
        let r = try ReferenceRuntime.run(plan)
        #expect(r.taskFinish.allSatisfy { !$0.isNaN } && r.makespan > 0 && r.wallSeconds > 0)
        #expect(r.attempts.count == 3 && r.attempts.allSatisfy { $0.outcome == .returned })
        #expect(r.attempts.allSatisfy { $0.assigned <= $0.computeStart && $0.computeStart <= $0.computeEnd && $0.computeEnd <= $0.returned })
    }
}

@Suite("Delivery times and returns from OFF, as the model has them")
struct RuntimeTimingTests {
    @Test("this process shares its clock domain with itself, never with an unknown one")
    func clockDomain() {
        #expect(ClockDomain.current != 0)
        #expect(ClockDomain.isShared(with: ClockDomain.current))
        #expect(!ClockDomain.isShared(with: 0))
        #expect(!ClockDomain.isShared(with: ClockDomain.current &+ 1))
    }

    @Test("an assignment's delivery time and a result's CPU seconds survive the wire")
    func stampsOnTheWire() throws {
        let assign = Message.assign(.init(task: 1, attempt: 2, seed: 3, work: .seconds(1), due: 1234.5))
        #expect(try Message(assign.frame(device: 0, sequence: 1)) == assign)
        let result = Message.result(.init(task: 1, attempt: 2, checksum: 9, computeStart: 1, computeEnd: 2,
                                          kernelCPUSeconds: 0.25, attemptCPUSeconds: 0.3))
        #expect(try Message(result.frame(device: 0, sequence: 1)) == result)
        #expect(try Message(Message.hello(pid: 7, clock: 42).frame(device: 0, sequence: 1)) == .hello(pid: 7, clock: 42))
    }

    @Test("a paused device is back when its pause ends, not at its next heartbeat")
    func backWhenThePauseEnds() throws {
        // Heartbeats every timeout/4 = 2 scenario s; the pause ends at 3, between two of them.
        // A task arriving during the pause is assigned when the device is back: at 3 (plus
        // the coordinator's loop), where it used to wait for the heartbeat due about 4.
        var tasks = TaskTable(); tasks.add(work: .seconds(0.5), arrival: SimTime(seconds: 2))
        let plan = RuntimePlan(devices: [EmulatedDevice(pauses: [(start: 1, end: 3)])], fleet: localFleet(1), tasks: tasks,
                               policy: fastestFirst(), heartbeatTimeout: 8, timeScale: 0.1)
        let r = try runPlan(plan)
        let assigned = try #require(r.attempts.first?.assigned)
        #expect(assigned >= 3 && assigned < 3.3, "assigned at \(assigned) s")
    }
}
