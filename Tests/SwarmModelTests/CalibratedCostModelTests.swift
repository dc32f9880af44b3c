import Foundation
import Testing
import SwarmKernel
@testable import SwarmModel

@Suite("Calibrated cost model")
struct CalibratedCostModelTests {
    static let g256 = TensorKernel.gemm(m: 256, n: 256, k: 256, dtype: .fp32)
    static let g1024 = TensorKernel.gemm(m: 1024, n: 1024, k: 1024, dtype: .fp32)

    /// 256³ at 50 GFLOP/s, 1024³ at 100 GFLOP/s; no task overheads unless asked.
    static func profile(overhead: Double = 0) -> DeviceProfile {
        DeviceProfile(machineClass: "test", host: "h", cpu: "c", cores: 2, threads: 1, blas: "b", measuredAt: "now",
                      referenceFlopsPerSecond: 100e9, memoryBandwidth: 10e9, inputElementsPerSecond: 1e9,
                      perTaskOverhead: overhead, processStartSeconds: 1e-3, processStartCommand: "/bin/true",
                      kernels: [.init(kernel: g256, seconds: g256.flops / 50e9, minSeconds: g256.flops / 55e9, repeats: 3),
                                .init(kernel: g1024, seconds: g1024.flops / 100e9, minSeconds: g1024.flops / 110e9, repeats: 3)])
    }

    @Test("a calibrated shape costs what was measured, on a device of speed 1")
    func exact() {
        let p = Self.profile()
        let model = CalibratedCostModel(profile: p, includesTaskOverheads: false)
        let here = p.deviceClass(name: "here")
        #expect(abs(model.duration(of: Self.g1024, on: here, processor: .cpu)! - Self.g1024.flops / 100e9) < 1e-12)
        #expect(abs(model.duration(of: Self.g256, on: here, processor: .cpu)! - Self.g256.flops / 50e9) < 1e-12)
        // other dtypes run as FP32 in the runtime, so they cost the same
        #expect(model.computeSeconds(.gemm(m: 256, n: 256, k: 256, dtype: .fp16)) == model.computeSeconds(Self.g256))
    }

    @Test("between calibrated shapes the rate is interpolated in log-log; beyond them it stays the nearest one's")
    func interpolation() {
        let model = CalibratedCostModel(profile: Self.profile(), includesTaskOverheads: false)
        let mid = TensorKernel.gemm(m: 512, n: 512, k: 512, dtype: .fp32)   // halfway in log FLOP
        let rate = mid.flops / model.computeSeconds(mid)
        // log-linear between (f₁, f₁/50G) and (f₂, f₂/100G) at the geometric midpoint: √(50·100) GFLOP/s
        #expect(abs(rate - (50e9 * 100e9).squareRoot()) / rate < 1e-9)
        let big = TensorKernel.gemm(m: 2048, n: 2048, k: 2048, dtype: .fp32)
        #expect(abs(big.flops / model.computeSeconds(big) - 100e9) < 1)
        let small = TensorKernel.gemm(m: 64, n: 64, k: 64, dtype: .fp32)
        #expect(abs(small.flops / model.computeSeconds(small) - 50e9) < 1)
    }

    @Test("a kind never calibrated falls back to the roofline at the reference rate and memory bandwidth")
    func fallback() {
        let model = CalibratedCostModel(profile: Self.profile(), includesTaskOverheads: false)
        let e = TensorKernel.elementwise(count: 1_000_000, flopsPerElement: 2, dtype: .fp32)
        #expect(abs(model.computeSeconds(e) - max(2e6 / 100e9, 8e6 / 10e9)) < 1e-15)
    }

    @Test("a device at speed s computes 1/s as long; inputs and overhead are counted when asked", arguments: [1.0, 0.5, 0.25])
    func speed(s: Double) {
        let p = Self.profile(overhead: 1e-3)
        let model = CalibratedCostModel(profile: p)
        let t = model.duration(of: Self.g256, on: p.deviceClass(name: "slow", speed: s), processor: .cpu)!
        // only the computation is stretched (the runtime's duty cycle), not inputs and overhead
        let expected = Self.g256.flops / 50e9 / s + Double(2 * 256 * 256) / 1e9 + 1e-3
        #expect(abs(t - expected) < 1e-12)
        #expect(model.duration(of: Self.g256, on: p.deviceClass(name: "x"), processor: .gpu) == nil)
    }

