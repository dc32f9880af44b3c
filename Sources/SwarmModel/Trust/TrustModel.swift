import SwarmKernel

/// Who lies, and how results are checked.
///
/// A fraction of devices is adversarial (drawn per device from its own stream): they return
/// wrong results, each its own (independent) or all the same wrong value (colluding, which
/// defeats majority voting when colluders meet). Results are 64-bit checksums, as the
/// reference runtime returns for real kernels. Validation:
/// - **quorum** (BOINC's replication with voting, Anderson, "BOINC: a system for
///   public-resource computing and storage", GRID 2004): a task's `quorum` matching results
///   out of its `replication` attempts are needed; without agreement, one more attempt is
///   issued, up to `maxAttempts`;
/// - **spot-check** (Sarmenta, "Sabotage-tolerance mechanisms for volunteer computing
///   systems", FGCS 2002): with probability p a result is re-run on another device; a device
///   caught returning a different result is blacklisted (never used again);
/// - **credibility** (after Sarmenta, same paper): a device's credibility grows with the spot
///   checks it passes, Cr = 1 − f/(k + 1) for k passed checks and an assumed saboteur share f
///   (a simplification of the paper's bounds, stated as such); a result is accepted when the
///   devices agreeing on it are together credible enough, 1 − Π(1 − Cr) ≥ threshold — so
///   trusted devices need fewer replicas than new ones.
public struct TrustModel: Sendable, Equatable {
    public enum Validation: Sendable, Equatable {
        case none
        case quorum
        case spotCheck(probability: Double)
        case credibility(threshold: Double, assumedSaboteurs: Double, spotCheckProbability: Double)
    }

    public var adversaryFraction: Double
    public var colluding: Bool
    public var validation: Validation
    /// Attempts after which a task without agreement is accepted by plurality (BOINC's
    /// max_error_results / max_total_results).
    public var maxAttempts: Int

    public init(adversaryFraction: Double = 0, colluding: Bool = false, validation: Validation = .quorum, maxAttempts: Int = 10) {
        precondition((0...1).contains(adversaryFraction), "adversary fraction must lie in [0, 1]")
        if case .spotCheck(let p) = validation { precondition((0...1).contains(p), "spot-check probability must lie in [0, 1]") }
        if case .credibility(let t, let f, let p) = validation {
            precondition(t > 0 && t < 1 && f > 0 && f < 1 && (0...1).contains(p),
                         "credibility needs threshold and assumed saboteur share in (0, 1), spot-check probability in [0, 1]")
        }
        self.adversaryFraction = adversaryFraction; self.colluding = colluding
        self.validation = validation; self.maxAttempts = maxAttempts
    }

    public static let honest = TrustModel()

    /// The correct result of task `t`.
    public static func correctResult(_ t: Int) -> UInt64 { SplitMix64.mix(UInt64(t) &+ 1) }

    /// What device `d` returns for task `t`.
    public func result(task t: Int, device d: Int, adversarial: Bool) -> UInt64 {
        guard adversarial else { return TrustModel.correctResult(t) }
        return colluding ? TrustModel.correctResult(t) ^ 0xBAD_BAD : SplitMix64.mix(TrustModel.correctResult(t) ^ UInt64(d) &+ 0x5EED)
    }
}
