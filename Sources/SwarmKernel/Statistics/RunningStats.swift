#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Streaming count, mean, variance, minimum and maximum in O(1) memory.
///
/// Welford's update (Technometrics 1962) for numerical stability; `merge` combines two
/// accumulators exactly (Chan, Golub and LeVeque, 1979), so shards and threads can each keep
/// their own and join them at the end.
public struct RunningStats: Sendable, Equatable {
    public private(set) var count: Int = 0
    public private(set) var mean: Double = 0
    @usableFromInline var m2: Double = 0
    public private(set) var min: Double = .infinity
    public private(set) var max: Double = -.infinity

    public init() {}

    public init<S: Sequence>(_ values: S) where S.Element == Double {
        for v in values { add(v) }
    }

    public mutating func add(_ x: Double) {
        count += 1
        let d = x - mean
        mean += d / Double(count)
        m2 += d * (x - mean)
        if x < min { min = x }
        if x > max { max = x }
    }

    /// Folds `other` in, as if its values had been added here.
    public mutating func merge(_ other: RunningStats) {
        guard other.count > 0 else { return }
        guard count > 0 else { self = other; return }
        let n = Double(count + other.count)
        let d = other.mean - mean
        mean += d * Double(other.count) / n
        m2 += other.m2 + d * d * Double(count) * Double(other.count) / n
        count += other.count
        min = Swift.min(min, other.min)
        max = Swift.max(max, other.max)
    }

    /// Unbiased sample variance (n − 1 in the denominator); 0 below two values.
    public var variance: Double { count > 1 ? m2 / Double(count - 1) : 0 }
    public var standardDeviation: Double { variance.squareRoot() }
    /// Standard error of the mean.
    public var standardError: Double { count > 0 ? (variance / Double(count)).squareRoot() : .nan }
}

/// One quantile of a stream in O(1) memory by the P² algorithm (Jain and Chlamtac,
/// "The P² algorithm for dynamic calculation of quantiles and histograms without storing
/// observations", CACM 1985): five markers adjusted by piecewise-parabolic interpolation.
/// Exact for the first five values; afterwards an estimate whose error shrinks with n.
public struct P2Quantile: Sendable {
    public let p: Double
    var q = [Double](repeating: 0, count: 5)     // marker heights
    var n = [Double](repeating: 0, count: 5)     // marker positions
    var desired = [Double](repeating: 0, count: 5)
    var increment = [Double](repeating: 0, count: 5)
    public private(set) var count = 0

    /// Tracks the `p`-quantile, 0 < p < 1.
    public init(_ p: Double) {
        precondition(p > 0 && p < 1, "P2Quantile needs 0 < p < 1")
        self.p = p
        desired = [0, 2 * p, 4 * p, 2 + 2 * p, 4]
        increment = [0, p / 2, p, (1 + p) / 2, 1]
    }

    public mutating func add(_ x: Double) {
        if count < 5 {
            q[count] = x
            count += 1
            if count == 5 {
                q.sort()
                n = [0, 1, 2, 3, 4]
            }
            return
        }
        count += 1
        var k: Int
        if x < q[0] { q[0] = x; k = 0 }
        else if x >= q[4] { q[4] = x; k = 3 }
        else { k = 0; while x >= q[k + 1] { k += 1 } }
        for i in (k + 1)..<5 { n[i] += 1 }
        for i in 0..<5 { desired[i] += increment[i] }
        for i in 1...3 {
            let d = desired[i] - n[i]
            if (d >= 1 && n[i + 1] - n[i] > 1) || (d <= -1 && n[i - 1] - n[i] < -1) {
                let s: Double = d >= 0 ? 1 : -1
                let parabolic = q[i] + s / (n[i + 1] - n[i - 1]) * (
                    (n[i] - n[i - 1] + s) * (q[i + 1] - q[i]) / (n[i + 1] - n[i]) +
                    (n[i + 1] - n[i] - s) * (q[i] - q[i - 1]) / (n[i] - n[i - 1]))
                if q[i - 1] < parabolic && parabolic < q[i + 1] {
                    q[i] = parabolic
                } else {
                    let j = i + Int(s)
                    q[i] += s * (q[j] - q[i]) / (n[j] - n[i])
                }
                n[i] += s
            }
        }
    }

    /// The current estimate; for fewer than five values, the exact quantile of those seen
    /// (nearest rank); `nan` when empty.
    public var value: Double {
        if count == 0 { return .nan }
        if count < 5 {
            let sorted = q[0..<count].sorted()
            let rank = Int((p * Double(count)).rounded(.up)) - 1
            return sorted[Swift.max(0, Swift.min(count - 1, rank))]
        }
        return q[2]
    }
}