    @Test("speeds can be made relative to another reference, e.g. a fleet's fastest class")
    func reference() {
        let p = Self.profile()
        let model = CalibratedCostModel(profile: p, includesTaskOverheads: false, referenceFlops: 1e12)
        var fast = p.deviceClass(name: "fast"); fast.cpuFlops = 1e12
        var slow = fast; slow.cpuFlops = 2.5e11
        #expect(abs(model.duration(of: Self.g1024, on: fast, processor: .cpu)! - Self.g1024.flops / 100e9) < 1e-12)
        #expect(abs(model.duration(of: Self.g1024, on: slow, processor: .cpu)! - 4 * Self.g1024.flops / 100e9) < 1e-12)
    }

    @Test("a profile survives JSON and back")
    func roundTrip() throws {
        let p = Self.profile()
        #expect(try DeviceProfile.decode(p.jsonData(), path: "p.json") == p)
    }

    @Test("a bad profile names the file, the line, the field and what was expected")
    func badFiles() throws {
        let good = String(decoding: try Self.profile().jsonData(), as: UTF8.self)
        func message(_ text: String) -> String {
            do { _ = try DeviceProfile.decode(Data(text.utf8), path: "bad.json"); return "no error" }
            catch { return "\(error)" }
        }
        let lines = good.split(separator: "\n", omittingEmptySubsequences: false)
        let bandwidthLine = lines.firstIndex { $0.contains("\"memoryBandwidth\"") }! + 1
        let wrongType = message(good.replacingOccurrences(of: "\"memoryBandwidth\" : 10000000000", with: "\"memoryBandwidth\" : \"fast\""))
        #expect(wrongType.hasPrefix("bad.json:\(bandwidthLine): field 'memoryBandwidth': expected Double"), "\(wrongType)")
        let negative = message(good.replacingOccurrences(of: "\"memoryBandwidth\" : 10000000000", with: "\"memoryBandwidth\" : -1"))
        #expect(negative == "bad.json:\(bandwidthLine): field 'memoryBandwidth': expected a positive number, found -1.0")
        let missing = message(good.replacingOccurrences(of: "\"cpu\" : \"c\",", with: ""))
        #expect(missing.contains("bad.json:") && missing.contains("field 'cpu' is missing"), "\(missing)")
        let version = message(good.replacingOccurrences(of: "\"schema\" : 1", with: "\"schema\" : 2"))
        #expect(version.contains("field 'schema': expected 1, found 2"), "\(version)")
        #expect(message("{ not json").hasPrefix("bad.json: not valid JSON"))
    }

    @Test("a kernel measured with its work around it (inputs, checksum) costs that measurement instead of the machine's rates, unstretched")
    func aroundMeasured() throws {
        var p = Self.profile(overhead: 1e-3)
        p.checksumElementsPerSecond = 5e8
        let slow = p.deviceClass(name: "slow", speed: 0.25)
        let rates = CalibratedCostModel(profile: p)
        // from the rates: 2 × 256² inputs at 1e9/s, 256² outputs at 5e8/s, 1 ms per call
        let fromRates = Double(2 * 256 * 256) / 1e9 + Double(256 * 256) / 5e8 + 1e-3
        #expect(abs(rates.taskOverheadSeconds(Self.g256) - fromRates) < 1e-12)
        p.kernels[0].aroundSeconds = 0.004
        let measured = CalibratedCostModel(profile: p)
        #expect(measured.taskOverheadSeconds(Self.g256) == 0.004)
        #expect(measured.taskOverheadSeconds(.gemm(m: 256, n: 256, k: 256, dtype: .fp16)) == 0.004)   // executed as FP32
        // the computation is stretched 4× on the slow device, the 4 ms around it are not
        let d = measured.duration(of: Self.g256, on: slow, processor: .cpu)!
        #expect(abs(d - (4 * Self.g256.flops / 50e9 + 0.004)) < 1e-12)
        // a kernel without its own measurement still costs the rates
        #expect(abs(measured.taskOverheadSeconds(Self.g1024) - (Double(2 << 20) / 1e9 + Double(1 << 20) / 5e8 + 1e-3)) < 1e-12)
        // it survives JSON, and a profile without it reads as nil
        #expect(try DeviceProfile.decode(p.jsonData(), path: "p.json").kernels[0].aroundSeconds == 0.004)
        #expect(try DeviceProfile.decode(Self.profile().jsonData(), path: "p.json").kernels[0].aroundSeconds == nil)
    }

