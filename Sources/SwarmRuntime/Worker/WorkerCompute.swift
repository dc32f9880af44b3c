import SwarmKernel
import SwarmModel

/// What a worker computes for one attempt, for real, on one OpenBLAS thread, and the
/// checksum it returns. Kernels run through `KernelRunner` (GEMM, conv2d by im2col,
/// attention by GEMM + softmax) on inputs generated from the attempt's seed — the task's —
/// so every honest replica of a task returns the same checksum on this machine;
/// `.seconds(s)` is busy compute for s scenario seconds. An adversarial worker corrupts
/// what it computed (`Corruption`, seeded by its device id: adversaries do not collude).
public struct WorkerCompute {
    var runner: KernelRunner

    /// Pins OpenBLAS to one thread, so emulated devices do not fight over the cores.
    public init() { runner = KernelRunner(threads: 1) }

    /// What one attempt produced: its checksum, the seconds spent generating inputs, and the
    /// seconds of computation proper (what the duty cycle stretches).
    public struct Outcome: Sendable, Equatable {
        public var checksum: UInt64
        public var setupSeconds: Double
        public var computeSeconds: Double
    }

    /// Runs `work`; `.seconds(s)` spins for `s · timeScale` wall seconds.
    public mutating func run(_ work: TaskWork, seed: UInt64, timeScale: Double, corruption: Corruption? = nil) -> Outcome {
        switch work {
        case .seconds(let s):
            let start = monotonicNow()
            let end = start + s * timeScale
            var x = seed
            while monotonicNow() < end { for _ in 0..<1000 { x = SplitMix64.mix(x) } }
            blackHole(x)
            // The spin's work depends on timing; the result depends only on the seed.
            var checksum = SplitMix64.mix(seed ^ 0x5EC0_4D5)
            if let c = corruption { checksum = SplitMix64.mix(checksum ^ c.seed ^ 0xBAD_BAD) }
            return Outcome(checksum: checksum, setupSeconds: 0, computeSeconds: monotonicNow() - start)
        case .kernel(let k):
            let r = runner.run(k, seed: seed, corruption: corruption)
            return Outcome(checksum: r.checksum, setupSeconds: r.setupSeconds, computeSeconds: r.seconds)
        }
    }

    @inline(never) func blackHole(_ x: UInt64) { withExtendedLifetime(x) {} }
}
