import Testing
import Foundation
import Crypto
import SwarmKernel
import SwarmModel
@testable import SwarmRuntime

/// What an authenticated raw client saw of its first assignment: when it arrived on this
/// process's monotonic clock, and the `due` it carried.
struct AssignmentSeen: Sendable { var arrived: Double; var due: Double }

/// Connects as device `d`, says hello in clock domain `clock`, and returns its first
/// assignment's arrival and due (nil if none came within `wait` seconds).
func firstAssignment(port: UInt16, key: SymmetricKey, device d: UInt32, clock: UInt64, wait: Double = 3) -> AssignmentSeen? {
    guard let fd = try? Socket.connect(port: port) else { return nil }
    defer { close(fd) }
    Socket.writeAll(fd, Message.hello(pid: 7, clock: clock).frame(device: Int(d), sequence: 1).encoded(key: key))
    var decoder = FrameDecoder()
    let end = monotonicNow() + wait
    while monotonicNow() < end {
        var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        guard poll(&p, 1, 20) > 0 else { continue }
        var buf = [UInt8](repeating: 0, count: 4096)
        let n = buf.withUnsafeMutableBytes { recv(fd, $0.baseAddress!, $0.count, 0) }
        guard n > 0 else { return nil }
        let at = monotonicNow()
        decoder.append(buf[0..<n])
        while let f = try? decoder.next(key: { _ in key }) {
            if case .assign(let a)? = try? Message(f) { return AssignmentSeen(arrived: at, due: a.due) }
        }
    }
    return nil
}

/// Serves device `d` on the coordinator's clock: answers each assignment with a result whose
/// device time ends `compute` seconds after its delivery, but sends it `late[i]` seconds after
/// the emulated uplink would have delivered it (`uplink`): a worker that got a core late.
/// Returns each assignment's `due`.
func lateClient(port: UInt16, key: SymmetricKey, device d: UInt32, compute: Double, uplink: Double, late: [Double]) -> [Double] {
    guard let fd = try? Socket.connect(port: port) else { return [] }
    defer { close(fd) }
    var sequence: UInt64 = 1
    Socket.writeAll(fd, Message.hello(pid: 7, clock: ClockDomain.current).frame(device: Int(d), sequence: sequence).encoded(key: key))
    var decoder = FrameDecoder()
    var dues: [Double] = []
    let end = monotonicNow() + 10
    while monotonicNow() < end && dues.count < late.count {
        var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        guard poll(&p, 1, 20) > 0 else { continue }
        var buf = [UInt8](repeating: 0, count: 4096)
        let n = buf.withUnsafeMutableBytes { recv(fd, $0.baseAddress!, $0.count, 0) }
        guard n > 0 else { return dues }
        decoder.append(buf[0..<n])
        while let f = try? decoder.next(key: { _ in key }) {
            guard case .assign(let a)? = try? Message(f) else { continue }
            let i = dues.count
            dues.append(a.due)
            let sendAt = a.due + compute + uplink + late[i]
            DutyCycle.sleepPrecisely(seconds: sendAt - monotonicNow())
            sequence += 1
            let r = Message.AttemptResult(task: a.task, attempt: a.attempt, checksum: 1, computeStart: a.due, computeEnd: a.due + compute)
            Socket.writeAll(fd, Message.result(r).frame(device: Int(d), sequence: sequence).encoded(key: key))
        }
    }
    return dues
}

