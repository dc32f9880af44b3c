import SwarmKernel

/// A period law with the common distributions held unboxed: sampling one on the hot path
/// costs neither an existential call nor reference counting. Draws are the distributions'
/// own `sample`, so the numbers are exactly those of the law it wraps.
enum DurationLaw: Sendable {
    case exponential(Exponential)
    case weibull(Weibull)
    case logNormal(LogNormal)
    case gamma(Gamma)
    case pareto(Pareto)
    case other(any Distribution)

    init(_ d: any Distribution) {
        switch d {
        case let x as Exponential: self = .exponential(x)
        case let x as Weibull: self = .weibull(x)
        case let x as LogNormal: self = .logNormal(x)
        case let x as Gamma: self = .gamma(x)
        case let x as Pareto: self = .pareto(x)
        default: self = .other(d)
        }
    }

    @inline(__always)
    func sample<G: RandomNumberGenerator>(using g: inout G) -> Double {
        switch self {
        case .exponential(let x): return x.sample(using: &g)
        case .weibull(let x): return x.sample(using: &g)
        case .logNormal(let x): return x.sample(using: &g)
        case .gamma(let x): return x.sample(using: &g)
        case .pareto(let x): return x.sample(using: &g)
        case .other(let x): return x.sample(using: &g)
        }
    }
}

/// A class's availability model prepared for the hot path.
struct RenewalLaws: Sendable {
    var on: DurationLaw
    var off: DurationLaw
    var startOn: Double
    /// Renewal without a window: every phase boundary flips availability.
    var boundariesFlip: Bool
}
