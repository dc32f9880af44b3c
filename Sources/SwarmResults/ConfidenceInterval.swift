internal import CGSL
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A mean over independent replications with its two-sided Student-t confidence interval.
///
/// Why t and not the normal quantile: sweeps run few replications (5–30), where the normal
/// interval is too narrow. The quantile comes from GSL (`gsl_cdf_tdist_Pinv`).
public struct ConfidenceInterval: Sendable, Equatable, CustomStringConvertible {
    public let mean: Double
    /// Half the interval's width: the interval is mean ± halfWidth.
    public let halfWidth: Double
    /// Confidence level, e.g. 0.95.
    public let level: Double
    /// Number of replications.
    public let count: Int

    public var lower: Double { mean - halfWidth }
    public var upper: Double { mean + halfWidth }

    /// The interval for the mean of `values` at `level`; nil with fewer than two values
    /// (no spread can be estimated from one).
    public init?(_ values: [Double], level: Double = 0.95) {
        precondition(level > 0 && level < 1, "confidence level must lie in (0, 1)")
        guard values.count >= 2 else { return nil }
        var s = 0.0
        for v in values { s += v }
        let mean = s / Double(values.count)
        var ss = 0.0
        for v in values { ss += (v - mean) * (v - mean) }
        let sd = (ss / Double(values.count - 1)).squareRoot()
        let t = ConfidenceInterval.studentQuantile(1 - (1 - level) / 2, degreesOfFreedom: values.count - 1)
        self.mean = mean
        self.halfWidth = t * sd / Double(values.count).squareRoot()
        self.level = level
        self.count = values.count
    }

    /// The `p`-quantile of Student's t with `degreesOfFreedom` degrees of freedom.
    public static func studentQuantile(_ p: Double, degreesOfFreedom: Int) -> Double {
        gsl_cdf_tdist_Pinv(p, Double(degreesOfFreedom))
    }

    /// `12.3 ± 0.4 (95% CI, n=10)`.
    public var description: String {
        "\(format(mean)) ± \(format(halfWidth)) (\(Int((level * 100).rounded()))% CI, n=\(count))"
    }

    private func format(_ x: Double) -> String {
        let a = abs(x)
        let digits = a == 0 ? 3 : max(0, 3 - Int(log10(a).rounded(.down)))
        var p = 1.0
        for _ in 0..<min(digits, 12) { p *= 10 }
        return "\((x * p).rounded() / p)"
    }
}

