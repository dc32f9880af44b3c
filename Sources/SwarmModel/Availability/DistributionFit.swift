#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import SwarmKernel

/// Maximum-likelihood fits of the kernel's positive distributions to observed durations
/// (availability and unavailability intervals, in seconds), and the choice among them.
///
/// The method follows Javadi, Kondo, Vincent and Anderson, "Discovering statistical models of
/// availability in large distributed systems: an empirical study of SETI@home" (MASCOTS
/// 2011): fit each candidate family by maximum likelihood, then compare. Here candidates
/// are ranked by Akaike's information criterion, AIC = 2p − 2 ln L (p parameters), which for
/// equal p is ranking by log-likelihood; the Kolmogorov–Smirnov distance D is reported
/// beside it (Javadi et al. use KS and Anderson–Darling p-values on subsamples; with
/// millions of intervals every p-value is ≈ 0, so D is given as a distance, not a test).
///
/// Equations are in `docs/models/availability-fitting.md`:
/// - exponential: mean = x̄;
/// - log-normal: μ = mean of ln x, σ² = mean of (ln x − μ)² (n in the denominator);
/// - Weibull: shape k solves Σ xᵏ ln x / Σ xᵏ − 1/k − mean(ln x) = 0 (Cohen, "Maximum
///   likelihood estimation in the Weibull distribution based on complete and on censored
///   samples", Technometrics 1965) by safeguarded Newton–Raphson; scale λ = (mean xᵏ)^{1/k};
/// - Pareto: xₘ = min x, α = n / Σ ln(x / xₘ);
/// - gamma: shape a solves ln a − ψ(a) = ln x̄ − mean(ln x) by Minka's generalized Newton
///   iteration ("Estimating a Gamma distribution", 2002); scale θ = x̄ / a.
///
/// Samples must be non-empty, finite and > 0; otherwise the fits throw ``FitError`` (traces
/// are user data, so bad input is an error, not a crash). Families with two parameters also
/// need at least two distinct values.
///
/// - Complexity: O(n) per fit; the Weibull iteration costs O(n) per step (typically < 10
///   steps), the gamma one O(1) per step (it needs only x̄ and mean(ln x));
///   ``ranked(_:among:)`` also sorts once, O(n log n), for the KS distances.
public enum DistributionFit {
    public enum FitError: Error, Equatable, CustomStringConvertible {
        /// No samples.
        case empty
        /// `samples[index]` is zero, negative, infinite or NaN.
        case notPositive(index: Int, value: Double)
        /// Every sample has the same value: a two-parameter family has no maximum.
        case allEqual(value: Double)
        /// The iteration for `family`'s shape did not converge.
        case didNotConverge(family: String)

        public var description: String {
            switch self {
            case .empty: return "cannot fit a distribution to no samples"
            case let .notPositive(i, v): return "sample \(i) is \(v); durations must be finite and > 0"
            case let .allEqual(v): return "every sample is \(v); a two-parameter fit needs distinct values"
            case let .didNotConverge(f): return "the \(f) shape iteration did not converge"
            }
        }
    }

    /// The candidate families.
    public enum Family: String, Sendable, CaseIterable {
        case exponential, weibull, lognormal, gamma, pareto

        /// Number of fitted parameters (for AIC).
        public var parameterCount: Int { self == .exponential ? 1 : 2 }
    }

    /// One fitted candidate and how well it fits the sample.
    public struct Fitted: Sendable {
        public let family: Family
        /// The family's name (`family.rawValue`).
        public var name: String { family.rawValue }
        /// The fitted distribution: an `Exponential`, `Weibull`, `LogNormal`, `Gamma` or `Pareto`.
        public let distribution: any Distribution
        /// Σ ln f(xᵢ) at the fitted parameters.
        public let logLikelihood: Double
        /// 2p − 2 ln L.
        public let aic: Double
        /// Kolmogorov–Smirnov distance sup |Fₙ(x) − F(x)| between the sample and the fit.
        public let ks: Double
    }

    // MARK: - Fits

    /// Exponential: mean = x̄.
    public static func exponential(_ samples: [Double]) throws(FitError) -> Exponential {
        try validate(samples)
        return Exponential(mean: samples.reduce(0, +) / Double(samples.count))
    }

    /// Log-normal: μ and σ are the mean and (n-denominator) standard deviation of ln x.
    public static func logNormal(_ samples: [Double]) throws(FitError) -> LogNormal {
        try validate(samples, spread: true)
        let n = Double(samples.count)
        var mu = 0.0
        for x in samples { mu += log(x) }
        mu /= n
        var ss = 0.0
        for x in samples { let d = log(x) - mu; ss += d * d }
        return LogNormal(mu: mu, sigma: (ss / n).squareRoot())
    }

