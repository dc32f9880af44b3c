import Testing
import CGSL
@testable import SwarmKernel

/// Each distribution against GSL (the oracle, never a dependency of the kernel): sample mean
/// and variance against the closed form, a one-sample Kolmogorov–Smirnov statistic against
/// GSL's CDF, and a two-sample KS statistic against draws from GSL's own sampler.
@Suite("Distributions against GSL")
struct DistributionTests {
    static let n = 20_000
    /// KS critical values at α = 0.001: 1.95/√n (one sample), 1.95·√(2/n) (two samples).
    static let ksOne = 1.95 / Double(n).squareRoot()
    static let ksTwo = 1.95 * (2.0 / Double(n)).squareRoot()

    struct Case: CustomTestStringConvertible, Sendable {
        let name: String
        let dist: any Distribution
        let cdf: @Sendable (Double) -> Double
        let gsl: @Sendable (UnsafeMutablePointer<gsl_rng>) -> Double
        /// Allowed relative error of the sample variance: ≈ 5 sd of s², √((κ + 2)/n),
        /// large for heavy tails.
        var varianceTolerance = 0.10
        var testDescription: String { name }
    }

    static let cases: [Case] = [
        Case(name: "uniform(2, 5)", dist: Uniform(2, 5),
             cdf: { gsl_cdf_flat_P($0, 2, 5) }, gsl: { gsl_ran_flat($0, 2, 5) }),
        Case(name: "exponential(mean 3)", dist: Exponential(mean: 3),
             cdf: { gsl_cdf_exponential_P($0, 3) }, gsl: { gsl_ran_exponential($0, 3) }),
        Case(name: "normal(10, 2)", dist: Normal(mean: 10, sd: 2),
             cdf: { gsl_cdf_gaussian_P($0 - 10, 2) }, gsl: { 10 + gsl_ran_gaussian($0, 2) }),
        Case(name: "lognormal(1, 0.5)", dist: LogNormal(mu: 1, sigma: 0.5),
             cdf: { gsl_cdf_lognormal_P($0, 1, 0.5) }, gsl: { gsl_ran_lognormal($0, 1, 0.5) }),
        Case(name: "weibull(shape 0.5, scale 3600)", dist: Weibull(shape: 0.5, scale: 3600),
             cdf: { gsl_cdf_weibull_P($0, 3600, 0.5) }, gsl: { gsl_ran_weibull($0, 3600, 0.5) },
             varianceTolerance: 0.40),
        Case(name: "weibull(shape 2, scale 1)", dist: Weibull(shape: 2, scale: 1),
             cdf: { gsl_cdf_weibull_P($0, 1, 2) }, gsl: { gsl_ran_weibull($0, 1, 2) }),
        Case(name: "pareto(shape 5, scale 2)", dist: Pareto(shape: 5, scale: 2),
             cdf: { gsl_cdf_pareto_P($0, 5, 2) }, gsl: { gsl_ran_pareto($0, 5, 2) },
             varianceTolerance: 0.30),
        Case(name: "gamma(shape 2.5, scale 1.5)", dist: Gamma(shape: 2.5, scale: 1.5),
             cdf: { gsl_cdf_gamma_P($0, 2.5, 1.5) }, gsl: { gsl_ran_gamma($0, 2.5, 1.5) }),
        Case(name: "gamma(shape 0.4, scale 2)", dist: Gamma(shape: 0.4, scale: 2),
             cdf: { gsl_cdf_gamma_P($0, 0.4, 2) }, gsl: { gsl_ran_gamma($0, 0.4, 2) }),
    ]

    @Test("moments and KS against GSL", arguments: cases)
    func againstGSL(_ c: Case) {
        var g = RandomStreams(seed: 2026).stream("distribution-test", entity: stableHash(c.name))
        let ours = (0..<Self.n).map { _ in c.dist.sample(using: &g) }.sorted()
        let stats = RunningStats(ours)
        // Mean within 4.5 standard errors of the closed form.
        let se = (c.dist.variance / Double(Self.n)).squareRoot()
        #expect(abs(stats.mean - c.dist.mean) < 4.5 * se, "mean \(stats.mean) vs \(c.dist.mean)")
        // Variance within tolerance (every case here has a finite fourth moment).
        #expect(abs(stats.variance / c.dist.variance - 1) < c.varianceTolerance, "variance \(stats.variance) vs \(c.dist.variance)")
        // One-sample KS against GSL's CDF.
        var d = 0.0
        for (i, x) in ours.enumerated() {
            let f = c.cdf(x)
            d = max(d, abs(f - Double(i) / Double(Self.n)), abs(Double(i + 1) / Double(Self.n) - f))
        }
        #expect(d < Self.ksOne, "KS D = \(d)")
        // Two-sample KS against GSL's sampler.
        let rng = gsl_rng_alloc(swarm_gsl_rng_mt19937())!
        defer { gsl_rng_free(rng) }
        gsl_rng_set(rng, 2026)
        let theirs = (0..<Self.n).map { _ in c.gsl(rng) }.sorted()
        #expect(twoSampleKS(ours, theirs) < Self.ksTwo)
    }

