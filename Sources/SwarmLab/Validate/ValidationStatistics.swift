/// The statistics `swarmlab validate` compares a simulation and a reference run with.
public enum ValidationStatistics {
    /// Two-sample Kolmogorov–Smirnov distance: the largest gap between the two empirical
    /// distribution functions, sup |F₁(x) − F₂(x)| (Smirnov 1939), in [0, 1]; 0 for identical
    /// samples, 1 for disjoint ones. NaN when either sample is empty.
    /// - Complexity: O((n + m) log(n + m)).
    public static func ksDistance(_ a: [Double], _ b: [Double]) -> Double {
        guard !a.isEmpty, !b.isEmpty else { return .nan }
        let x = a.sorted(), y = b.sorted()
        var i = 0, j = 0, d = 0.0
        while i < x.count && j < y.count {
            let v = min(x[i], y[j])
            while i < x.count && x[i] == v { i += 1 }   // step over ties on both sides at once
            while j < y.count && y[j] == v { j += 1 }
            d = max(d, abs(Double(i) / Double(x.count) - Double(j) / Double(y.count)))
        }
        return d
    }

    /// |simulated − measured| / measured; NaN when the measurement is 0 or missing.
    public static func relativeError(simulated: Double, measured: Double) -> Double {
        guard measured.isFinite, simulated.isFinite, measured != 0 else { return .nan }
        return abs(simulated - measured) / abs(measured)
    }

    /// Median of the finite values (NaN when none).
    public static func median(_ values: [Double]) -> Double {
        let v = values.filter(\.isFinite).sorted()
        guard !v.isEmpty else { return .nan }
        return v.count % 2 == 1 ? v[v.count / 2] : (v[v.count / 2 - 1] + v[v.count / 2]) / 2
    }

    /// Median and largest |a[i] − b[i]| over the indices where both are finite.
    public static func pairedError(_ a: [Double], _ b: [Double]) -> (median: Double, max: Double, count: Int) {
        let gaps = zip(a, b).compactMap { x, y in x.isFinite && y.isFinite ? abs(x - y) : nil }
        return (median(gaps), gaps.max() ?? .nan, gaps.count)
    }

    /// The `p`-quantile of the finite values, interpolating linearly between order
    /// statistics (Hyndman and Fan 1996, type 7: h = (n − 1)·p, x₍⌊h⌋₎ + (h − ⌊h⌋)(x₍⌊h⌋+1₎ − x₍⌊h⌋₎),
    /// 0-based); NaN when none.
    public static func percentile(_ values: [Double], _ p: Double) -> Double {
        let v = values.filter(\.isFinite).sorted()
        guard !v.isEmpty else { return .nan }
        let h = Double(v.count - 1) * min(1, max(0, p))
        let l = Int(h.rounded(.down))
        return l + 1 < v.count ? v[l] + (h - Double(l)) * (v[l + 1] - v[l]) : v[l]
    }
}
