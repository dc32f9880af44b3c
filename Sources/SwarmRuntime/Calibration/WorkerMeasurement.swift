import Foundation
import SwarmKernel
import SwarmModel

/// Kernel times measured the way a reference run's workers meet them: in `swarmlab-worker`
/// processes started as the run starts its workers (own session, one OpenBLAS thread, warmed
/// up with the same kernels), one per emulated device, each computing and then idling as its
/// device's duty cycle does, all at once.
///
/// `validate` re-measured in threads of its own process: the heap, the pages and the
/// neighbours of a kernel's buffers there are not those of a worker, and a memory-bound
/// kernel (conv2d's im2col over megabytes) ran 1.03–1.16× slower in the workers than the
/// threads had measured just before — an offset the simulator could not know of.
public enum WorkerMeasurement {
    /// What a measuring worker is asked (`SWARMLAB_MEASURE`, JSON).
    public struct Request: Codable, Sendable, Equatable {
        /// The kernels to time, one after another.
        public var kernels: [TensorKernel]
        /// The emulated device's speed relative to this machine (its duty cycle).
        public var speed: Double
        /// Per kernel: at least `minSamples` computations and `minSeconds` of wall time, at
        /// most `maxSamples` computations.
        public var minSamples = 5, maxSamples = 40
        public var minSeconds = 0.5
        /// Seconds of idle between computations beyond the duty cycle's: the time a device
        /// of the run spends between two attempts (the network's legs, waiting for work).
        public var gapSeconds = 0.0

        public init(kernels: [TensorKernel], speed: Double) { self.kernels = kernels; self.speed = speed }
    }

    /// One computation: CPU seconds in the kernel proper, and around it (inputs, checksum, call).
    public struct Sample: Codable, Sendable, Equatable {
        public var compute: Double
        public var around: Double
        public init(compute: Double, around: Double) { self.compute = compute; self.around = around }
    }

    /// Runs in a worker started with `SWARMLAB_MEASURE`: times each kernel of the request as
    /// the worker's attempts run (`WorkerCompute.run`, CPU of this thread, duty-cycle idle
    /// after each) and writes the samples, one array per kernel, as JSON to
    /// `SWARMLAB_MEASURE_OUT`. Returns the exit status.
    static func main(_ env: [String: String]) -> Int32 {
        guard let text = env["SWARMLAB_MEASURE"], let request = try? JSONDecoder().decode(Request.self, from: Data(text.utf8)),
              request.speed > 0, request.speed.isFinite else {
            return Worker.fail("SWARMLAB_MEASURE: expected a JSON measurement request (kernels, speed > 0)")
        }
        guard let out = env["SWARMLAB_MEASURE_OUT"], !out.isEmpty else {
            return Worker.fail("SWARMLAB_MEASURE_OUT: expected the path to write the samples to")
        }
        var compute = WorkerCompute()
        compute.warmUp(kernels: request.kernels)
        let samples = request.kernels.map { measure($0, request, &compute) }
        do { try JSONEncoder().encode(samples).write(to: URL(fileURLWithPath: out), options: .atomic) } catch {
            return Worker.fail("SWARMLAB_MEASURE_OUT: cannot write \(out): \(error)")
        }
        return 0
    }

    /// Samples of one kernel, as a worker's attempts of it run (`Worker.run`).
    static func measure(_ kernel: TensorKernel, _ r: Request, _ compute: inout WorkerCompute) -> [Sample] {
        let cycle = DutyCycle(speed: min(1, r.speed))
        var mine: [Sample] = []
        let start = monotonicNow()
        while mine.count < r.maxSamples && (mine.count < r.minSamples || monotonicNow() - start < r.minSeconds) {
            let w0 = monotonicNow(), c0 = cpuNow(thisThreadOnly: true)
            let out = compute.run(.kernel(kernel), seed: UInt64(mine.count + 1), timeScale: 1)
            let wall = monotonicNow() - w0, cpu = cpuNow(thisThreadOnly: true) - c0
            mine.append(Sample(compute: out.cpuSeconds, around: max(0, cpu - out.cpuSeconds)))
            DutyCycle.sleepPrecisely(seconds: cycle.idleSeconds(afterAttempt: wall, cpuSeconds: cpu, computeCPUSeconds: out.cpuSeconds)
                                     + r.gapSeconds)
        }
        return mine
    }

    /// Starts one measuring worker per entry of `speeds` (`worker`: the `swarmlab-worker`
    /// executable), all at once, waits for them, and returns every sample of each kernel of
    /// `kernels`, all workers pooled, in the kernels' order; each idles `gapSeconds` more
    /// between computations (`Request.gapSeconds`). Throws when a worker fails.
    public static func run(worker: String, kernels: [TensorKernel], speeds: [Double], gapSeconds: Double = 0) throws(RuntimeError) -> [[Sample]] {
        guard !kernels.isEmpty else { return [] }
        var template = Array((NSTemporaryDirectory() + "/swarmlab-measure-XXXXXX").utf8CString)
        guard let made = mkdtemp(&template) else { throw .system("mkdtemp: \(String(cString: strerror(errno)))") }
        let folder = String(cString: made)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        var env = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("SWARMLAB_") }
        env["OPENBLAS_NUM_THREADS"] = "1"
        env["SWARMLAB_COORDINATOR_PID"] = "\(getpid())"
        var pids: [pid_t] = []
        // Reap whatever was started, whatever happens: a measuring worker never outlives this.
        defer { for p in pids { var s: Int32 = 0; while waitpid(p, &s, 0) < 0 && errno == EINTR {} } }
        for (i, speed) in speeds.enumerated() {
            var request = Request(kernels: kernels, speed: speed)
            request.gapSeconds = gapSeconds
            env["SWARMLAB_MEASURE"] = String(decoding: (try? JSONEncoder().encode(request)) ?? Data(), as: UTF8.self)
            env["SWARMLAB_MEASURE_OUT"] = "\(folder)/\(i).json"
            do { pids.append(try Coordinator.launch(worker, arguments: ["--measure"], environment: env, newSession: true)) } catch {
                for p in pids { kill(p, SIGKILL) }
                throw error
            }
        }
        var failed: [String] = []
        for (i, p) in pids.enumerated() {
            var status: Int32 = 0
            while waitpid(p, &status, 0) < 0 && errno == EINTR {}
            if status != 0 { failed.append("worker \(i): exit status \(status & 0x7f == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f))") }
        }
        pids = []
        guard failed.isEmpty else { throw .system("measuring kernels in \(worker): \(failed.joined(separator: ", "))") }
        var pooled = Array(repeating: [Sample](), count: kernels.count)
        for i in speeds.indices {
            let path = "\(folder)/\(i).json"
            guard let data = FileManager.default.contents(atPath: path),
                  let samples = try? JSONDecoder().decode([[Sample]].self, from: data), samples.count == kernels.count else {
                throw .system("measuring kernels in \(worker): worker \(i) wrote no samples to \(path)")
            }
            for k in kernels.indices { pooled[k] += samples[k] }
        }
        return pooled
    }
}