@Suite("emulation precision", .serialized)
struct EmulationPrecisionTests {
    @Test("a worker of the coordinator's clock gets its assignment before the emulated delivery, stamped with it; another clock gets it at delivery, unstamped")
    func assignmentsWrittenEarly() throws {
        // Two external devices, 0.4 wall s of latency each (time scale 1): device 0 says
        // hello in this process's clock domain, device 1 in another one.
        var tasks = TaskTable()
        tasks.add(work: .seconds(5)); tasks.add(work: .seconds(5))
        let devices = [EmulatedDevice(latency: 0.4), EmulatedDevice(latency: 0.4)]
        let plan = RuntimePlan(devices: devices, fleet: localFleet(2), tasks: tasks, policy: fastestFirst(),
                               heartbeatTimeout: 30, timeScale: 1)
        let seen = Box([AssignmentSeen?](repeating: nil, count: 2))
        let done = DispatchSemaphore(value: 0)
        var options = CoordinatorOptions()
        options.external = [0, 1]
        options.wallLimit = 4
        options.onListening = { port, keys in
            for d in 0..<2 {
                Thread {
                    let clock = d == 0 ? ClockDomain.current : ClockDomain.current &+ 1
                    let s = firstAssignment(port: port, key: keys.deviceKey(d), device: UInt32(d), clock: clock)
                    var all = seen.get(); all[d] = s; seen.set(all)
                    done.signal()
                }.start()
            }
        }
        // The clients never answer: the run ends at its wall limit, which is not under test.
        _ = try? Coordinator(plan: plan, workerPath: "/nonexistent", options: options).run()
        for _ in 0..<2 { _ = done.wait(timeout: .now() + 10) }
        let same = try #require(seen.get()[0], "device 0 got an assignment")
        let other = try #require(seen.get()[1], "device 1 got an assignment")
        // Same clock: written at dispatch, 0.4 s before the link delivers it (a loaded
        // machine may take some of that to get it here, not all of it).
        #expect(same.due > 0)
        #expect(same.due - same.arrived > 0.2, "arrived \(same.due - same.arrived) s before its delivery time")
        // Another clock: no stamp to wait for, so it is written when the link delivers it.
        #expect(other.due == -1)
    }

    @Test("a result that reaches the coordinator late is returned at its emulated instant, and the next attempt is placed from there")
    func lateResultKeepsItsInstant() throws {
        // One external device on the coordinator's clock, 0.1 s each way; each attempt's device
        // time is 0.05 s. Its first result is sent 0.3 s after the link would have delivered
        // it (as a worker that waited for a core, or a coordinator busy elsewhere, would be).
        let latency = 0.1, compute = 0.05, late = [0.3, 0]
        var tasks = TaskTable()
        tasks.add(work: .seconds(5)); tasks.add(work: .seconds(5))
        let plan = RuntimePlan(devices: [EmulatedDevice(latency: latency)], fleet: localFleet(1), tasks: tasks,
                               policy: fastestFirst(), heartbeatTimeout: 30, timeScale: 1)
        let dues = Box([Double]())
        let clientDone = DispatchSemaphore(value: 0)
        var options = CoordinatorOptions()
        options.external = [0]
        options.wallLimit = 8
        options.onListening = { port, keys in
            Thread {
                dues.set(lateClient(port: port, key: keys.deviceKey(0), device: 0, compute: compute, uplink: latency, late: late))
                clientDone.signal()
            }.start()
        }
        let report = try Coordinator(plan: plan, workerPath: "/nonexistent", options: options).run()
        let a = report.attempts.sorted { $0.assigned < $1.assigned }
        try #require(a.count == 2)
        // Returned when the link delivers it: assigned + down + compute + up, not 0.3 s later.
        #expect(abs(a[0].returned - (a[0].assigned + latency + compute + latency)) < 0.01, "returned \(a[0].returned - a[0].assigned) s after assignment")
        // The device is free from that instant: the next attempt is placed at once, then.
        #expect(abs(a[1].assigned - a[0].returned) < 0.01)
        // Its assignment is due a downlink after that instant (in the past when written: the
        // worker counts its time from it). The client thread may still be returning from its
        // last write when the run ends (a loaded machine): wait for it before reading.
        _ = clientDone.wait(timeout: .now() + 10)
        let d = dues.get()
        try #require(d.count == 2)
        #expect(abs((d[1] - d[0]) - (compute + 2 * latency)) < 0.01, "dues \(d[1] - d[0]) s apart")
        #expect(report.log.contains { $0.contains("handled over 1 ms after their instant") })
    }

