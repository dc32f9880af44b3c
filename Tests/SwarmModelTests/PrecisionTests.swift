import Testing
import SwarmKernel
@testable import SwarmModel

@Suite("Precision and unified memory")
struct PrecisionTests {
    /// No launch cost and an infinitely fast host link: the duration is the roofline itself.
    static let bare = RooflineCostModel(cpuOverhead: 0, gpuLaunchOverhead: 0, hostToGPUBandwidth: .infinity)

    @Test("an fp16 GEMM on a GPU with tensor cores is faster than fp32 by the peak ratio")
    func tensorCores() throws {
        let a100 = DeviceClass.gpuServer
        let fp32 = TensorKernel.gemm(m: 8192, n: 8192, k: 8192, dtype: .fp32)
        let fp16 = TensorKernel.gemm(m: 8192, n: 8192, k: 8192, dtype: .fp16)
        let t32 = try #require(Self.bare.duration(of: fp32, on: a100, processor: .gpu))
        let t16 = try #require(Self.bare.duration(of: fp16, on: a100, processor: .gpu))
        // A100 data sheet: 312 TFLOP/s FP16 tensor ÷ 19.5 TFLOP/s FP32 = 16. Both are compute-bound
        // (fp16: 1.1e12 FLOP / (312e12 · 0.6) ≈ 5.9 ms ≫ 403 MB / 1555 GB/s ≈ 0.26 ms), and the
        // efficiency curve depends on the FLOP count only, so the times differ by exactly 16.
        #expect(abs(a100.peakFlops(.gpu, dtype: .fp16) - 312e12) < 1e3)
        #expect(abs(t32 / t16 - 312 / 19.5) < 1e-9)
        // bf16 runs at the fp16 tensor rate; int8 at 624 TOPS, twice that
        let t8 = try #require(Self.bare.duration(of: .gemm(m: 8192, n: 8192, k: 8192, dtype: .int8), on: a100, processor: .gpu))
        #expect(abs(t32 / t8 - 624 / 19.5) < 1e-6)
    }

    @Test("a GPU without a faster path for a dtype computes it at the FP32 rate: only the bytes shrink")
    func noFastPath() throws {
        let m2 = DeviceClass.laptop   // Apple GPU: FP16 at the FP32 rate
        let big = TensorKernel.gemm(m: 4096, n: 4096, k: 4096, dtype: .fp32)
        let half = TensorKernel.gemm(m: 4096, n: 4096, k: 4096, dtype: .fp16)
        #expect(Self.bare.duration(of: big, on: m2, processor: .gpu) == Self.bare.duration(of: half, on: m2, processor: .gpu))
    }

    @Test("tensor cores speed up only the matrix part of attention: softmax stays at the FP32 rate")
    func attentionSplit() {
        let k = TensorKernel.attention(batch: 1, heads: 8, seqLen: 128, headDim: 64, dtype: .fp16)
        // matrix: 2 GEMMs × 2·128·128·64 FLOP × 8 heads = 33,554,432; softmax: 5 · 8 · 128² = 655,360
        let matrix = 2.0 * 2 * 128 * 128 * 64 * 8, softmax = 5.0 * 8 * 128 * 128
        #expect(k.matrixFlops == matrix && k.flops == matrix + softmax)
        let s = DeviceClass.gpuServer.gpuDTypeSpeedup.fp16
        #expect(abs(k.dtypeSpeedup(on: .gpuServer, processor: .gpu) - (matrix + softmax) / (matrix / s + softmax)) < 1e-12)
        #expect(TensorKernel.elementwise(count: 1000, flopsPerElement: 2, dtype: .int8).dtypeSpeedup(on: .gpuServer, processor: .gpu) == 1)
    }

    @Test("a renamed class keeps unified memory: its GPU kernels copy nothing, as the original's")
    func renamedKeepsUnifiedMemory() throws {
        var renamed = DeviceClass.laptop
        renamed.name = "laptop@fleet[0]"   // what a per-fleet-entry override does
        let k = TensorKernel.gemm(m: 2048, n: 2048, k: 2048, dtype: .fp32)
        let model = RooflineCostModel()
        let original = try #require(model.duration(of: k, on: .laptop, processor: .gpu))
        #expect(model.duration(of: k, on: renamed, processor: .gpu) == original)
        // a discrete GPU of the same figures pays the copy: bytes / 25 GB/s on top
        var discrete = renamed
        discrete.unifiedMemory = false
        let copy = k.bytesMoved / 25e9
        #expect(abs(try #require(model.duration(of: k, on: discrete, processor: .gpu)) - (original + copy)) < 1e-12)
    }

