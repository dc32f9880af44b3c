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
