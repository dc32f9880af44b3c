import Testing
import CGSL
@testable import SwarmKernel

@Suite("Streaming statistics")
struct StatisticsTests {
    @Test("Welford mean and variance equal GSL's two-pass values")
    func welfordAgainstGSL() {
        var g = Xoshiro256(seed: 4)
        // A large offset defeats the naive sum-of-squares formula; Welford must hold.
        let xs = (0..<10_000).map { _ in 1e9 + Normal(mean: 0, sd: 3).sample(using: &g) }
        let s = RunningStats(xs)
        let mean = xs.withUnsafeBufferPointer { gsl_stats_mean($0.baseAddress, 1, xs.count) }
        let variance = xs.withUnsafeBufferPointer { gsl_stats_variance($0.baseAddress, 1, xs.count) }
        #expect(abs(s.mean / mean - 1) < 1e-14)
        #expect(abs(s.variance / variance - 1) < 1e-6)   // the naive Σx² − n·x̄² is off by ~100%
        #expect(s.min == xs.min() && s.max == xs.max())
    }

    @Test("merging accumulators equals accumulating everything in one")
    func merge() {
        var g = Xoshiro256(seed: 6)
        let xs = (0..<3_001).map { _ in Exponential(mean: 2).sample(using: &g) }
        var a = RunningStats(xs[0..<1_000]), b = RunningStats(xs[1_000...])
        a.merge(b)
        let all = RunningStats(xs)
        #expect(a.count == all.count)
        #expect(abs(a.mean - all.mean) < 1e-12)
        #expect(abs(a.variance - all.variance) < 1e-10)
        b.merge(RunningStats())
        #expect(b.count == 2_001)
    }

    @Test("P² tracks quantiles of a stream within 1% of the exact order statistic",
          arguments: [0.5, 0.95, 0.99])
    func p2(p: Double) {
        var g = Xoshiro256(seed: 12)
        var q = P2Quantile(p)
        var xs: [Double] = []
        for _ in 0..<100_000 {
            let x = LogNormal(mu: 0, sigma: 0.5).sample(using: &g)
            q.add(x); xs.append(x)
        }
        xs.sort()
        let exact = xs[Int((p * Double(xs.count)).rounded(.up)) - 1]
        #expect(abs(q.value / exact - 1) < 0.01, "P² \(q.value) vs exact \(exact)")
    }

    @Test("P² is exact for its first five values")
    func p2Small() {
        var q = P2Quantile(0.5)
        #expect(q.value.isNaN)
        for x in [5.0, 1, 3] { q.add(x) }
        #expect(q.value == 3)
    }
}
