internal import COpenBLAS
import SwarmKernel
import SwarmModel

/// What a worker computes for one attempt, for real, on one thread, and the checksum it
/// returns. Stand-in until `SwarmRuntime/Kernels` (branch `kernels`) lands: GEMM, and the
/// GEMM cores of conv2d and attention (`TensorKernel.gemms`), through `cblas_sgemm`;
/// element-wise and reduction kernels as plain loops; `.seconds(s)` as busy compute.
///
/// Operands are filled from the attempt's seed (the task's), so every honest replica of a
/// task computes bit-identical outputs on this machine (one OpenBLAS thread) and the
/// checksums agree; an adversarial worker corrupts its checksum afterwards.
public enum WorkerCompute {
    /// Pins OpenBLAS to one thread, so emulated devices do not fight over the cores.
    public static func pinThreads() { openblas_set_num_threads(1) }

    /// Runs `work`; `.seconds(s)` spins for `s · timeScale` wall seconds. Returns the checksum.
    public static func run(_ work: TaskWork, seed: UInt64, timeScale: Double) -> UInt64 {
        switch work {
        case .seconds(let s):
            let end = monotonicSeconds() + s * timeScale
            var x = seed, spins: UInt64 = 0
            while monotonicSeconds() < end {
                for _ in 0..<1000 { x = SplitMix64.mix(x) }
                spins &+= 1
            }
            // The busy loop's work depends on timing; the result depends only on the seed.
            _ = blackHole(x &+ spins)
            return SplitMix64.mix(seed ^ 0x5EC0_4D5)
        case .kernel(let k):
            var checksum = SplitMix64.mix(seed)
            for g in k.gemms {
                for i in 0..<g.count {
                    checksum = SplitMix64.mix(checksum ^ gemm(m: g.m, n: g.n, k: g.k, seed: seed &+ UInt64(i)))
                }
            }
            switch k {
            case .elementwise(let n, let f, _):
                checksum ^= elementwise(count: n, flopsPerElement: f, seed: seed)
            case .reduction(let n, _):
                checksum ^= elementwise(count: n, flopsPerElement: 0, seed: seed)
            default: break
            }
            return checksum
        }
    }

    /// C = A·B for m×k and k×n operands drawn from `seed`; the checksum of C's bits.
    static func gemm(m: Int, n: Int, k: Int, seed: UInt64) -> UInt64 {
        var g = SplitMix64(seed: seed)
        let a = (0..<(m * k)).map { _ in Float(Int32(truncatingIfNeeded: g.next() >> 40)) / Float(1 << 23) }
        let b = (0..<(k * n)).map { _ in Float(Int32(truncatingIfNeeded: g.next() >> 40)) / Float(1 << 23) }
        var c = [Float](repeating: 0, count: m * n)
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(m), Int32(n), Int32(k),
                    1, a, Int32(k), b, Int32(n), 0, &c, Int32(n))
        return fold(c)
    }

    /// `count` elements, each through `flopsPerElement` multiply-adds (a sum if 0).
    static func elementwise(count: Int, flopsPerElement: Double, seed: UInt64) -> UInt64 {
        var g = SplitMix64(seed: seed)
        var v = (0..<count).map { _ in Float(g.next() >> 40) / Float(1 << 24) }
        let rounds = max(1, Int(flopsPerElement / 2))
        for i in v.indices { for _ in 0..<rounds { v[i] = v[i] * 0.999 + 0.001 } }
        return fold(v)
    }

    /// An FNV-1a-style fold of the floats' bit patterns, finished with SplitMix.
    static func fold(_ v: [Float]) -> UInt64 {
        var h: UInt64 = 0xCBF2_9CE4_8422_2325
        for x in v { h = (h ^ UInt64(x.bitPattern)) &* 0x100_0000_01B3 }
        return SplitMix64.mix(h)
    }

    /// What an adversarial device returns instead of `checksum`.
    public static func corrupt(_ checksum: UInt64, device: Int) -> UInt64 {
        SplitMix64.mix(checksum ^ (0xBAD_BAD &+ UInt64(device)))
    }

    @inline(never) static func blackHole(_ x: UInt64) -> UInt64 { x }
}
