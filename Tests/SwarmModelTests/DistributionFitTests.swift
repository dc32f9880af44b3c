#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Testing
import CGSL
import SwarmKernel
@testable import SwarmModel

/// Maximum-likelihood fits recover the parameters of the kernel's own samplers, and the
/// special functions and densities behind them agree with GSL.
///
/// Tolerances are 4 asymptotic standard errors at n = 20,000, from the inverse Fisher
/// information of each family (written out in each case), so a seed fails with probability
/// well under 1e-3 per parameter.
@Suite("DistributionFit")
struct DistributionFitTests {
    static let n = 20_000
    static let rootN = Double(n).squareRoot()

    static func draw(_ d: some Distribution, _ name: String, n: Int = n) -> [Double] {
        var g = RandomStreams(seed: 2026).stream("distribution-fit-test", entity: stableHash(name))
        return (0..<n).map { _ in d.sample(using: &g) }
    }

    @Test("exponential: mean within 4 SE (SE = mean/√n)")
    func exponential() throws {
        let fit = try DistributionFit.exponential(Self.draw(Exponential(mean: 3600), "exp"))
        #expect(abs(fit.mean / 3600 - 1) < 4 / Self.rootN, "mean \(fit.mean)")
    }

    @Test("log-normal: μ within 4σ/√n, σ within 4σ/√(2n)", arguments: [(8.0, 1.5), (1.0, 0.5)])
    func logNormal(_ p: (mu: Double, sigma: Double)) throws {
        let fit = try DistributionFit.logNormal(Self.draw(LogNormal(mu: p.mu, sigma: p.sigma), "ln\(p)"))
        #expect(abs(fit.mu - p.mu) < 4 * p.sigma / Self.rootN, "mu \(fit.mu)")
        #expect(abs(fit.sigma - p.sigma) < 4 * p.sigma / (2 * Double(Self.n)).squareRoot(), "sigma \(fit.sigma)")
    }

    /// Inverse Fisher information of the Weibull: Var(k̂) = 6k²/(π²n),
    /// Var(λ̂) = λ²(1 + 6(1 − γ)²/π²)/(k²n), γ the Euler–Mascheroni constant.
    @Test("Weibull: shape and scale within 4 SE",
          arguments: [(0.5, 3600.0), (2.0, 1.0), (0.35, 7200.0), (5.0, 100.0)])
    func weibull(_ p: (shape: Double, scale: Double)) throws {
        let fit = try DistributionFit.weibull(Self.draw(Weibull(shape: p.shape, scale: p.scale), "wb\(p)"))
        let euler = 0.5772156649015329
        let seShape = (6.0 / (Double.pi * Double.pi)).squareRoot() * p.shape / Self.rootN
        let seScale = (1 + 6 * (1 - euler) * (1 - euler) / (Double.pi * Double.pi)).squareRoot()
            * p.scale / (p.shape * Self.rootN)
        #expect(abs(fit.shape - p.shape) < 4 * seShape, "shape \(fit.shape) vs \(p.shape) ± \(4 * seShape)")
        #expect(abs(fit.scale - p.scale) < 4 * seScale, "scale \(fit.scale) vs \(p.scale) ± \(4 * seScale)")
    }

    @Test("Weibull shape solves the profile equation, and the fit beats nearby parameters")
    func weibullIsTheMaximum() throws {
        let x = Self.draw(Weibull(shape: 0.7, scale: 50), "wb-max", n: 2_000)
        let fit = try DistributionFit.weibull(x)
        let k = fit.shape
        let sk = x.reduce(0) { $0 + pow($1, k) }
        let skl = x.reduce(0) { $0 + pow($1, k) * log($1) }
        let meanLog = x.reduce(0) { $0 + log($1) } / Double(x.count)
        #expect(abs(skl / sk - 1 / k - meanLog) < 1e-9)
        let best = DistributionFit.logLikelihood(fit, x)!
        for (dk, dl) in [(1.01, 1.0), (0.99, 1.0), (1.0, 1.01), (1.0, 0.99)] {
            let other = Weibull(shape: k * dk, scale: fit.scale * dl)
            #expect(DistributionFit.logLikelihood(other, x)! < best)
        }
    }

    /// Pareto: Var(α̂) ≈ α²/n; the minimum exceeds xₘ by a factor (1 + t) with probability
    /// (1 + t)^(−nα) ≈ e^(−nαt), so t = 10/(nα).
    @Test("Pareto: shape within 4α/√n, scale within a factor 1 + 10/(nα)")
    func pareto() throws {
        let (alpha, xm) = (1.5, 60.0)
        let fit = try DistributionFit.pareto(Self.draw(Pareto(shape: alpha, scale: xm), "pareto"))
        #expect(abs(fit.shape - alpha) < 4 * alpha / Self.rootN, "shape \(fit.shape)")
        #expect(fit.scale >= xm && fit.scale < xm * (1 + 10 / (Double(Self.n) * alpha)), "scale \(fit.scale)")
    }