    /// Weibull: the shape solves Cohen's (1965) profile equation
    /// g(k) = Σ xᵏ ln x / Σ xᵏ − 1/k − mean(ln x) = 0, which is increasing in k with one root,
    /// by Newton–Raphson kept inside a shrinking bracket (bisection when a step leaves it),
    /// starting from Menon's (1963) estimate k₀ = π / (√6 · sd(ln x)); then λ = (mean xᵏ)^{1/k}.
    /// Logs are centred and weights scaled by their maximum, so no xᵏ overflows.
    public static func weibull(_ samples: [Double]) throws(FitError) -> Weibull {
        try validate(samples, spread: true)
        let n = Double(samples.count)
        var logs = samples.map { log($0) }
        let meanLog = logs.reduce(0, +) / n
        var ss = 0.0, lmax = -Double.infinity
        for i in logs.indices {
            logs[i] -= meanLog
            ss += logs[i] * logs[i]
            lmax = max(lmax, logs[i])
        }
        // g(k) and g'(k) with l = centred logs, w = exp(k (l − lmax)).
        func profile(_ k: Double) -> (g: Double, dg: Double, s0: Double) {
            var s0 = 0.0, s1 = 0.0, s2 = 0.0
            for l in logs {
                let w = exp(k * (l - lmax))
                s0 += w; s1 += w * l; s2 += w * l * l
            }
            let m1 = s1 / s0
            return (m1 - 1 / k, s2 / s0 - m1 * m1 + 1 / (k * k), s0)
        }
        var k = Double.pi / (6.0.squareRoot() * (ss / n).squareRoot())
        var lo = 0.0, hi = Double.infinity
        var converged = false
        for _ in 0..<200 {
            let (g, dg, _) = profile(k)
            if g < 0 { lo = k } else { hi = k }
            var next = k - g / dg
            if !(next > lo && next < hi) || !next.isFinite {
                next = hi.isFinite ? (lo + hi) / 2 : 2 * k
            }
            if abs(next - k) <= 1e-12 * k { k = next; converged = true; break }
            k = next
        }
        guard converged, k.isFinite, k > 0 else { throw .didNotConverge(family: "weibull") }
        let s0 = profile(k).s0
        // λ = exp(meanLog) · (Σ exp(k l) / n)^{1/k} = exp(meanLog + lmax + ln(s0 / n) / k).
        let scale = exp(meanLog + lmax + log(s0 / n) / k)
        return Weibull(shape: k, scale: scale)
    }

    /// Pareto (type I): xₘ = min x (the likelihood grows with xₘ up to the smallest sample),
    /// α = n / Σ ln(x / xₘ).
    public static func pareto(_ samples: [Double]) throws(FitError) -> Pareto {
        try validate(samples, spread: true)
        let xm = samples.min()!
        var s = 0.0
        for x in samples { s += log(x / xm) }
        return Pareto(shape: Double(samples.count) / s, scale: xm)
    }

    /// Gamma: with s = ln x̄ − mean(ln x) > 0, the shape solves ln a − ψ(a) = s. Minka (2002)
    /// starts from a₀ = (3 − s + √((s − 3)² + 24s)) / (12s) and iterates
    /// 1/a ← 1/a + (mean(ln x) − ln x̄ + ln a − ψ(a)) / (a²(1/a − ψ′(a))), which converges
    /// in a handful of steps for every s; θ = x̄ / a.
    public static func gamma(_ samples: [Double]) throws(FitError) -> Gamma {
        try validate(samples, spread: true)
        let n = Double(samples.count)
        var sum = 0.0, sumLog = 0.0
        for x in samples { sum += x; sumLog += log(x) }
        let mean = sum / n, meanLog = sumLog / n
        let s = log(mean) - meanLog
        guard s > 0 else { throw .allEqual(value: samples[0]) }
        var a = (3 - s + ((s - 3) * (s - 3) + 24 * s).squareRoot()) / (12 * s)
        var converged = false
        for _ in 0..<100 {
            let next = 1 / (1 / a + (meanLog - log(mean) + log(a) - digamma(a)) / (a * a * (1 / a - trigamma(a))))
            guard next.isFinite, next > 0 else { break }
            if abs(next - a) <= 1e-12 * a { a = next; converged = true; break }
            a = next
        }
        guard converged else { throw .didNotConverge(family: "gamma") }
        return Gamma(shape: a, scale: mean / a)
    }

