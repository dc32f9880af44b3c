import Testing
import SwarmKernel
import SwarmResults

@Suite("Confidence intervals")
struct ConfidenceIntervalTests {
    @Test("Student-t quantiles match published tables")
    func tQuantiles() {
        // Two-sided 95%: t(0.975; 9) = 2.262, t(0.975; 29) = 2.045; 99%: t(0.995; 4) = 4.604.
        #expect(abs(ConfidenceInterval.studentQuantile(0.975, degreesOfFreedom: 9) - 2.262157) < 1e-5)
        #expect(abs(ConfidenceInterval.studentQuantile(0.975, degreesOfFreedom: 29) - 2.045230) < 1e-5)
        #expect(abs(ConfidenceInterval.studentQuantile(0.995, degreesOfFreedom: 4) - 4.604095) < 1e-5)
    }

    @Test("the interval of known values is mean ± t·s/√n")
    func knownValues() throws {
        let ci = try #require(ConfidenceInterval([10, 12, 11, 13, 9]))
        // mean 11, s = √2.5, t(0.975; 4) = 2.776445
        #expect(abs(ci.mean - 11) < 1e-12)
        #expect(abs(ci.halfWidth - 2.776445 * (2.5).squareRoot() / (5.0).squareRoot()) < 1e-5)
        #expect(ConfidenceInterval([3]) == nil)
        #expect(ci.description == "11.0 ± 1.963 (95% CI, n=5)")
    }

    @Test("95% intervals of 10 replications cover the true mean about 95% of the time")
    func coverage() throws {
        let streams = RandomStreams(seed: 99)
        var covered = 0
        let trials = 2_000
        for t in 0..<trials {
            var g = streams.stream("coverage", entity: UInt64(t))
            let reps = (0..<10).map { _ in Normal(mean: 5, sd: 2).sample(using: &g) }
            let ci = try #require(ConfidenceInterval(reps))
            if ci.lower <= 5 && 5 <= ci.upper { covered += 1 }
        }
        let rate = Double(covered) / Double(trials)
        // Binomial sd at p = 0.95, n = 2000 is 0.0049: ±4 sd.
        #expect(abs(rate - 0.95) < 0.02, "coverage \(rate)")
    }
}
