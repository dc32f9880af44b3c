import Foundation
import Testing
import SwarmModel
@testable import SwarmScenario

/// `goodScenario` with its bag's work replaced.
func scenario(work: String) -> String {
    goodScenario.replacingOccurrences(of: "work: { seconds: 10s }", with: "work: \(work)")
}

func firstKernel(_ work: String) throws -> TensorKernel {
    let s = try Scenario.parse(text: scenario(work: work), file: "k.yaml", policies: policyNames)
    var tasks = TaskTable()
    s.workloads[0].generate(into: &tasks, job: 0, streams: .init(seed: 1))
    guard case .kernel(let k) = tasks.work[0] else { Issue.record("not a kernel"); return .reduction(count: 1, dtype: .fp32) }
    return k
}

@Suite("Scenario work: kernels of real models")
struct WorkKernelTests {
    @Test("conv2d, attention and reduction parse to their kernels, with defaults and hand-derived FLOPs")
    func kernels() throws {
        let conv = try firstKernel("{ conv2d: { in_channels: 64, out_channels: 128, height: 56, width: 56, kernel: 3, padding: 1, stride: 2, dtype: fp16 } }")
        #expect(conv == .conv2d(batch: 1, inChannels: 64, outChannels: 128, height: 56, width: 56, kernel: 3, stride: 2, padding: 1, dtype: .fp16))
        // out = (56 + 2 − 3)/2 + 1 = 28 per axis; 2 · 128 · 28² · (64 · 9) FLOP
        #expect(conv.flops == 2.0 * 128 * 784 * 576)
        let att = try firstKernel("{ attention: { heads: 12, seq: 512, head_dim: 64, batch: 2 } }")
        #expect(att == .attention(batch: 2, heads: 12, seqLen: 512, headDim: 64, dtype: .fp32))
        // QKᵀ and S·V: 2 · (2 · 512 · 512 · 64) per head; softmax 5 per score; 24 heads
        #expect(att.flops == 24 * (2 * 2.0 * 512 * 512 * 64 + 5.0 * 512 * 512))
        let red = try firstKernel("{ reduction: { count: 1_000_000, dtype: int8 } }")
        #expect(red == .reduction(count: 1_000_000, dtype: .int8) && red.flops == 1e6)
    }

