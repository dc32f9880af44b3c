import Foundation
import SwarmModel

/// Naive implementations of every kernel, written straight from the definitions (triple-loop
/// GEMM, direct convolution, attention element by element) with no BLAS and no lowering. They
/// generate the same inputs as `KernelRunner` from the same seed and lay their output out the
/// same way, so the tests can compare the two element by element on small sizes.
///
/// Accumulates in Double, so it is the more accurate of the two; compare with a tolerance.
public enum KernelReference {
    public static func output(of kernel: TensorKernel, seed: UInt64) -> [Float] {
        if case .sequence(let parts) = kernel {
            return parts.enumerated().flatMap { output(of: $1, seed: KernelRunner.partSeed(seed, $0)) }
        }
        let (na, nb, nc, _) = KernelRunner.sizes(kernel)
        let a = KernelInputs.make(count: na, seed: seed, operand: 0)
        let b = KernelInputs.make(count: nb, seed: seed, operand: 1)
        var out = [Float](repeating: 0, count: nc)
        switch kernel {
        case .gemm(let m, let n, let k, _):
            for i in 0..<m {
                for j in 0..<n {
                    var s = 0.0
                    for p in 0..<k { s += Double(a[i * k + p]) * Double(b[p * n + j]) }
                    out[i * n + j] = Float(s)
                }
            }
        case .conv2d(let bt, let cin, let cout, let h, let w, let kk, let stride, let pad, _):
            let oh = (h + 2 * pad - kk) / stride + 1, ow = (w + 2 * pad - kk) / stride + 1
            let n = bt * oh * ow
            for co in 0..<cout {
                for bi in 0..<bt {
                    for y in 0..<oh {
                        for x in 0..<ow {
                            var s = 0.0
                            for ci in 0..<cin {
                                for ki in 0..<kk {
                                    for kj in 0..<kk {
                                        let iy = y * stride - pad + ki, ix = x * stride - pad + kj
                                        guard iy >= 0, iy < h, ix >= 0, ix < w else { continue }
                                        let weight = b[co * cin * kk * kk + (ci * kk + ki) * kk + kj]
                                        let pixel = a[((bi * cin + ci) * h + iy) * w + ix]
                                        s += Double(weight) * Double(pixel)
                                    }
                                }
                            }
                            out[co * n + (bi * oh + y) * ow + x] = Float(s)
                        }
                    }
                }
            }
        case .attention(let bt, let heads, let l, let d, _):
            let head = l * d, count = bt * heads
            let scale = 1 / Double(d).squareRoot()
            for hd in 0..<count {
                let q = hd * head, k = count * head + hd * head, v = 2 * count * head + hd * head
                for i in 0..<l {
                    var scores = [Double](repeating: 0, count: l)
                    for j in 0..<l {
                        var s = 0.0
                        for t in 0..<d { s += Double(a[q + i * d + t]) * Double(a[k + j * d + t]) }
                        scores[j] = s * scale
                    }
                    let top = scores.max()!
                    let e = scores.map { Foundation.exp($0 - top) }
                    let total = e.reduce(0, +)
                    for t in 0..<d {
                        var s = 0.0
                        for j in 0..<l { s += e[j] / total * Double(a[v + j * d + t]) }
                        out[hd * head + i * d + t] = Float(s)
                    }
                }
            }
        case .elementwise(let n, let f, _):
            let rounds = max(1, Int((f / 2).rounded()))
            for i in 0..<n {
                var v = Double(a[i])
                for _ in 0..<rounds { v = v * 0.75 + 0.125 }
                out[i] = Float(v)
            }
        case .reduction(let n, _):
            out[0] = Float(a[0..<n].reduce(0.0) { $0 + Double($1) })
        case .sequence:
            preconditionFailure("handled above")
        }
        return out
    }
}
