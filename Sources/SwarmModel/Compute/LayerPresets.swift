/// Layers of real models as `TensorKernel.sequence`s of the kernels they run, in order, so a
/// task can be "one transformer block" or "one ResNet block" and be costed, run and
/// calibrated kernel by kernel. Normalisation and activation FLOP counts per element are the
/// usual estimates (stated per preset); the GEMMs and convolutions dominate every preset.
public enum LayerPresets {
    /// One pre-norm transformer encoder block (Vaswani et al., "Attention is all you need",
    /// 2017) over `batch × seq` tokens of width `dModel`, in this order:
    ///
    /// 1. QKV projection: GEMM m = batch·seq, n = 3·dModel, k = dModel
    /// 2. attention: `heads` heads of dimension dModel / heads
    /// 3. output projection: GEMM m = batch·seq, n = dModel, k = dModel
    /// 4. residual add + layer norm: elementwise over batch·seq·dModel, 6 FLOP each (1 + 5)
    /// 5. MLP up: GEMM m = batch·seq, n = ffn·dModel, k = dModel
    /// 6. GELU: elementwise over batch·seq·ffn·dModel, 8 FLOP each (tanh approximation)
    /// 7. MLP down: GEMM m = batch·seq, n = dModel, k = ffn·dModel
    /// 8. residual add + layer norm: as 4
    ///
    /// GEMM FLOPs: 2·(batch·seq)·dModel²·(3 + 1 + 2·ffn) — 24·batch·seq·dModel² for ffn = 4,
    /// the usual per-layer count (Kaplan et al., "Scaling laws for neural language models", 2020).
    public static func transformerBlock(dModel: Int, heads: Int, seq: Int, batch: Int = 1, ffn: Int = 4,
                                        dtype: DType = .fp32) -> TensorKernel {
        precondition(dModel > 0 && heads > 0 && seq > 0 && batch > 0 && ffn > 0, "transformer block sizes must be positive")
        precondition(dModel % heads == 0, "d_model (\(dModel)) must be a multiple of heads (\(heads))")
        let tokens = batch * seq
        return .sequence([
            .gemm(m: tokens, n: 3 * dModel, k: dModel, dtype: dtype),
            .attention(batch: batch, heads: heads, seqLen: seq, headDim: dModel / heads, dtype: dtype),
            .gemm(m: tokens, n: dModel, k: dModel, dtype: dtype),
            .elementwise(count: tokens * dModel, flopsPerElement: 6, dtype: dtype),
            .gemm(m: tokens, n: ffn * dModel, k: dModel, dtype: dtype),
            .elementwise(count: tokens * ffn * dModel, flopsPerElement: 8, dtype: dtype),
            .gemm(m: tokens, n: dModel, k: ffn * dModel, dtype: dtype),
            .elementwise(count: tokens * dModel, flopsPerElement: 6, dtype: dtype),
        ])
    }

    /// A ResNet basic block without downsampling (He et al., "Deep residual learning for image
    /// recognition", CVPR 2016): `channels` in and out, `height × width`, in this order:
    ///
    /// 1. conv 3×3, stride 1, padding 1
    /// 2. batch norm + ReLU: elementwise over batch·channels·height·width, 3 FLOP each
    /// 3. conv 3×3, stride 1, padding 1
    /// 4. batch norm + residual add + ReLU: elementwise, 4 FLOP each
    public static func resnetBasicBlock(channels: Int, height: Int, width: Int, batch: Int = 1,
                                        dtype: DType = .fp32) -> TensorKernel {
        precondition(channels > 0 && height > 0 && width > 0 && batch > 0, "ResNet block sizes must be positive")
        let conv = TensorKernel.conv2d(batch: batch, inChannels: channels, outChannels: channels, height: height, width: width,
                                       kernel: 3, stride: 1, padding: 1, dtype: dtype)
        let n = batch * channels * height * width
        return .sequence([conv, .elementwise(count: n, flopsPerElement: 3, dtype: dtype),
                          conv, .elementwise(count: n, flopsPerElement: 4, dtype: dtype)])
    }

    /// A multilayer perceptron on `batch` rows: for each pair of consecutive `widths`, a GEMM
    /// m = batch, n = widths[i+1], k = widths[i], followed — except after the last — by a ReLU
    /// (elementwise, 1 FLOP each).
    public static func mlp(widths: [Int], batch: Int = 1, dtype: DType = .fp32) -> TensorKernel {
        precondition(widths.count >= 2 && widths.allSatisfy { $0 > 0 } && batch > 0, "an MLP needs at least two positive widths")
        var parts: [TensorKernel] = []
        for i in 0..<(widths.count - 1) {
            parts.append(.gemm(m: batch, n: widths[i + 1], k: widths[i], dtype: dtype))
            if i < widths.count - 2 { parts.append(.elementwise(count: batch * widths[i + 1], flopsPerElement: 1, dtype: dtype)) }
        }
        return TensorKernel.chain(parts)
    }
}
