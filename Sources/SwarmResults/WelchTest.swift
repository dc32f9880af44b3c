internal import CGSL

/// Welch's two-sample t-test (Welch, "The generalization of 'Student's' problem when several
/// different population variances are involved", Biometrika 34, 1947): do two samples with
/// possibly different variances have the same mean?
///
///     t = (x̄ − ȳ) / √(s²ₓ/n + s²ᵧ/m)
///     ν = (s²ₓ/n + s²ᵧ/m)² / ((s²ₓ/n)²/(n−1) + (s²ᵧ/m)²/(m−1))   (Welch–Satterthwaite)
///     p = 2 · P(T_ν > |t|)                                         (two-sided, GSL's `gsl_cdf_tdist_Q`)
public struct WelchTest: Sendable, Equatable {
    public let t: Double
    public let degreesOfFreedom: Double
    /// Two-sided p-value: the chance of a |t| at least this large if the means were equal.
    public let pValue: Double

    /// The test of `a` against `b`; nil when either has fewer than two values. Two samples
    /// without spread give p = 1 when their means are equal and p = 0 otherwise.
    public init?(_ a: [Double], _ b: [Double]) {
        guard a.count >= 2, b.count >= 2 else { return nil }
        func meanAndVariance(_ x: [Double]) -> (Double, Double) {
            let m = x.reduce(0, +) / Double(x.count)
            return (m, x.reduce(0) { $0 + ($1 - m) * ($1 - m) } / Double(x.count - 1))
        }
        let (ma, va) = meanAndVariance(a), (mb, vb) = meanAndVariance(b)
        let qa = va / Double(a.count), qb = vb / Double(b.count)
        let se = (qa + qb).squareRoot()
        guard se > 0 else {
            t = ma == mb ? 0 : (ma > mb ? .infinity : -.infinity)
            degreesOfFreedom = Double(a.count + b.count - 2)
            pValue = ma == mb ? 1 : 0
            return
        }
        t = (ma - mb) / se
        degreesOfFreedom = (qa + qb) * (qa + qb) / (qa * qa / Double(a.count - 1) + qb * qb / Double(b.count - 1))
        pValue = min(1, 2 * gsl_cdf_tdist_Q(abs(t), degreesOfFreedom))
    }
}
