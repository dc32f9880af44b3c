import Testing
import COpenBLAS
import CTestSupport
#if canImport(Glibc)
import Glibc
#endif

@Suite("OpenBLAS")
struct OpenBLASTests {
    @Test("cblas_sgemm equals a naive triple loop", arguments: [(3, 4, 5), (17, 9, 33), (64, 64, 64)])
    func sgemm(shape: (Int, Int, Int)) {
        let (m, n, k) = shape
        var seed: UInt32 = 12345
        func next() -> Float { seed = seed &* 1_664_525 &+ 1_013_904_223; return Float(seed >> 8) / Float(1 << 24) - 0.5 }
        let a = (0..<(m * k)).map { _ in next() }
        let b = (0..<(k * n)).map { _ in next() }
        var c = [Float](repeating: 0, count: m * n)
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(m), Int32(n), Int32(k),
                    1, a, Int32(k), b, Int32(n), 0, &c, Int32(n))
        var worst: Float = 0
        for i in 0..<m {
            for j in 0..<n {
                var s: Float = 0
                for p in 0..<k { s += a[i * k + p] * b[p * n + j] }
                worst = max(worst, abs(s - c[i * n + j]))
            }
        }
        #expect(worst < 1e-4 * Float(k))
        #expect(c.contains { $0 != 0 })
    }

    #if os(Linux)
    @Test("cblas_sgemm resolves to OpenBLAS, not GSL's reference CBLAS")
    func symbolComesFromOpenBLAS() throws {
        let library = String(cString: try #require(swarm_library_defining("cblas_sgemm")))
        #expect(library.contains("openblas"), "cblas_sgemm comes from \(library)")
    }
    #endif
}