    @Test("the two-sample KS check can fail: a shifted distribution is caught")
    func ksDetectsShift() {
        var g = Xoshiro256(seed: 1)
        let a = (0..<Self.n).map { _ in Exponential(mean: 3).sample(using: &g) }.sorted()
        let b = (0..<Self.n).map { _ in Exponential(mean: 3.3).sample(using: &g) }.sorted()
        #expect(twoSampleKS(a, b) > Self.ksTwo)
    }

    @Test("empirical (alias method) matches its weights and GSL's discrete sampler")
    func empirical() {
        let values = [1.0, 2.0, 5.0, 10.0, 20.0]
        let weights = [0.1, 0.4, 0.2, 0.25, 0.05]
        let dist = Empirical(values: values, weights: weights)
        #expect(abs(dist.mean - zip(values, weights).reduce(0) { $0 + $1.0 * $1.1 }) < 1e-12)
        var g = Xoshiro256(seed: 5)
        var counts = [Int](repeating: 0, count: values.count)
        let n = 100_000
        for _ in 0..<n { counts[dist.index(using: &g)] += 1 }
        let chi2 = zip(counts, weights).reduce(0.0) { acc, cw in
            let e = Double(n) * cw.1
            return acc + (Double(cw.0) - e) * (Double(cw.0) - e) / e
        }
        #expect(chi2 < 18.47)   // χ²₄ at p = 0.001
        // GSL's Walker table gives the same probabilities.
        let table = weights.withUnsafeBufferPointer { gsl_ran_discrete_preproc(weights.count, $0.baseAddress) }!
        defer { gsl_ran_discrete_free(table) }
        for i in 0..<values.count {
            #expect(abs(gsl_ran_discrete_pdf(i, table) - weights[i]) < 1e-12)
        }
    }

    @Test("an empirical distribution from samples reproduces the sampled law")
    func empiricalFromSamples() {
        var g = Xoshiro256(seed: 8)
        let source = (0..<5_000).map { _ in LogNormal(mu: 0, sigma: 1).sample(using: &g) }
        let dist = Empirical(samples: source)
        let draws = (0..<Self.n).map { _ in dist.sample(using: &g) }.sorted()
        #expect(twoSampleKS(draws, source.sorted()) < 1.95 * (1.0 / 5_000 + 1.0 / Double(Self.n)).squareRoot())
        #expect(abs(dist.mean - RunningStats(source).mean) < 1e-9)
    }

    @Test("GSL itself: gamma sample moments match the closed form")
    func gslGammaMoments() {
        let rng = gsl_rng_alloc(swarm_gsl_rng_mt19937())!
        defer { gsl_rng_free(rng) }
        gsl_rng_set(rng, 1)
        let xs = (0..<50_000).map { _ in gsl_ran_gamma(rng, 3, 2) }
        let mean = xs.withUnsafeBufferPointer { gsl_stats_mean($0.baseAddress, 1, xs.count) }
        let variance = xs.withUnsafeBufferPointer { gsl_stats_variance($0.baseAddress, 1, xs.count) }
        #expect(abs(mean - 3 * 2) < 0.05)          // se = √(12/50 000) ≈ 0.015
        #expect(abs(variance - 3 * 2 * 2) < 0.5)
    }
}

/// The largest gap between the empirical CDFs of two sorted samples.
func twoSampleKS(_ a: [Double], _ b: [Double]) -> Double {
    var i = 0, j = 0, d = 0.0
    while i < a.count && j < b.count {
        let x = min(a[i], b[j])
        while i < a.count && a[i] <= x { i += 1 }
        while j < b.count && b[j] <= x { j += 1 }
        d = max(d, abs(Double(i) / Double(a.count) - Double(j) / Double(b.count)))
    }
    return d
}