    // MARK: - Choosing

    /// Fits one family and measures the fit.
    public static func fit(_ family: Family, _ samples: [Double]) throws(FitError) -> Fitted {
        try validate(samples)
        return try measure(family, samples, sorted: samples.sorted())
    }

    /// Every family in `families` that can be fitted, best first: ascending AIC, ties in the
    /// order given. Throws only when the samples themselves are invalid.
    public static func ranked(_ samples: [Double],
                              among families: [Family] = Family.allCases) throws(FitError) -> [Fitted] {
        try validate(samples)
        let sorted = samples.sorted()
        var fits: [Fitted] = []
        for f in families {
            if let fitted = try? measure(f, samples, sorted: sorted) { fits.append(fitted) }
        }
        // Stable: Swift's sort is not guaranteed stable, so break ties by position.
        return fits.enumerated().sorted { a, b in
            a.element.aic < b.element.aic || (a.element.aic == b.element.aic && a.offset < b.offset)
        }.map(\.element)
    }

    /// The family with the lowest AIC (equivalently, for equal parameter counts, the highest
    /// log-likelihood). The exponential, one parameter fewer, wins unless a two-parameter
    /// family raises ln L by more than 1.
    public static func best(_ samples: [Double],
                            among families: [Family] = Family.allCases) throws(FitError) -> Fitted {
        let r = try ranked(samples, among: families)
        guard let first = r.first else { throw .allEqual(value: samples[0]) }
        return first
    }

    /// Σ ln f(xᵢ) for one of the five families' distributions (nil for any other type).
    public static func logLikelihood(_ d: any Distribution, _ samples: [Double]) -> Double? {
        guard let m = Model(d) else { return nil }
        var s = 0.0
        for x in samples { s += m.logPDF(x) }
        return s
    }

    /// The CDF of one of the five families' distributions at `x` (nil for any other type).
    public static func cdf(_ d: any Distribution, _ x: Double) -> Double? {
        Model(d)?.cdf(x)
    }

    static func measure(_ family: Family, _ samples: [Double], sorted: [Double]) throws(FitError) -> Fitted {
        let d: any Distribution
        switch family {
        case .exponential: d = try exponential(samples)
        case .weibull: d = try weibull(samples)
        case .lognormal: d = try logNormal(samples)
        case .gamma: d = try gamma(samples)
        case .pareto: d = try pareto(samples)
        }
        let m = Model(d)!
        var ll = 0.0
        for x in samples { ll += m.logPDF(x) }
        let n = Double(sorted.count)
        var ks = 0.0
        for (i, x) in sorted.enumerated() {
            let f = m.cdf(x)
            ks = max(ks, f - Double(i) / n, Double(i + 1) / n - f)
        }
        return Fitted(family: family, distribution: d, logLikelihood: ll,
                      aic: 2 * Double(family.parameterCount) - 2 * ll, ks: ks)
    }

    static func validate(_ samples: [Double], spread: Bool = false) throws(FitError) {
        guard let first = samples.first else { throw .empty }
        var distinct = false
        for (i, x) in samples.enumerated() {
            guard x > 0 && x.isFinite else { throw .notPositive(index: i, value: x) }
            if x != first { distinct = true }
        }
        if spread && !distinct { throw .allEqual(value: first) }
    }

    // MARK: - Densities and distribution functions

    /// A fitted family with its log-density and CDF (the kernel's structs only sample).
    enum Model {
        case exponential(Exponential), weibull(Weibull), lognormal(LogNormal), gamma(Gamma), pareto(Pareto)

        init?(_ d: any Distribution) {
            switch d {
            case let e as Exponential: self = .exponential(e)
            case let w as Weibull: self = .weibull(w)
            case let l as LogNormal: self = .lognormal(l)
            case let g as Gamma: self = .gamma(g)
            case let p as Pareto: self = .pareto(p)
            default: return nil
            }
        }

        func logPDF(_ x: Double) -> Double {
            guard x > 0 else { return -.infinity }
            switch self {
            case let .exponential(e):
                return -log(e.mean) - x / e.mean
            case let .weibull(w):
                let z = x / w.scale
                return log(w.shape / w.scale) + (w.shape - 1) * log(z) - pow(z, w.shape)
            case let .lognormal(l):
                let z = (log(x) - l.mu) / l.sigma
                return -log(x) - log(l.sigma) - 0.5 * log(2 * Double.pi) - 0.5 * z * z
            case let .gamma(g):
                return -lgamma(g.shape) - g.shape * log(g.scale) + (g.shape - 1) * log(x) - x / g.scale
            case let .pareto(p):
                guard x >= p.scale else { return -.infinity }
                return log(p.shape) + p.shape * log(p.scale) - (p.shape + 1) * log(x)
            }
        }

