internal import COpenBLAS

/// The baseline the runtime's kernels are measured against: one `cblas_sgemm` on buffers
/// allocated and filled once, timed alone — no descriptor, no input generation, no checksum.
public struct BareGEMM {
    let m: Int, n: Int, k: Int
    var a: [Float], b: [Float], c: [Float]

    /// Allocates and fills the operands (inputs from seed 0, as `KernelRunner` would).
    public init(m: Int, n: Int, k: Int, threads: Int = 1) {
        openblas_set_num_threads(Int32(threads))
        self.m = m; self.n = n; self.k = k
        a = KernelInputs.make(count: m * k, seed: 0, operand: 0)
        b = KernelInputs.make(count: k * n, seed: 0, operand: 1)
        c = [Float](repeating: 0, count: m * n)
    }

    /// Seconds of one call.
    public mutating func call() -> Double {
        let (m, n, k) = (self.m, self.n, self.k)
        let t0 = monotonicNow()
        a.withUnsafeBufferPointer { pa in
            b.withUnsafeBufferPointer { pb in
                c.withUnsafeMutableBufferPointer { pc in
                    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(m), Int32(n), Int32(k),
                                1, pa.baseAddress!, Int32(k), pb.baseAddress!, Int32(n), 0, pc.baseAddress!, Int32(n))
                }
            }
        }
        return monotonicNow() - t0
    }
}
