/// Element types of tensors, with their size.
public enum DType: String, Sendable, Codable, CaseIterable {
    case fp32, fp16, bf16, int8
    public var bytes: Int {
        switch self {
        case .fp32: return 4
        case .fp16, .bf16: return 2
        case .int8: return 1
        }
    }
}

/// A tensor kernel as data: what the simulator costs and the reference runtime (issue [5])
/// executes, from the same descriptor. FLOPs count a fused multiply-add as 2.
public enum TensorKernel: Hashable, Sendable, Codable {
    /// C[m×n] = A[m×k] · B[k×n].
    case gemm(m: Int, n: Int, k: Int, dtype: DType)
    /// A 2-D convolution, NCHW, lowered to one GEMM the im2col way (Chellapilla, Puri and
    /// Simard, "High performance convolutional neural networks for document processing",
    /// 2006): m = outChannels, n = batch·outH·outW, k = inChannels·kernel².
    case conv2d(batch: Int, inChannels: Int, outChannels: Int, height: Int, width: Int,
                kernel: Int, stride: Int, padding: Int, dtype: DType)
    /// Scaled dot-product attention (Vaswani et al. 2017): S = QKᵀ/√d, softmax, S·V, for
    /// `batch × heads` heads of `seqLen × headDim`.
    case attention(batch: Int, heads: Int, seqLen: Int, headDim: Int, dtype: DType)
    /// `count` elements, `flopsPerElement` each (activation, scaling, …).
    case elementwise(count: Int, flopsPerElement: Double, dtype: DType)
    /// A sum (or max) over `count` elements.
    case reduction(count: Int, dtype: DType)
    /// Several kernels run one after another as one task — a layer of a real model (see
    /// `LayerPresets`). Costed as the sum of its parts on one processor, executed in order by
    /// the reference runtime, which returns one checksum for the whole. Build it with
    /// `TensorKernel.chain(_:)`, which flattens nested sequences.
    case sequence([TensorKernel])

    /// The element type; a sequence's is its first part's (fp32 when empty).
    public var dtype: DType {
        switch self {
        case .gemm(_, _, _, let d), .conv2d(_, _, _, _, _, _, _, _, let d), .attention(_, _, _, _, let d),
             .elementwise(_, _, let d), .reduction(_, let d):
            return d
        case .sequence(let parts):
            return parts.first?.dtype ?? .fp32
        }
    }

    /// `kernels` run in order as one task: nested sequences flattened, a single kernel left as is.
    public static func chain(_ kernels: [TensorKernel]) -> TensorKernel {
        let flat = kernels.flatMap(\.parts)
        return flat.count == 1 ? flat[0] : .sequence(flat)
    }

    /// The kernels a task runs in order: a sequence's parts, or the kernel itself.
    public var parts: [TensorKernel] {
        if case .sequence(let p) = self { return p }
        return [self]
    }

    /// The output size of a convolution along one axis.
    static func convOut(_ size: Int, kernel: Int, stride: Int, padding: Int) -> Int {
        (size + 2 * padding - kernel) / stride + 1
    }

    /// The GEMMs this kernel performs (its matrix-multiply core), as (m, n, k, count).
    public var gemms: [(m: Int, n: Int, k: Int, count: Int)] {
        switch self {
        case .gemm(let m, let n, let k, _):
            return [(m, n, k, 1)]
        case .conv2d(let b, let cin, let cout, let h, let w, let kk, let s, let p, _):
            let oh = TensorKernel.convOut(h, kernel: kk, stride: s, padding: p)
            let ow = TensorKernel.convOut(w, kernel: kk, stride: s, padding: p)
            return [(cout, b * oh * ow, cin * kk * kk, 1)]
        case .attention(let b, let heads, let l, let d, _):
            return [(l, l, d, b * heads), (l, d, l, b * heads)]
        case .elementwise, .reduction:
            return []
        case .sequence(let parts):
            return parts.flatMap(\.gemms)
        }
    }

    /// The FLOPs done in matrix multiplies (`gemms`): the part that tensor cores and int8 or
    /// half-precision dot-product instructions speed up. The rest (softmax, elementwise,
    /// reductions) runs at the FP32 vector rate.
    public var matrixFlops: Double {
        switch self {
        case .gemm(let m, let n, let k, _): return 2 * Double(m) * Double(n) * Double(k)   // no array on the hot path
        case .elementwise, .reduction: return 0
        case .sequence(let parts): return parts.reduce(0) { $0 + $1.matrixFlops }
        case .conv2d, .attention:
            return gemms.reduce(0) { $0 + 2 * Double($1.m) * Double($1.n) * Double($1.k) * Double($1.count) }
        }
    }

    /// Floating-point operations.
    public var flops: Double {
        switch self {
        case .gemm, .conv2d:
            return gemms.reduce(0) { $0 + 2 * Double($1.m) * Double($1.n) * Double($1.k) * Double($1.count) }
        case .attention(let b, let heads, let l, _, _):
            // Two GEMMs, plus softmax (~5 FLOP per score: max, subtract, exp, sum, divide).
            let g = gemms.reduce(0) { $0 + 2 * Double($1.m) * Double($1.n) * Double($1.k) * Double($1.count) }
            return g + 5 * Double(b * heads) * Double(l) * Double(l)
        case .elementwise(let n, let f, _):
            return Double(n) * f
        case .reduction(let n, _):
            return Double(n)
        case .sequence(let parts):
            return parts.reduce(0) { $0 + $1.flops }
        }
    }

    /// Bytes read and written once each from memory (the roofline's traffic, assuming the
    /// operands are streamed once: the minimum a perfect cache would allow).
    public var bytesMoved: Double {
        let e = Double(dtype.bytes)
        switch self {
        case .gemm(let m, let n, let k, _):
            return e * (Double(m) * Double(k) + Double(k) * Double(n) + Double(m) * Double(n))
        case .conv2d(let b, let cin, _, let h, let w, _, _, _, _):
            let g = gemms[0]
            // input image, weights, output; im2col's expanded matrix is the runtime's choice
            return e * (Double(b * cin * h * w) + Double(g.m) * Double(g.k) + Double(g.m) * Double(g.n))
        case .attention(let b, let heads, let l, let d, _):
            // Q, K, V, output, and the L×L scores written and read back.
            let bh = Double(b * heads)
            return e * bh * (4 * Double(l) * Double(d) + 2 * Double(l) * Double(l))
        case .elementwise(let n, _, _):
            return e * 2 * Double(n)
        case .reduction(let n, _):
            return e * Double(n)
        case .sequence(let parts):
            // each part streams its own operands (intermediates go through memory)
            return parts.reduce(0) { $0 + $1.bytesMoved }
        }
    }

    /// Bytes that must be resident at once on the processor running it (to decide whether a
    /// GPU can hold it): operands and results, with im2col's expanded matrix for conv2d; for a
    /// sequence, its largest part (parts run one at a time).
    public var workingSetBytes: Double {
        switch self {
        case .conv2d:
            let g = gemms[0]
            return bytesMoved + Double(dtype.bytes) * Double(g.k) * Double(g.n)
        case .sequence(let parts):
            return parts.reduce(0) { max($0, $1.workingSetBytes) }
        default:
            return bytesMoved
        }
    }

    /// FLOP per byte moved: where the kernel sits on the roofline.
    public var arithmeticIntensity: Double { flops / bytesMoved }
}