    @Test("the output checksum is a per-attempt cost when the profile measures it, at this machine's speed")
    func checksum() throws {
        var p = Self.profile(overhead: 1e-3)
        let slow = p.deviceClass(name: "slow", speed: 0.25)
        let without = CalibratedCostModel(profile: p).duration(of: Self.g256, on: slow, processor: .cpu)!
        p.checksumElementsPerSecond = 5e8
        let with = CalibratedCostModel(profile: p).duration(of: Self.g256, on: slow, processor: .cpu)!
        // 256 × 256 outputs at 5e8 /s, not stretched by the device's speed
        #expect(abs((with - without) - Double(256 * 256) / 5e8) < 1e-12)
        #expect(CalibratedCostModel(profile: p, includesTaskOverheads: false).taskOverheadSeconds(Self.g256) == 0)
        // it survives JSON; an old profile without it still reads (and costs no checksum)
        #expect(try DeviceProfile.decode(p.jsonData(), path: "p.json").checksumElementsPerSecond == 5e8)
        #expect(try DeviceProfile.decode(Self.profile().jsonData(), path: "p.json").checksumElementsPerSecond == nil)
        let text = String(decoding: try p.jsonData(), as: UTF8.self)
            .replacingOccurrences(of: "\"checksumElementsPerSecond\" : 500000000", with: "\"checksumElementsPerSecond\" : 0")
        do { _ = try DeviceProfile.decode(Data(text.utf8), path: "bad.json"); Issue.record("a zero checksum rate was accepted") }
        catch { #expect("\(error)".contains("field 'checksumElementsPerSecond': expected a positive number, found 0.0"), "\(error)") }
    }

    @Test("output elements count what the runtime checksums")
    func outputElements() {
        #expect(TensorKernel.gemm(m: 3, n: 5, k: 7, dtype: .fp32).outputElements == 3 * 5)
        #expect(TensorKernel.attention(batch: 2, heads: 3, seqLen: 5, headDim: 7, dtype: .fp32).outputElements == 2 * 3 * 5 * 7)
        // 5×6 input, kernel 3, stride 1, padding 1: a 5×6 output per channel and image
        #expect(TensorKernel.conv2d(batch: 2, inChannels: 3, outChannels: 4, height: 5, width: 6, kernel: 3, stride: 1, padding: 1, dtype: .fp32).outputElements
                == 2 * 4 * 5 * 6)
        #expect(TensorKernel.elementwise(count: 11, flopsPerElement: 2, dtype: .fp32).outputElements == 11)
        #expect(TensorKernel.reduction(count: 11, dtype: .fp32).outputElements == 1)
    }

    @Test("input elements count the operands the runtime generates")
    func inputElements() {
        #expect(Self.g256.inputElements == 2 * 256 * 256)
        #expect(TensorKernel.attention(batch: 2, heads: 3, seqLen: 5, headDim: 7, dtype: .fp32).inputElements == 3 * 2 * 3 * 5 * 7)
        #expect(TensorKernel.conv2d(batch: 2, inChannels: 3, outChannels: 4, height: 5, width: 6, kernel: 3, stride: 1, padding: 1, dtype: .fp32).inputElements
                == 2 * 3 * 5 * 6 + 4 * 3 * 9)
    }
}