    /// Inverse Fisher information of the gamma: with D = aψ′(a) − 1,
    /// Var(â) = a/(nD), Var(θ̂) = θ²ψ′(a)/(nD).
    @Test("gamma: shape and scale within 4 SE", arguments: [(2.5, 1.5), (0.4, 2.0), (9.0, 600.0)])
    func gamma(_ p: (shape: Double, scale: Double)) throws {
        let fit = try DistributionFit.gamma(Self.draw(Gamma(shape: p.shape, scale: p.scale), "gamma\(p)"))
        let tri = DistributionFit.trigamma(p.shape)
        let d = p.shape * tri - 1
        let seShape = (p.shape / (Double(Self.n) * d)).squareRoot()
        let seScale = p.scale * (tri / (Double(Self.n) * d)).squareRoot()
        #expect(abs(fit.shape - p.shape) < 4 * seShape, "shape \(fit.shape) vs \(p.shape) ± \(4 * seShape)")
        #expect(abs(fit.scale - p.scale) < 4 * seScale, "scale \(fit.scale) vs \(p.scale) ± \(4 * seScale)")
    }

    // MARK: - Choosing a family

    static let choices: [(name: String, dist: any Distribution)] = [
        ("weibull", Weibull(shape: 0.5, scale: 3600)),
        ("lognormal", LogNormal(mu: 8, sigma: 1.5)),
        ("gamma", Gamma(shape: 3, scale: 100)),
        ("pareto", Pareto(shape: 1.5, scale: 60)),
    ]

    @Test("best picks the generating family, with a small KS distance", arguments: 0..<choices.count)
    func best(_ i: Int) throws {
        let (name, dist) = Self.choices[i]
        var g = RandomStreams(seed: 2026).stream("distribution-fit-best", entity: UInt64(i))
        let x = (0..<Self.n).map { _ in dist.sample(using: &g) }
        let ranked = try DistributionFit.ranked(x)
        #expect(ranked.count == DistributionFit.Family.allCases.count)
        #expect(ranked.first?.name == name, "ranking \(ranked.map { "\($0.name) \($0.aic)" })")
        // KS critical value at α = 0.001 without estimated parameters, 1.95/√n, bounds the
        // distance of the right family (estimating parameters only makes D smaller).
        #expect(ranked.first!.ks < 1.95 / Self.rootN)
        #expect(zip(ranked, ranked.dropFirst()).allSatisfy { $0.aic <= $1.aic })
        let b = try DistributionFit.best(x)
        #expect(b.name == name && b.aic == 2 * Double(b.family.parameterCount) - 2 * b.logLikelihood)
    }

