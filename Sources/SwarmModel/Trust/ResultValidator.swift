import SwarmKernel

/// One result returned for a task: its value (a 64-bit checksum, as the reference runtime's
/// kernels return), the device that computed it, and how long its attempt took.
public struct Vote: Sendable, Equatable {
    public var result: UInt64
    public var device: Int32
    public var seconds: Double
    public init(result: UInt64, device: Int32, seconds: Double) {
        self.result = result; self.device = device; self.seconds = seconds
    }
}

/// What a validator sees when a result comes back: every vote so far (the new one last),
/// and how many attempts the task has had and still has out.
public struct BallotContext {
    public var votes: [Vote]
    /// Matching results the task needs (its `quorum`).
    public var quorum: Int
    /// Attempts started so far, attempts still running, and the fleet's size.
    public var attempts: Int
    public var live: Int
    public var fleetSize: Int
    /// Attempts after which a task without agreement is accepted by plurality.
    public var maxAttempts: Int

    public init(votes: [Vote], quorum: Int, attempts: Int, live: Int, fleetSize: Int, maxAttempts: Int) {
        self.votes = votes; self.quorum = quorum; self.attempts = attempts; self.live = live
        self.fleetSize = fleetSize; self.maxAttempts = maxAttempts
    }

    /// The leading result and its votes, ties broken by the smaller value (deterministic).
    public var leader: (result: UInt64, votes: Int) {
        var bestResult: UInt64 = 0, bestVotes = 0
        for i in votes.indices {
            let r = votes[i].result
            var n = 0
            for j in votes.indices where votes[j].result == r { n += 1 }
            if n > bestVotes || (n == bestVotes && r < bestResult) { bestResult = r; bestVotes = n }
        }
        return (bestResult, bestVotes)
    }

    /// Distinct results among the votes.
    public var distinctResults: Int {
        var seen: [UInt64] = []
        for v in votes where !seen.contains(v.result) { seen.append(v.result) }
        return seen.count
    }

    /// No agreement is coming: `maxAttempts` reached, or every device has voted, and no
    /// attempt is still out. The plurality then wins.
    public var exhausted: Bool { (attempts >= maxAttempts || votes.count >= fleetSize) && live == 0 }
}

/// What to do with a task after a result came back.
public enum Verdict: Sendable, Equatable {
    /// Accept `result`; blacklist the devices in `blacklist` (caught lying) and credit those
    /// in `credit` (passed a check).
    case accept(result: UInt64, blacklist: [Int32] = [], credit: [Int32] = [])
    /// Wait for more results; `now`: issue one more attempt at once (a spot check), else one
    /// more once no attempt is out.
    case needMore(now: Bool)
}

/// Decides whether a task's results so far are enough — the one required method returns a
/// decision; the lifecycle applies it (accept, blacklist, ask for another attempt). Both
/// drivers, the simulator and the reference runtime, use the same validator, so a scenario's
/// `trust:` behaves the same on both sides. Random choices (spot checks) come from the
/// validator's own stream.
public protocol ResultValidator {
    mutating func verdict(_ ballot: BallotContext) -> Verdict
    /// Spot checks issued so far (for the run's metrics).
    var spotChecks: Int { get }
}

/// Every result accepted as it comes (no validation).
public struct AcceptFirst: ResultValidator {
    public init() {}
    public var spotChecks: Int { 0 }
    public func verdict(_ ballot: BallotContext) -> Verdict { .accept(result: ballot.votes.last!.result) }
}

/// Replication with voting (BOINC; Anderson, GRID 2004): `quorum` matching results are
/// needed; without agreement one more attempt is issued, up to `maxAttempts`, after which
/// the plurality wins.
public struct QuorumValidator: ResultValidator {
    public init() {}
    public var spotChecks: Int { 0 }
    public func verdict(_ ballot: BallotContext) -> Verdict {
        let lead = ballot.leader
        if lead.votes >= ballot.quorum || ballot.exhausted { return .accept(result: lead.result) }
        return .needMore(now: false)
    }
}