    @Test("the built-in SoCs have unified memory, the discrete GPUs not; every dtype speedup has a source")
    func builtins() {
        #expect(DeviceClass.builtin.filter(\.unifiedMemory).map(\.name) == ["phone", "laptop", "edge-box"])
        for c in DeviceClass.builtin where c.cpuDTypeSpeedup != .none || c.gpuDTypeSpeedup != .none {
            #expect(c.sources.contains { $0.hasPrefix("dtypes") }, "\(c.name) has dtype speedups without a source")
        }
        // FP32 is 1 by definition; narrower types never slower than FP32 in the built-ins
        for c in DeviceClass.builtin {
            for d in DType.allCases {
                #expect(c.peakFlops(.cpu, dtype: d) >= c.cpuFlops)
                #expect(c.peakFlops(.gpu, dtype: d) >= c.gpuFlops)
            }
            #expect(c.peakFlops(.cpu, dtype: .fp32) == c.cpuFlops)
        }
    }

    @Test("the calibrated model scales FP32 measurements by the class's peak ratio: int8 on int8 dot products")
    func calibratedScaling() throws {
        let p = CalibratedCostModelTests.profile()
        let model = CalibratedCostModel(profile: p, includesTaskOverheads: false)
        let fp32 = TensorKernel.gemm(m: 1024, n: 1024, k: 1024, dtype: .fp32)
        let int8 = TensorKernel.gemm(m: 1024, n: 1024, k: 1024, dtype: .int8)
        // an emulated device (no dtype speedup) costs what the runtime measures: int8 as FP32
        let here = p.deviceClass(name: "here")
        #expect(model.duration(of: int8, on: here, processor: .cpu) == model.duration(of: fp32, on: here, processor: .cpu))
        // the phone's CPU has SDOT: int8 matrix work 4× faster than its FP32
        let phone32 = try #require(model.duration(of: fp32, on: .phone, processor: .cpu))
        let phone8 = try #require(model.duration(of: int8, on: .phone, processor: .cpu))
        #expect(abs(phone32 / phone8 - 4) < 1e-12)
    }

    @Test("CostModel.seconds(for:on:) charges fixed seconds as given and a kernel its best processor's time")
    func secondsForWork() {
        let model = RooflineCostModel()
        #expect(model.seconds(for: .seconds(3), on: .phone) == 3)
        let k = TensorKernel.gemm(m: 512, n: 512, k: 512, dtype: .fp16)
        #expect(model.seconds(for: .kernel(k), on: .desktop) == model.best(for: k, on: .desktop).seconds)
    }
}

