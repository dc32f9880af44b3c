import Foundation
import Testing
import SwarmKernel
import SwarmModel
import SwarmScenario

/// End to end: a synthetic trace whose ON durations are Weibull and OFF gaps exponential is
/// written to a temporary CSV file, read back, and fitted; the fit recovers the generator.
@Suite("AvailabilityTrace fitting")
struct AvailabilityTraceFitTests {
    @Test("a CSV trace of Weibull ON intervals fits back to that Weibull")
    func csvToWeibull() throws {
        let on = Weibull(shape: 0.45, scale: 5_400)              // SETI@home-like (Javadi et al. 2011)
        let off = Exponential(mean: 7_200)
        let devices = 400, perDevice = 50                         // n = 20,000 ON intervals
        let streams = RandomStreams(seed: 2026)
        var text = "device,start,end\n"
        for d in 0..<devices {
            var g = streams.stream("availability-trace-fit", entity: UInt64(d))
            var t = 0.0
            for _ in 0..<perDevice {
                let up = on.sample(using: &g)
                text += "dev-\(d),\(t),\(t + up)\n"
                t += up + off.sample(using: &g)
            }
        }
        let url = FileManager.default.temporaryDirectory
            .appendingPathComponent("availability-fit-\(getpid()).csv")
        try text.write(to: url, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: url) }

        let trace = try AvailabilityTraceReader.read(path: url.path, format: .csv).trace
        #expect(trace.hostCount == devices && trace.intervalCount == devices * perDevice)
        let fit = try DistributionFit.weibull(trace.onDurations)
        // 4 asymptotic SE (see DistributionFitTests): shape 0.78k/√n, scale 1.053λ/(k√n).
        let rootN = Double(devices * perDevice).squareRoot()
        #expect(abs(fit.shape - on.shape) < 4 * 0.7797 * on.shape / rootN, "shape \(fit.shape)")
        #expect(abs(fit.scale - on.scale) < 4 * 1.0530 * on.scale / (on.shape * rootN), "scale \(fit.scale)")
        #expect(try DistributionFit.best(trace.onDurations).name == "weibull")
        // OFF gaps: exponential, mean within 4 SE.
        let gaps = trace.offDurations
        #expect(gaps.count == devices * (perDevice - 1))
        let mean = try DistributionFit.exponential(gaps).mean
        #expect(abs(mean / off.mean - 1) < 4 / Double(gaps.count).squareRoot(), "off mean \(mean)")
    }
}
