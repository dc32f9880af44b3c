#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A distribution of non-random parameters that draws doubles from any generator.
///
/// Samplers are pure functions of the generator's output, written out here (not taken from
/// the standard library), so a seed gives the same numbers on every platform and version.
/// Each is checked against GSL's implementation or closed form in `SwarmKernelTests`.
public protocol Distribution: Sendable {
    /// One draw.
    func sample<G: RandomNumberGenerator>(using g: inout G) -> Double
    /// The distribution's mean (may be `.infinity`).
    var mean: Double { get }
    /// The distribution's variance (may be `.infinity`).
    var variance: Double { get }
}

/// Uniform on [lower, upper).
public struct Uniform: Distribution {
    public let lower: Double, upper: Double
    public init(_ lower: Double, _ upper: Double) {
        precondition(lower < upper, "Uniform needs lower < upper")
        self.lower = lower; self.upper = upper
    }
    @inlinable public func sample<G: RandomNumberGenerator>(using g: inout G) -> Double {
        lower + (upper - lower) * g.nextUnit()
    }
    public var mean: Double { (lower + upper) / 2 }
    public var variance: Double { (upper - lower) * (upper - lower) / 12 }
}

/// Exponential with the given mean (= 1 / rate), by inversion.
public struct Exponential: Distribution {
    public let mean: Double
    public init(mean: Double) {
        precondition(mean > 0 && mean.isFinite, "Exponential needs a positive, finite mean")
        self.mean = mean
    }
    public init(rate: Double) { self.init(mean: 1 / rate) }
    @inlinable public func sample<G: RandomNumberGenerator>(using g: inout G) -> Double {
        -mean * log(g.nextOpenUnit())
    }
    public var variance: Double { mean * mean }
}

/// Normal (Gaussian) with mean μ and standard deviation σ, by the Box–Muller transform
/// (two uniforms per draw, no cached second value: a sampler holds no state).
public struct Normal: Distribution {
    public let mu: Double, sigma: Double
    public init(mean mu: Double, sd sigma: Double) {
        precondition(sigma > 0 && sigma.isFinite, "Normal needs a positive standard deviation")
        self.mu = mu; self.sigma = sigma
    }
    @inlinable public func sample<G: RandomNumberGenerator>(using g: inout G) -> Double {
        mu + sigma * Normal.standard(using: &g)
    }
    @inlinable public static func standard<G: RandomNumberGenerator>(using g: inout G) -> Double {
        let u1 = g.nextOpenUnit(), u2 = g.nextUnit()
        return (-2 * log(u1)).squareRoot() * cos(2 * Double.pi * u2)
    }
    public var mean: Double { mu }
    public var variance: Double { sigma * sigma }
}

/// Log-normal: exp(N(μ, σ)), μ and σ on the log scale (GSL's `zeta` and `sigma`).
public struct LogNormal: Distribution {
    public let mu: Double, sigma: Double
    public init(mu: Double, sigma: Double) {
        precondition(sigma > 0 && sigma.isFinite, "LogNormal needs a positive sigma")
        self.mu = mu; self.sigma = sigma
    }
    @inlinable public func sample<G: RandomNumberGenerator>(using g: inout G) -> Double {
        exp(mu + sigma * Normal.standard(using: &g))
    }
    public var mean: Double { exp(mu + sigma * sigma / 2) }
    public var variance: Double { (exp(sigma * sigma) - 1) * exp(2 * mu + sigma * sigma) }
}

/// Weibull with shape k and scale λ, by inversion: λ(−ln U)^{1/k}. The model of volunteer
/// host availability intervals in Javadi, Kondo, Vincent and Anderson, "Discovering
/// statistical models of availability in large distributed systems" (MASCOTS 2011).
public struct Weibull: Distribution {
    public let shape: Double, scale: Double
    public init(shape: Double, scale: Double) {
        precondition(shape > 0 && scale > 0, "Weibull needs positive shape and scale")
        self.shape = shape; self.scale = scale
    }
    @inlinable public func sample<G: RandomNumberGenerator>(using g: inout G) -> Double {
        scale * pow(-log(g.nextOpenUnit()), 1 / shape)
    }
    public var mean: Double { scale * tgamma(1 + 1 / shape) }
    public var variance: Double {
        scale * scale * (tgamma(1 + 2 / shape) - pow(tgamma(1 + 1 / shape), 2))
    }
}