        func cdf(_ x: Double) -> Double {
            guard x > 0 else { return 0 }
            switch self {
            case let .exponential(e): return -expm1(-x / e.mean)
            case let .weibull(w): return -expm1(-pow(x / w.scale, w.shape))
            case let .lognormal(l): return 0.5 * erfc(-(log(x) - l.mu) / (l.sigma * 2.0.squareRoot()))
            case let .gamma(g): return DistributionFit.regularizedGammaP(g.shape, x / g.scale)
            case let .pareto(p): return x <= p.scale ? 0 : -expm1(p.shape * log(p.scale / x))
            }
        }
    }

    // MARK: - Special functions

    /// The digamma function ψ(x) = Γ′(x)/Γ(x): the recurrence ψ(x) = ψ(x + 1) − 1/x up to
    /// x ≥ 10, then the asymptotic series ln x − 1/(2x) − Σ B₂ₖ/(2k x²ᵏ) to k = 6; reflection
    /// ψ(x) = ψ(1 − x) − π cot(πx) below 0. Relative error < 1e-13 away from its root
    /// (checked against GSL's `gsl_sf_psi` in the tests); NaN at 0, −1, −2, …
    public static func digamma(_ x: Double) -> Double {
        if x.isNaN || x == -.infinity { return .nan }
        if x <= 0 {
            if x == x.rounded() { return .nan }
            return digamma(1 - x) - Double.pi / tan(Double.pi * x)
        }
        var x = x, r = 0.0
        while x < 10 { r -= 1 / x; x += 1 }
        let f = 1 / (x * x)
        let tail = f * (1.0 / 12 - f * (1.0 / 120 - f * (1.0 / 252 - f * (1.0 / 240 - f * (1.0 / 132 - f * 691.0 / 32760)))))
        return r + log(x) - 0.5 / x - tail
    }

    /// The trigamma function ψ′(x): ψ′(x) = ψ′(x + 1) + 1/x² up to x ≥ 10, then
    /// 1/x + 1/(2x²) + Σ B₂ₖ/x²ᵏ⁺¹ to k = 6; reflection ψ′(1 − x) + ψ′(x) = π²/sin²(πx)
    /// below 0 (checked against GSL's `gsl_sf_psi_1`); NaN at 0, −1, −2, …
    public static func trigamma(_ x: Double) -> Double {
        if x.isNaN || x == -.infinity { return .nan }
        if x <= 0 {
            if x == x.rounded() { return .nan }
            let s = sin(Double.pi * x)
            return -trigamma(1 - x) + Double.pi * Double.pi / (s * s)
        }
        var x = x, r = 0.0
        while x < 10 { r += 1 / (x * x); x += 1 }
        let f = 1 / (x * x)
        let series = 1.0 / 6 - f * (1.0 / 30 - f * (1.0 / 42 - f * (1.0 / 30 - f * (5.0 / 66 - f * 691.0 / 2730))))
        return r + 1 / x + 0.5 * f + series * f / x
    }

    /// The regularized lower incomplete gamma function P(a, x) = γ(a, x)/Γ(a): its power
    /// series for x < a + 1, else 1 − Q(a, x) from the continued fraction evaluated by
    /// modified Lentz (Press et al., Numerical Recipes, 3rd ed., §6.2).
    static func regularizedGammaP(_ a: Double, _ x: Double) -> Double {
        guard x > 0 else { return 0 }
        let logPrefix = -x + a * log(x) - lgamma(a)
        if x < a + 1 {
            var term = 1 / a, sum = term, ap = a
            for _ in 0..<100_000 {
                ap += 1
                term *= x / ap
                sum += term
                if abs(term) < abs(sum) * 1e-16 { break }
            }
            return min(1, sum * exp(logPrefix))
        }
        let tiny = 1e-300
        var b = x + 1 - a, c = 1 / tiny, d = 1 / b, h = d
        for i in 1...100_000 {
            let an = -Double(i) * (Double(i) - a)
            b += 2
            d = an * d + b; if abs(d) < tiny { d = tiny }
            c = b + an / c; if abs(c) < tiny { c = tiny }
            d = 1 / d
            let delta = d * c
            h *= delta
            if abs(delta - 1) < 1e-16 { break }
        }
        return max(0, 1 - exp(logPrefix) * h)
    }
}