    @Test("a result crosses the device's uplink, an assignment its downlink")
    func asymmetricLink() throws {
        // 0.05 s latency; 100 kB in over 1 MB/s (0.1 s), 100 kB out over 0.25 MB/s (0.4 s).
        let latency = 0.05, compute = 0.05
        var tasks = TaskTable()
        tasks.add(work: .seconds(5), inputBytes: 1e5, outputBytes: 1e5)
        let plan = RuntimePlan(devices: [EmulatedDevice(latency: latency, bandwidth: 1e6, uplink: 2.5e5)], fleet: localFleet(1),
                               tasks: tasks, policy: fastestFirst(), heartbeatTimeout: 30, timeScale: 1)
        var options = CoordinatorOptions()
        options.external = [0]
        options.wallLimit = 8
        options.onListening = { port, keys in
            Thread { _ = lateClient(port: port, key: keys.deviceKey(0), device: 0, compute: compute, uplink: latency + 0.4, late: [0]) }.start()
        }
        let report = try Coordinator(plan: plan, workerPath: "/nonexistent", options: options).run()
        let a = try #require(report.attempts.first)
        #expect(abs(a.computeStart - (a.assigned + latency + 0.1)) < 0.01, "down \(a.computeStart - a.assigned) s")
        #expect(abs(a.returned - (a.computeEnd + latency + 0.4)) < 0.01, "up \(a.returned - a.computeEnd) s")
    }

    @Test("measuring workers time each kernel in their own processes, idle the gap between computations, and exit")
    func measuringWorkers() throws {
        let kernels: [TensorKernel] = [.gemm(m: 64, n: 64, k: 64, dtype: .fp32), .elementwise(count: 4096, flopsPerElement: 2, dtype: .fp32)]
        let t0 = monotonicNow()
        let samples = try WorkerMeasurement.run(worker: try ReferenceRuntime.locateWorker(), kernels: kernels, speeds: [1, 0.5],
                                                gapSeconds: 0.02)
        let wall = monotonicNow() - t0
        #expect(samples.count == kernels.count)
        let least = WorkerMeasurement.Request(kernels: kernels, speed: 1).minSamples
        for (k, s) in zip(kernels, samples) {
            // Two workers, each at least `minSamples` computations of every kernel.
            #expect(s.count >= 2 * least, "\(k): \(s.count) samples")
            #expect(s.allSatisfy { $0.compute > 0 && $0.around >= 0 })
        }
        // Each worker computes each kernel for at least 0.5 s (`minSeconds`), one after another.
        #expect(wall >= 2 * 0.5)
        // No measuring worker is left behind.
        let left = try FileManager.default.contentsOfDirectory(atPath: "/proc").compactMap { Int32($0) }.filter { pid in
            guard let cmd = try? String(contentsOfFile: "/proc/\(pid)/cmdline", encoding: .utf8) else { return false }
            guard cmd.contains("--measure"), let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
                  let close = stat.lastIndex(of: ")") else { return false }
            // Fields after the command name: state, then the parent's pid.
            return stat[stat.index(after: close)...].split(separator: " ").dropFirst().first == Substring("\(getpid())")
        }
        #expect(left.isEmpty)
    }

    @Test("a measuring worker with a bad request exits 64 naming the variable")
    func badMeasurementRequest() throws {
        let r = try runWorker(environment: ["SWARMLAB_MEASURE": "{\"kernels\": 3}", "SWARMLAB_MEASURE_OUT": "/tmp/x"])
        #expect(r.status == 64)
        #expect(r.stderr.contains("SWARMLAB_MEASURE"))
        let noOut = try runWorker(environment: ["SWARMLAB_MEASURE": String(decoding: try JSONEncoder().encode(
            WorkerMeasurement.Request(kernels: [.gemm(m: 8, n: 8, k: 8, dtype: .fp32)], speed: 1)), as: UTF8.self)])
        #expect(noOut.status == 64)
        #expect(noOut.stderr.contains("SWARMLAB_MEASURE_OUT"))
    }

    @Test("a precise sleep never ends before its time")
    func sleepsPrecisely() {
        for s in [0.0, 50e-6, 0.002, 0.01] {
            let t0 = monotonicNow()
            DutyCycle.sleepPrecisely(seconds: s)
            #expect(monotonicNow() - t0 >= s, "slept \(monotonicNow() - t0) s of \(s)")
        }
    }
}
