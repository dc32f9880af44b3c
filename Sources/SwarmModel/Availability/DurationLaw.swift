#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import SwarmKernel

/// A period law with the common distributions held unboxed (`PlainLaw`): sampling one on the
/// hot path costs neither an existential call nor reference counting. Draws are the
/// distributions' own `sample`, so the numbers are exactly those of the law it wraps.
enum DurationLaw: Sendable {
    case plain(PlainLaw)
    case other(any Distribution)

    init(_ d: any Distribution) {
        if let p = PlainLaw(d) { self = .plain(p) } else { self = .other(d) }
    }

    @inline(__always)
    func sample<G: RandomNumberGenerator>(using g: inout G) -> Double {
        switch self {
        case .plain(let p): return p.sample(using: &g)
        case .other(let x): return x.sample(using: &g)
        }
    }
}

/// A period law made of plain numbers only (no existential), so copying one on the hot path
/// is a memcpy — no reference counting. Draws are the distributions' own `sample`.
enum PlainLaw: Sendable {
    case exponential(Exponential)
    case weibull(Weibull)
    case logNormal(LogNormal)
    case gamma(Gamma)
    case pareto(Pareto)

    /// nil for a distribution of another kind.
    init?(_ d: any Distribution) {
        switch d {
        case let x as Exponential: self = .exponential(x)
        case let x as Weibull: self = .weibull(x)
        case let x as LogNormal: self = .logNormal(x)
        case let x as Gamma: self = .gamma(x)
        case let x as Pareto: self = .pareto(x)
        default: return nil
        }
    }

    /// nil for a law held as `.other`.
    init?(_ l: DurationLaw) {
        guard case .plain(let p) = l else { return nil }
        self = p
    }

    @inline(__always)
    func sample<G: RandomNumberGenerator>(using g: inout G) -> Double {
        switch self {
        case .exponential(let x): return x.sample(using: &g)
        case .weibull(let x): return x.sample(using: &g)
        case .logNormal(let x): return x.sample(using: &g)
        case .gamma(let x): return x.sample(using: &g)
        case .pareto(let x): return x.sample(using: &g)
        }
    }
}

/// A class's ON and OFF laws as plain values, for devices whose every renewal boundary flips
/// availability (no window): all `FleetAvailability` needs to walk a device forward once its
/// first phase is drawn.
struct PlainRenewal: Sendable {
    var on: PlainLaw
    var off: PlainLaw

    /// nil unless both laws are plain and boundaries flip.
    init?(_ l: RenewalLaws) {
        guard l.boundariesFlip, let on = PlainLaw(l.on.law), let off = PlainLaw(l.off.law) else { return nil }
        self.on = on; self.off = off
    }
}

/// A period law with what a stationary start needs: the law itself, and its
/// **length-biased** law (density x·f(x)/E[X]), from which the first, already-running
/// period of a device is drawn.
///
/// Renewal theory (e.g. Ross, *Stochastic Processes*, 2nd ed., §3.4; Cox, *Renewal Theory*,
/// 1962, §1.3): in a renewal process observed at a random instant, the period covering that
/// instant has the length-biased law, and the instant falls uniformly inside it; so its
/// remaining part U·X̃ (U uniform, X̃ length-biased) has the equilibrium residual density
/// F̄(x)/E[X]. The length-biased laws, all exact:
///
/// | law | length-biased law |
/// |---|---|
/// | Exponential(θ) | Gamma(2, θ) |
/// | Weibull(k, λ) | λ·G^{1/k}, G ~ Gamma(1 + 1/k, 1) |
/// | LogNormal(μ, σ) | LogNormal(μ + σ², σ) |
/// | Gamma(k, θ) | Gamma(k + 1, θ) |
/// | Pareto(α, xₘ), α > 1 | Pareto(α − 1, xₘ) |
/// | Uniform(a, b), a ≥ 0 | density 2x/(b² − a²): √(a² + U(b² − a²)) |
/// | Empirical(vᵢ, wᵢ) | Empirical(vᵢ, wᵢ·vᵢ) |
///
/// Any other law has no known length-biased form: its devices start a fresh renewal
/// `warmUp` seconds before t = 0 (`RenewalLaws.warmUpCycles` mean cycles), which is close to
/// stationary for light tails and only approximately so for heavy ones — documented in
/// docs/models/availability.md, not silent.
struct PeriodLaw: Sendable {
    var law: DurationLaw
    /// The length-biased law; nil when none is known exactly.
    var biased: BiasedLaw?