@Suite("Layer presets")
struct LayerPresetTests {
    @Test("a transformer block is QKV, attention, projection, norm, MLP up, GELU, MLP down, norm, with 24·t·d² GEMM FLOP")
    func transformer() {
        let k = LayerPresets.transformerBlock(dModel: 64, heads: 4, seq: 16, batch: 2)
        let t = 2 * 16, d = 64
        #expect(k.parts == [
            .gemm(m: t, n: 3 * d, k: d, dtype: .fp32),
            .attention(batch: 2, heads: 4, seqLen: 16, headDim: 16, dtype: .fp32),
            .gemm(m: t, n: d, k: d, dtype: .fp32),
            .elementwise(count: t * d, flopsPerElement: 6, dtype: .fp32),
            .gemm(m: t, n: 4 * d, k: d, dtype: .fp32),
            .elementwise(count: t * 4 * d, flopsPerElement: 8, dtype: .fp32),
            .gemm(m: t, n: d, k: 4 * d, dtype: .fp32),
            .elementwise(count: t * d, flopsPerElement: 6, dtype: .fp32),
        ])
        let gemmFlops = 24.0 * 32 * 64 * 64                      // 3,145,728
        let attention = 4.0 * 2 * 4 * 16 * 16 * 16 + 5.0 * 8 * 256 // QKᵀ and S·V, softmax: 131,072 + 10,240
        let elementwise = 2 * 32.0 * 64 * 6 + 32.0 * 256 * 8      // 24,576 + 65,536
        #expect(k.flops == gemmFlops + attention + elementwise)
        #expect(k.flops == 3_377_152)
        #expect(k.matrixFlops == gemmFlops + 4.0 * 2 * 4 * 16 * 16 * 16)
    }

    @Test("a ResNet basic block is two 3×3 convolutions with their norms and activations")
    func resnet() {
        let k = LayerPresets.resnetBasicBlock(channels: 8, height: 10, width: 12, dtype: .fp16)
        let conv = TensorKernel.conv2d(batch: 1, inChannels: 8, outChannels: 8, height: 10, width: 12, kernel: 3, stride: 1, padding: 1, dtype: .fp16)
        #expect(k.parts == [conv, .elementwise(count: 960, flopsPerElement: 3, dtype: .fp16), conv, .elementwise(count: 960, flopsPerElement: 4, dtype: .fp16)])
        // each conv: m = 8, n = 10·12, k = 8·9 → 2·8·120·72 = 138,240 FLOP; elementwise 960·(3 + 4)
        let convFlops: Double = 2 * 8 * 120 * 72
        #expect(convFlops == 138_240 && k.flops == 2 * convFlops + 960 * 7)
        #expect(k.dtype == .fp16 && k.kind == "sequence")
    }

    @Test("an MLP is one GEMM per layer with a ReLU between layers; one layer is a plain GEMM")
    func mlp() {
        let k = LayerPresets.mlp(widths: [784, 256, 10], batch: 32)
        #expect(k.parts == [.gemm(m: 32, n: 256, k: 784, dtype: .fp32), .elementwise(count: 32 * 256, flopsPerElement: 1, dtype: .fp32),
                            .gemm(m: 32, n: 10, k: 256, dtype: .fp32)])
        let up: Double = 2 * 32 * 256 * 784, relu: Double = 32 * 256, down: Double = 2 * 32 * 10 * 256
        #expect(k.flops == up + relu + down)
        #expect(LayerPresets.mlp(widths: [4, 3]) == .gemm(m: 1, n: 3, k: 4, dtype: .fp32))
    }

    @Test("a sequence costs the sum of its parts on one processor; chain flattens nested sequences")
    func sequenceCost() throws {
        let a = TensorKernel.gemm(m: 256, n: 256, k: 256, dtype: .fp32), b = TensorKernel.reduction(count: 1 << 20, dtype: .fp32)
        let s = TensorKernel.chain([a, .sequence([b, a])])
        #expect(s.parts == [a, b, a])
        let model = RooflineCostModel()
        for p in [Processor.cpu, .gpu] {
            let parts = try [a, b, a].map { try #require(model.duration(of: $0, on: .desktop, processor: p)) }.reduce(0, +)
            #expect(abs(try #require(model.duration(of: s, on: .desktop, processor: p)) - parts) < 1e-15)
        }
        #expect(s.workingSetBytes == max(a.workingSetBytes, b.workingSetBytes))
        #expect(s.inputElements == 2 * a.inputElements + b.inputElements)
    }
}

@Suite("Calibrated sequences")
struct CalibratedSequenceTests {
    @Test("the calibrated model costs a sequence from its own measurement, else from its parts' measurements")
    func calibratedSequence() throws {
        let g256 = CalibratedCostModelTests.g256, g1024 = CalibratedCostModelTests.g1024
        let p = CalibratedCostModelTests.profile(overhead: 1e-3)
        let model = CalibratedCostModel(profile: p)
        let s = TensorKernel.sequence([g256, g1024])
        // parts: 256³ measured at 50 GFLOP/s, 1024³ at 100 GFLOP/s
        let compute = g256.flops / 50e9 + g1024.flops / 100e9
        #expect(abs(model.computeSeconds(s) - compute) < 1e-15)
        // inputs of both parts at 1e9 elements/s, one per-task overhead (this profile has no checksum rate)
        let inputs = Double(2 * 256 * 256 + 2 * 1024 * 1024) / 1e9
        let t = try #require(model.duration(of: s, on: p.deviceClass(name: "here"), processor: .cpu))
        #expect(abs(t - (compute + inputs + 1e-3)) < 1e-12)
        // measured as a whole, its own measurement wins
        var q = p
        q.kernels.append(.init(kernel: s, seconds: 0.5, minSeconds: 0.4, repeats: 3))
        #expect(CalibratedCostModel(profile: q).computeSeconds(s) == 0.5)
        // and a sequence measurement does not bend the GEMM curve
        #expect(CalibratedCostModel(profile: q).computeSeconds(.gemm(m: 512, n: 512, k: 512, dtype: .fp32)) == model.computeSeconds(.gemm(m: 512, n: 512, k: 512, dtype: .fp32)))
    }
}