    @Test("bad samples are rejected with a thrown FitError")
    func badSamples() {
        #expect(throws: DistributionFit.FitError.empty) { try DistributionFit.weibull([]) }
        #expect(throws: DistributionFit.FitError.notPositive(index: 1, value: 0)) { try DistributionFit.gamma([1, 0, 2]) }
        #expect(throws: DistributionFit.FitError.notPositive(index: 2, value: -3)) { try DistributionFit.exponential([1, 2, -3]) }
        #expect(throws: DistributionFit.FitError.notPositive(index: 0, value: .infinity)) { try DistributionFit.best([.infinity]) }
        #expect(throws: DistributionFit.FitError.allEqual(value: 5)) { try DistributionFit.logNormal([5, 5, 5]) }
        #expect(throws: DistributionFit.FitError.allEqual(value: 5)) { try DistributionFit.pareto([5, 5]) }
        #expect(DistributionFit.FitError.notPositive(index: 1, value: 0).description
                == "sample 1 is 0.0; durations must be finite and > 0")
        // Equal samples: only the one-parameter family can be fitted.
        #expect((try? DistributionFit.best([5, 5, 5]))?.name == "exponential")
    }

    // MARK: - Against GSL

    /// GSL's `gsl_sf_psi` and `gsl_sf_psi_1`, looked up at run time: the CGSL shim does not
    /// include `gsl_sf_psi.h`, but the test binary links libgsl.
    static func gsl(_ name: String) -> (@convention(c) (Double) -> Double)? {
        var sym = dlsym(UnsafeMutableRawPointer(bitPattern: 0), name)
        if sym == nil, let h = dlopen("libgsl.so.27", RTLD_NOW) ?? dlopen("libgsl.so", RTLD_NOW) {
            sym = dlsym(h, name)
        }
        guard let sym else { return nil }
        return unsafeBitCast(sym, to: (@convention(c) (Double) -> Double).self)
    }

    static let points: [Double] = [1e-6, 1e-3, 0.1, 0.4, 0.5, 1, 1.4616321449683622, 2, 2.5, 3.7, 9.99,
                                   10, 12.5, 50, 1e3, 1e6, -0.5, -1.3, -7.25]

    @Test("digamma and trigamma agree with gsl_sf_psi and gsl_sf_psi_1")
    func specialFunctions() throws {
        // Keep a GSL symbol referenced so libgsl stays linked.
        _ = gsl_cdf_ugaussian_P(0)
        let psi = try #require(Self.gsl("gsl_sf_psi"))
        let psi1 = try #require(Self.gsl("gsl_sf_psi_1"))
        for x in Self.points {
            let (a, b) = (DistributionFit.digamma(x), psi(x))
            // Absolute near the root x₀ ≈ 1.4616, relative elsewhere.
            #expect(abs(a - b) <= 1e-13 * max(1, abs(b)), "ψ(\(x)) = \(a), GSL \(b)")
            let (c, d) = (DistributionFit.trigamma(x), psi1(x))
            #expect(abs(c - d) <= 1e-12 * abs(d), "ψ′(\(x)) = \(c), GSL \(d)")
        }
        #expect(DistributionFit.digamma(0).isNaN && DistributionFit.digamma(-2).isNaN)
        #expect(DistributionFit.trigamma(-3).isNaN)
    }

    struct DensityCase: CustomTestStringConvertible, Sendable {
        let name: String
        let dist: any Distribution
        let pdf: @Sendable (Double) -> Double
        let cdf: @Sendable (Double) -> Double
        var testDescription: String { name }
    }

    static let densities: [DensityCase] = [
        DensityCase(name: "exponential(mean 3)", dist: Exponential(mean: 3),
                    pdf: { gsl_ran_exponential_pdf($0, 3) }, cdf: { gsl_cdf_exponential_P($0, 3) }),
        DensityCase(name: "weibull(0.5, 3600)", dist: Weibull(shape: 0.5, scale: 3600),
                    pdf: { gsl_ran_weibull_pdf($0, 3600, 0.5) }, cdf: { gsl_cdf_weibull_P($0, 3600, 0.5) }),
        DensityCase(name: "lognormal(1, 0.5)", dist: LogNormal(mu: 1, sigma: 0.5),
                    pdf: { gsl_ran_lognormal_pdf($0, 1, 0.5) }, cdf: { gsl_cdf_lognormal_P($0, 1, 0.5) }),
        DensityCase(name: "gamma(2.5, 1.5)", dist: Gamma(shape: 2.5, scale: 1.5),
                    pdf: { gsl_ran_gamma_pdf($0, 2.5, 1.5) }, cdf: { gsl_cdf_gamma_P($0, 2.5, 1.5) }),
        DensityCase(name: "gamma(0.4, 2)", dist: Gamma(shape: 0.4, scale: 2),
                    pdf: { gsl_ran_gamma_pdf($0, 0.4, 2) }, cdf: { gsl_cdf_gamma_P($0, 0.4, 2) }),
        DensityCase(name: "gamma(150, 0.1)", dist: Gamma(shape: 150, scale: 0.1),
                    pdf: { gsl_ran_gamma_pdf($0, 150, 0.1) }, cdf: { gsl_cdf_gamma_P($0, 150, 0.1) }),
        DensityCase(name: "pareto(1.5, 60)", dist: Pareto(shape: 1.5, scale: 60),
                    pdf: { gsl_ran_pareto_pdf($0, 1.5, 60) }, cdf: { gsl_cdf_pareto_P($0, 1.5, 60) }),
    ]

    @Test("log-densities and CDFs agree with GSL", arguments: densities)
    func densityAgainstGSL(_ c: DensityCase) {
        for x in [0.05, 0.5, 1, 2.7, 10, 14, 15, 16, 61, 100, 3600, 1e5] {
            let ll = DistributionFit.logLikelihood(c.dist, [x])!
            let gpdf = c.pdf(x)
            if gpdf > 1e-300 {
                #expect(abs(ll - log(gpdf)) <= 1e-10 * max(1, abs(ll)), "ln f(\(x)) = \(ll), GSL \(log(gpdf))")
            } else {
                #expect(ll < -600, "ln f(\(x)) = \(ll)")
            }
            let (f, g) = (DistributionFit.cdf(c.dist, x)!, c.cdf(x))
            #expect(abs(f - g) <= 1e-12, "F(\(x)) = \(f), GSL \(g)")
        }
    }
}