    @Test("each layer preset parses to its kernel sequence")
    func presets() throws {
        let block = try firstKernel("{ transformer_block: { d_model: 768, heads: 12, seq: 128, dtype: fp16 } }")
        #expect(block == LayerPresets.transformerBlock(dModel: 768, heads: 12, seq: 128, batch: 1, ffn: 4, dtype: .fp16))
        // GEMMs: 24 · 128 · 768² = 1,811,939,328 FLOP; attention 4 · 12 · 128² · 64 + 5 · 12 · 128²;
        // elementwise 2 · 128·768 · 6 + 128·3072 · 8
        let expected = 24.0 * 128 * 768 * 768 + (4.0 * 12 * 128 * 128 * 64 + 5.0 * 12 * 128 * 128) + (2 * 128.0 * 768 * 6 + 128.0 * 3072 * 8)
        #expect(block.flops == expected)
        #expect(block.parts.count == 8 && block.parts[1] == .attention(batch: 1, heads: 12, seqLen: 128, headDim: 64, dtype: .fp16))
        let res = try firstKernel("{ resnet_block: { channels: 64, height: 56, width: 56, batch: 2 } }")
        #expect(res == LayerPresets.resnetBasicBlock(channels: 64, height: 56, width: 56, batch: 2))
        // two convs of 2 · 64 · (2·56·56) · (64·9) FLOP, elementwise (3 + 4) per output element
        #expect(res.flops == 2 * (2.0 * 64 * 6272 * 576) + 7.0 * 2 * 64 * 56 * 56)
        let mlp = try firstKernel("{ mlp: { widths: [784, 512, 10], batch: 64 } }")
        #expect(mlp == .sequence([.gemm(m: 64, n: 512, k: 784, dtype: .fp32), .elementwise(count: 64 * 512, flopsPerElement: 1, dtype: .fp32),
                                  .gemm(m: 64, n: 10, k: 512, dtype: .fp32)]))
        let seq = try firstKernel("{ sequence: [ { gemm: { m: 8, n: 8, k: 8 } }, { reduction: { count: 64 } } ] }")
        #expect(seq == .sequence([.gemm(m: 8, n: 8, k: 8, dtype: .fp32), .reduction(count: 64, dtype: .fp32)]))
    }

    @Test("the canonical form writes every kernel parameter, defaults included, and re-parses to the same kernel")
    func canonical() throws {
        let text = scenario(work: "{ conv2d: { in_channels: 3, out_channels: 8, height: 32, width: 32, kernel: 5 } }")
        let s = try Scenario.parse(text: text, file: "k.yaml", policies: policyNames)
        // (the emitter wraps long flow mappings: compare without line breaks)
        let flat = s.explained.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }.joined(separator: " ")
        #expect(flat.contains("conv2d: {in_channels: 3, out_channels: 8, height: 32, width: 32, kernel: 5, batch: 1, stride: 1, padding: 0, dtype: fp32}"))
        let again = try Scenario.parse(text: s.explained, file: "k.yaml", policies: policyNames)
        var a = TaskTable(), b = TaskTable()
        s.workloads[0].generate(into: &a, job: 0, streams: .init(seed: 1))
        again.workloads[0].generate(into: &b, job: 0, streams: .init(seed: 1))
        #expect(a.work == b.work)
    }

    static let badWork: [(work: String, expected: String)] = [
        ("{ attenton: { heads: 2, seq: 8, head_dim: 4 } }",
         "bad.yaml:12:15: workloads[0].bag.work.attenton: unknown key `attenton`; did you mean `attention`? (expected one of: seconds, gemm, conv2d, attention, elementwise, reduction, transformer_block, resnet_block, mlp, sequence)"),
        ("{ attention: { heads: 2, seq: 8, head_dims: 4 } }",
         "bad.yaml:12:46: workloads[0].bag.work.attention.head_dims: unknown key `head_dims`; did you mean `head_dim`? (expected one of: heads, seq, head_dim, batch, dtype)"),
        ("{ conv2d: { in_channels: 3, out_channels: 8, height: 4, width: 4, kernel: 7 } }",
         "bad.yaml:12:87: workloads[0].bag.work.conv2d.kernel: a 7×7 kernel does not fit a height of 4 with padding 0: expected kernel ≤ height + 2·padding = 4"),
        ("{ conv2d: { in_channels: 3, height: 4, width: 4, kernel: 3 } }",
         "bad.yaml:12:23: workloads[0].bag.work.conv2d: missing `out_channels`"),
        ("{ transformer_block: { d_model: 100, heads: 12, seq: 8 } }",
         "bad.yaml:12:57: workloads[0].bag.work.transformer_block.heads: d_model (100) must be a multiple of heads: found 12 heads"),
        ("{ mlp: { widths: [10] } }",
         "bad.yaml:12:30: workloads[0].bag.work.mlp.widths: expected at least two widths (input and output), found 1"),
        ("{ reduction: { count: 0 } }",
         "bad.yaml:12:35: workloads[0].bag.work.reduction.count: expected a whole number ≥ 1, found `0`"),
        ("{ attention: { heads: 2, seq: 99999999, head_dim: 4 } }",
         "bad.yaml:12:43: workloads[0].bag.work.attention.seq: expected a whole number ≤ 16777216, found `99999999`"),
        ("{ sequence: [ { seconds: 1s } ] }",
         "bad.yaml:12:38: workloads[0].bag.work.sequence[0].seconds: a sequence holds kernels, not fixed seconds"),
        ("{ gemm: { m: 8, n: 8, k: 8, dtype: fp61 } }",
         "bad.yaml:12:48: workloads[0].bag.work.gemm.dtype: unknown dtype `fp61`; did you mean `fp16`? (expected one of: fp32, fp16, bf16, int8)"),
    ]

    @Test("bad kernels are refused with file:line:column, the field, what was found and what was expected", arguments: badWork)
    func bad(_ c: (work: String, expected: String)) {
        do {
            _ = try Scenario.parse(text: scenario(work: c.work), file: "bad.yaml", policies: policyNames)
            Issue.record("accepted \(c.work)")
        } catch {
            #expect(error.description == c.expected)
        }
    }

    @Test("device classes take unified memory and dtype speedups; a fleet-entry override keeps them")
    func classFields() throws {
        let text = goodScenario.replacingOccurrences(of: "fleet:\n  - { class: desktop, region: eu, count: 10 }", with: """
        device_classes:
          - { name: soc, base: desktop, unified_memory: true, gpu_dtype_speedup: { fp16: 4 }, cpu_dtype_speedup: { int8: 3 } }
        fleet:
          - { class: soc, region: eu, count: 10 }
          - { class: laptop, region: eu, count: 5, availability: always-on }
        """)
        let s = try Scenario.parse(text: text, file: "c.yaml", policies: policyNames)
        let soc = try #require(s.classes.first { $0.name == "soc" })
        #expect(soc.unifiedMemory)
        // fp16 given; bf16 and int8 kept from the desktop's RTX 3060 (2×, 8×)
        #expect(soc.gpuDTypeSpeedup == DTypeSpeedup(fp16: 4, bf16: 2, int8: 8))
        #expect(soc.cpuDTypeSpeedup == DTypeSpeedup(fp16: 1, bf16: 1, int8: 3))
        let renamed = try #require(s.classes.first { $0.name.hasPrefix("laptop@") })
        #expect(renamed.unifiedMemory && renamed.cpuDTypeSpeedup == DeviceClass.laptop.cpuDTypeSpeedup)
        #expect(s.explained.contains("unified_memory: true"))
        #expect(s.explained.contains("gpu_dtype_speedup: {fp16: 4, bf16: 2, int8: 8}"))
        let bad = text.replacingOccurrences(of: "fp16: 4", with: "fp16: 0")
        #expect(throws: ScenarioError.self) { try Scenario.parse(text: bad, file: "c.yaml", policies: policyNames) }
    }
}