    enum BiasedLaw: Sendable {
        case law(DurationLaw)
        /// Weibull(k, λ): λ·G^{1/k} with G ~ Gamma(1 + 1/k, 1).
        case weibull(gamma: Gamma, scale: Double, inverseShape: Double)
        /// Uniform(a, b): √(a² + U(b² − a²)).
        case uniform(lowerSquared: Double, spanSquared: Double)
    }

    init(_ d: any Distribution) {
        law = DurationLaw(d)
        biased = PeriodLaw.lengthBiased(d)
    }

    static func lengthBiased(_ d: any Distribution) -> BiasedLaw? {
        switch d {
        case let x as Exponential: return .law(.plain(.gamma(Gamma(shape: 2, scale: x.mean))))
        case let x as Weibull:
            return .weibull(gamma: Gamma(shape: 1 + 1 / x.shape, scale: 1), scale: x.scale, inverseShape: 1 / x.shape)
        case let x as LogNormal: return .law(.plain(.logNormal(LogNormal(mu: x.mu + x.sigma * x.sigma, sigma: x.sigma))))
        case let x as Gamma: return .law(.plain(.gamma(Gamma(shape: x.shape + 1, scale: x.scale))))
        case let x as Pareto: return x.shape > 1 ? .law(.plain(.pareto(Pareto(shape: x.shape - 1, scale: x.scale)))) : nil
        case let x as Uniform where x.lower >= 0:
            return .uniform(lowerSquared: x.lower * x.lower, spanSquared: x.upper * x.upper - x.lower * x.lower)
        case let x as Empirical:
            return .law(.other(Empirical(values: x.values, weights: zip(x.values, x.weights).map { $0 * $1 })))
        default: return nil
        }
    }

    @inline(__always)
    func sample<G: RandomNumberGenerator>(using g: inout G) -> Double { law.sample(using: &g) }

    /// One draw of the equilibrium residual law, U·X̃ (precondition: `biased != nil`).
    func sampleResidual<G: RandomNumberGenerator>(using g: inout G) -> Double {
        let x: Double
        switch biased! {
        case .law(let l): x = l.sample(using: &g)
        case .weibull(let gamma, let scale, let inverseShape): x = scale * pow(gamma.sample(using: &g), inverseShape)
        case .uniform(let a2, let span2): x = (a2 + g.nextUnit() * span2).squareRoot()
        }
        return g.nextUnit() * x
    }
}

/// A class's availability model prepared for the hot path.
struct RenewalLaws: Sendable {
    var on: PeriodLaw
    var off: PeriodLaw
    var startOn: Double
    /// Renewal without a window: every phase boundary flips availability.
    var boundariesFlip: Bool
    /// Ticks before t = 0 at which a device's renewal starts fresh: 0 when both laws have an
    /// exact residual (the process is stationary from t = 0), else `warmUpCycles` mean cycles.
    var warmUpTicks: Int64

    /// Mean ON + OFF cycles simulated before t = 0 for laws without a known residual.
    static let warmUpCycles = 20.0

    init(on: any Distribution, off: any Distribution, model: AvailabilityModel) {
        precondition(on.mean.isFinite && off.mean.isFinite,
                     "ON/OFF laws need finite means (a Pareto needs shape > 1): the stationary ON fraction E[on]/(E[on]+E[off]) is undefined otherwise")
        self.on = PeriodLaw(on)
        self.off = PeriodLaw(off)
        startOn = model.startOnProbability(on: on, off: off)
        boundariesFlip = model.window == nil
        warmUpTicks = self.on.biased != nil && self.off.biased != nil
            ? 0 : SimDuration(seconds: RenewalLaws.warmUpCycles * (on.mean + off.mean)).ticks
    }

    /// The first phase of a device: whether it is ON, and the phase's length in seconds from
    /// its start (t = 0, or −warmUp for laws without an exact residual). Stationary: ON with
    /// `startOn`, remaining time from the residual law. Shared by the lazy path and the eager
    /// oracle so both consume the device's stream identically.
    func firstPhase<G: RandomNumberGenerator>(using g: inout G) -> (on: Bool, seconds: Double) {
        let startsOn = g.nextUnit() < startOn
        let law = startsOn ? on : off
        if warmUpTicks == 0 { return (startsOn, law.sampleResidual(using: &g)) }
        return (startsOn, law.sample(using: &g))
    }
}