/// Spot checking (Sarmenta, FGCS 2002): with probability p a first result is re-run on
/// another device; whoever disagrees with the agreed (or majority) result is blacklisted.
public struct SpotCheckValidator: ResultValidator {
    public let probability: Double
    var rng: Xoshiro256
    public private(set) var spotChecks = 0

    public init(probability: Double, rng: Xoshiro256) {
        precondition((0...1).contains(probability), "spot-check probability must lie in [0, 1]")
        self.probability = probability; self.rng = rng
    }

    public mutating func verdict(_ ballot: BallotContext) -> Verdict {
        let votes = ballot.votes
        if votes.count == 1 {
            if rng.nextUnit() < probability { spotChecks += 1; return .needMore(now: true) }
            return .accept(result: votes[0].result)
        }
        let lead = ballot.leader
        if ballot.distinctResults == 1 || lead.votes >= 2 || ballot.exhausted {
            return .accept(result: lead.result, blacklist: votes.filter { $0.result != lead.result }.map(\.device))
        }
        return .needMore(now: false)   // one against one: a third attempt decides
    }
}

/// Credibility-based validation (after Sarmenta, FGCS 2002): a device's credibility is
/// Cr = 1 − f/(k + 1) after k passed spot checks, for an assumed saboteur share f; a result
/// is accepted when the devices agreeing on it are together credible enough,
/// 1 − Π(1 − Cr) ≥ threshold. A simplification of the paper's bounds, stated as such.
public struct CredibilityValidator: ResultValidator {
    public let threshold: Double, assumedSaboteurs: Double, spotCheckProbability: Double
    var rng: Xoshiro256
    /// Spot checks each device has passed.
    public private(set) var passedChecks: [UInt32]
    public private(set) var spotChecks = 0

    public init(threshold: Double, assumedSaboteurs: Double, spotCheckProbability: Double, devices: Int, rng: Xoshiro256) {
        self.threshold = threshold; self.assumedSaboteurs = assumedSaboteurs
        self.spotCheckProbability = spotCheckProbability; self.rng = rng
        passedChecks = [UInt32](repeating: 0, count: devices)
    }

    public mutating func verdict(_ ballot: BallotContext) -> Verdict {
        let votes = ballot.votes
        if votes.count == 1, rng.nextUnit() < spotCheckProbability {
            spotChecks += 1
            return .needMore(now: true)
        }
        let lead = ballot.leader
        var allLie = 1.0
        for v in votes where v.result == lead.result {
            allLie *= assumedSaboteurs / (Double(passedChecks[Int(v.device)]) + 1)
        }
        guard 1 - allLie >= threshold || ballot.exhausted else {
            return .needMore(now: false)
        }
        guard votes.count > 1 else { return .accept(result: lead.result) }
        let agree = votes.filter { $0.result == lead.result }.map(\.device)
        for d in agree { passedChecks[Int(d)] += 1 }
        return .accept(result: lead.result, blacklist: votes.filter { $0.result != lead.result }.map(\.device), credit: agree)
    }
}

extension TrustModel {
    /// The validator this trust model names, with its random stream ("spot-check") drawn
    /// from `streams` — the same for the simulator and the runtime given the same seed.
    public func makeValidator(devices: Int, streams: RandomStreams) -> any ResultValidator {
        switch validation {
        case .none: return AcceptFirst()
        case .quorum: return QuorumValidator()
        case .spotCheck(let p): return SpotCheckValidator(probability: p, rng: streams.stream("spot-check"))
        case .credibility(let t, let f, let p):
            return CredibilityValidator(threshold: t, assumedSaboteurs: f, spotCheckProbability: p,
                                        devices: devices, rng: streams.stream("spot-check"))
        }
    }
}
