import Foundation
import Glibc
import SwarmKernel
import SwarmModel

/// SIGCONTs received (written by the signal handler only; a word-sized store).
nonisolated(unsafe) var stopCount = 0

/// What a worker computes for one attempt, for real, on one OpenBLAS thread, and the
/// checksum it returns. Kernels run through `KernelRunner` (GEMM, conv2d by im2col,
/// attention by GEMM + softmax) on inputs generated from the attempt's seed — the task's —
/// so every honest replica of a task returns the same checksum on this machine;
/// `.seconds(s)` is busy compute for s scenario seconds (time stopped by SIGSTOP excluded). An adversarial worker corrupts
/// what it computed (`Corruption`, seeded by its device id: adversaries do not collude).
public struct WorkerCompute {
    var runner: KernelRunner

    /// Pins OpenBLAS to one thread, so emulated devices do not fight over the cores.
    public init() { runner = KernelRunner(threads: 1) }

    /// Faults in OpenBLAS's buffers before the first attempt (see `KernelRunner.warmUp`), then
    /// runs each of `kernels` once, untimed: its buffers are allocated and touched, its code
    /// and OpenBLAS's packing paths loaded. A device of the simulator is warm from its first
    /// task; without this, a worker's first attempt of each kernel paid page faults for its
    /// operands (about 30 ms for 32 MB) that the duty cycle then stretched.
    public mutating func warmUp(kernels: [TensorKernel] = []) {
        runner.warmUp()
        for k in kernels { _ = runner.run(k, seed: 0) }
    }

    /// The kernels a worker warms up with: `SWARMLAB_WARM`, a JSON array of `TensorKernel`s
    /// (`Coordinator` sets it to the plan's distinct kernels); none if unset or unreadable.
    public static func warmKernels(_ environment: [String: String]) -> [TensorKernel] {
        guard let text = environment["SWARMLAB_WARM"], let data = text.data(using: .utf8) else { return [] }
        return (try? JSONDecoder().decode([TensorKernel].self, from: data)) ?? []
    }

    /// What one attempt produced: its checksum, the seconds spent generating inputs, and the
    /// seconds of computation proper (what the duty cycle stretches).
    public struct Outcome: Sendable, Equatable {
        public var checksum: UInt64
        public var setupSeconds: Double
        public var computeSeconds: Double
        /// CPU seconds of the computation (process CPU clock): the duty cycle counts these,
        /// so contention from processes sharing the cores is absorbed (`DutyCycle`).
        public var cpuSeconds: Double
    }

    /// Runs `work`; `.seconds(s)` spins for `s · timeScale` wall seconds, or, with
    /// `endOnStop`, until the process is stopped (the worker then abandons the attempt; a
    /// kernel cannot be interrupted and runs to its end).
    public mutating func run(_ work: TaskWork, seed: UInt64, timeScale: Double, corruption: Corruption? = nil,
                             endOnStop: Bool = false) -> Outcome {
        switch work {
        case .seconds(let s):
            // Progress is wall time in small steps; a step during which the process was
            // stopped (a SIGCONT arrived, see `watchForStops`) does not count, so a paused
            // device does not get ahead. Preemption by other processes does count: the
            // emulated device is not slowed by this machine's load.
            let start = monotonicNow()
            let goal = s * timeScale
            var done = 0.0, last = start, x = seed
            var stops = stopCount
            while done < goal {
                for _ in 0..<1000 { x = SplitMix64.mix(x) }
                let t = monotonicNow()
                if stopCount == stops { done += t - last } else if endOnStop { break } else { stops = stopCount }
                last = t
            }
            blackHole(x)
            // The spin's work depends on timing; the result depends only on the seed.
            var checksum = SplitMix64.mix(seed ^ 0x5EC0_4D5)
            if let c = corruption { checksum = SplitMix64.mix(checksum ^ c.seed ^ 0xBAD_BAD) }
            return Outcome(checksum: checksum, setupSeconds: 0, computeSeconds: done, cpuSeconds: done)
        case .kernel(let k):
            let r = runner.run(k, seed: seed, corruption: corruption)
            return Outcome(checksum: r.checksum, setupSeconds: r.setupSeconds, computeSeconds: r.seconds, cpuSeconds: r.cpuSeconds)
        }
    }

    /// Counts SIGCONTs from now on, so busy compute can leave out the time the process was
    /// stopped. The worker process calls it once; without it a stop counts as compute.
    public static func watchForStops() {
        _ = signal(SIGCONT) { _ in stopCount &+= 1 }
        // A process inherits its parent thread's signal mask; SIGCONT must reach us.
        var set = sigset_t()
        sigemptyset(&set); sigaddset(&set, SIGCONT)
        pthread_sigmask(SIG_UNBLOCK, &set, nil)
    }

    @inline(never) func blackHole(_ x: UInt64) { withExtendedLifetime(x) {} }
}