/// Pareto (type I) with shape α and scale (minimum) xₘ, by inversion: xₘ U^{−1/α}.
public struct Pareto: Distribution {
    public let shape: Double, scale: Double
    public init(shape: Double, scale: Double) {
        precondition(shape > 0 && scale > 0, "Pareto needs positive shape and scale")
        self.shape = shape; self.scale = scale
    }
    @inlinable public func sample<G: RandomNumberGenerator>(using g: inout G) -> Double {
        scale * pow(g.nextOpenUnit(), -1 / shape)
    }
    public var mean: Double { shape > 1 ? shape * scale / (shape - 1) : .infinity }
    public var variance: Double {
        shape > 2 ? scale * scale * shape / ((shape - 1) * (shape - 1) * (shape - 2)) : .infinity
    }
}

/// Gamma with shape k and scale θ, by Marsaglia and Tsang, "A simple method for generating
/// gamma variables" (ACM TOMS 2000); for k < 1, Gamma(k + 1)·U^{1/k}.
public struct Gamma: Distribution {
    public let shape: Double, scale: Double
    public init(shape: Double, scale: Double) {
        precondition(shape > 0 && scale > 0, "Gamma needs positive shape and scale")
        self.shape = shape; self.scale = scale
    }
    @inlinable public func sample<G: RandomNumberGenerator>(using g: inout G) -> Double {
        if shape < 1 {
            let boost = pow(g.nextOpenUnit(), 1 / shape)
            return Gamma(shape: shape + 1, scale: scale).sample(using: &g) * boost
        }
        let d = shape - 1.0 / 3.0, c = 1 / (9 * d).squareRoot()
        while true {
            var x: Double, v: Double
            repeat {
                x = Normal.standard(using: &g)
                v = 1 + c * x
            } while v <= 0
            v = v * v * v
            let u = g.nextOpenUnit()
            if u < 1 - 0.0331 * x * x * x * x { return d * v * scale }
            if log(u) < 0.5 * x * x + d * (1 - v + log(v)) { return d * v * scale }
        }
    }
    public var mean: Double { shape * scale }
    public var variance: Double { shape * scale * scale }
}

/// A discrete distribution over given values with given weights, sampled in O(1) by the
/// alias method (Walker 1977, in Vose's numerically stable form, IEEE TSE 1991). Built from a
/// trace's samples (equal weights) it is the empirical distribution of that trace.
public struct Empirical: Distribution {
    public let values: [Double]
    /// The weights the distribution was built from, normalised to sum to 1.
    public let weights: [Double]
    @usableFromInline let probability: [Double]
    @usableFromInline let alias: [Int32]
    public let mean: Double
    public let variance: Double

    /// The empirical distribution of `samples`: each observed value drawn with frequency 1/n.
    public init(samples: [Double]) {
        self.init(values: samples, weights: Array(repeating: 1, count: samples.count))
    }

    /// Values drawn with probability proportional to `weights` (non-negative, not all zero).
    public init(values: [Double], weights: [Double]) {
        precondition(!values.isEmpty && values.count == weights.count, "Empirical needs as many weights as values")
        precondition(weights.allSatisfy { $0 >= 0 && $0.isFinite }, "Empirical weights must be finite and ≥ 0")
        let total = weights.reduce(0, +)
        precondition(total > 0, "Empirical weights must not all be zero")
        let n = values.count
        var prob = [Double](repeating: 0, count: n)
        var alias = [Int32](repeating: 0, count: n)
        var scaled = weights.map { $0 * Double(n) / total }
        var small: [Int] = [], large: [Int] = []
        for i in 0..<n { if scaled[i] < 1 { small.append(i) } else { large.append(i) } }
        while !small.isEmpty && !large.isEmpty {
            let s = small.removeLast(), l = large[large.count - 1]
            prob[s] = scaled[s]; alias[s] = Int32(l)
            scaled[l] = (scaled[l] + scaled[s]) - 1
            if scaled[l] < 1 { large.removeLast(); small.append(l) }
        }
        for i in large { prob[i] = 1 }
        for i in small { prob[i] = 1 }
        self.values = values
        self.weights = weights.map { $0 / total }
        self.probability = prob
        self.alias = alias
        var m = 0.0, m2 = 0.0
        for (v, w) in zip(values, weights) { m += v * w / total }
        for (v, w) in zip(values, weights) { m2 += (v - m) * (v - m) * w / total }
        self.mean = m
        self.variance = m2
    }

    @inlinable public func sample<G: RandomNumberGenerator>(using g: inout G) -> Double {
        values[index(using: &g)]
    }

    /// The index of the value drawn: one uniform picks a column, the next its side.
    @inlinable public func index<G: RandomNumberGenerator>(using g: inout G) -> Int {
        let i = g.nextIndex(below: values.count)
        return g.nextUnit() < probability[i] ? i : Int(alias[i])
    }
}
