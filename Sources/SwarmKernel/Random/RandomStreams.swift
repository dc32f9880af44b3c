/// Derives independent random streams from (seed, purpose, entity).
///
/// Every random process in a model draws from its own stream, named by what it is for
/// ("availability", "task-size", …) and which entity it belongs to (a device id, a job id),
/// so adding a device, a policy or a draw in one process never shifts another's numbers.
public struct RandomStreams: Sendable {
    public let seed: UInt64

    public init(seed: UInt64) { self.seed = seed }

    /// The 64-bit key of stream (purpose, entity): SplitMix64's mixer chained over the three
    /// parts, so nearby seeds and ids give unrelated keys.
    @inlinable public func key(_ purpose: String, entity: UInt64 = 0) -> UInt64 {
        RandomStreams.key(base: base(purpose), entity: entity)
    }

    /// The part of a key shared by every entity of `purpose`: compute it once, then derive
    /// per-entity keys with `key(base:entity:)` on hot paths.
    @inlinable public func base(_ purpose: String) -> UInt64 {
        SplitMix64.mix(SplitMix64.mix(seed ^ 0x5357_4152_4D4C_4142) ^ stableHash(purpose))   // "SWARMLAB"
    }

    /// The key of `entity`'s stream given its purpose's `base`.
    @inlinable public static func key(base: UInt64, entity: UInt64) -> UInt64 {
        SplitMix64.mix(base &+ entity &* 0x9E37_79B9_7F4A_7C15)
    }

    /// A fast stream with 32 bytes of state, for long-lived processes.
    @inlinable public func stream(_ purpose: String, entity: UInt64 = 0) -> Xoshiro256 {
        Xoshiro256(seed: key(purpose, entity: entity))
    }

    /// A counter-based stream; store only its `counter` per entity and rebuild it from the key.
    @inlinable public func counterStream(_ purpose: String, entity: UInt64 = 0, block: UInt64 = 0) -> Philox4x32 {
        Philox4x32(key: key(purpose, entity: entity), block: block)
    }
}

extension RandomNumberGenerator {
    /// A uniform double in [0, 1) with 53 random bits.
    @inlinable public mutating func nextUnit() -> Double {
        Double(next() >> 11) * 0x1.0p-53
    }

    /// A uniform double in (0, 1]: safe under `log`.
    @inlinable public mutating func nextOpenUnit() -> Double {
        Double((next() >> 11) + 1) * 0x1.0p-53
    }

    /// A uniform integer in 0..<bound (Lemire's nearly-divisionless method, 2019), written out
    /// here so results do not depend on the standard library's version.
    @inlinable public mutating func nextIndex(below bound: Int) -> Int {
        precondition(bound > 0, "nextIndex(below:) needs a positive bound")
        let b = UInt64(bound)
        var m = next().multipliedFullWidth(by: b)
        if m.low < b {
            let threshold = (0 &- b) % b
            while m.low < threshold { m = next().multipliedFullWidth(by: b) }
        }
        return Int(m.high)
    }
}
