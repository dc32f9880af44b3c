/// Philox4x32-10 (Salmon, Moraes, Dror and Shaw, "Parallel random numbers: as easy as
/// 1, 2, 3", SC 2011): a counter-based generator, output = bijection(counter, key).
///
/// Why it is here: a stream is its key plus a counter, so a model can keep millions of
/// per-entity streams (one per device) as one `UInt64` counter each, re-derive the key from
/// (seed, purpose, entity) when needed, and jump to any draw in O(1). Passes BigCrush.
public struct Philox4x32: RandomNumberGenerator, Sendable {
    public var key: (UInt32, UInt32)
    /// Counter of 128-bit blocks; each `next()` uses half a block.
    public var counter: UInt64
    @usableFromInline var buffered: UInt64 = 0
    @usableFromInline var hasBuffered = false

    /// A stream positioned at `block` (each block yields two `UInt64` draws).
    @inlinable public init(key: UInt64, block: UInt64 = 0) {
        self.key = (UInt32(truncatingIfNeeded: key), UInt32(truncatingIfNeeded: key >> 32))
        self.counter = block
    }

    @inlinable public mutating func next() -> UInt64 {
        if hasBuffered { hasBuffered = false; return buffered }
        let r = Philox4x32.block(counter: (UInt32(truncatingIfNeeded: counter), UInt32(truncatingIfNeeded: counter >> 32), 0, 0), key: key)
        counter &+= 1
        buffered = UInt64(r.2) | UInt64(r.3) << 32
        hasBuffered = true
        return UInt64(r.0) | UInt64(r.1) << 32
    }

    /// The Philox4x32-10 bijection of one 128-bit counter under a 64-bit key.
    @inlinable public static func block(counter c: (UInt32, UInt32, UInt32, UInt32),
                                        key k: (UInt32, UInt32)) -> (UInt32, UInt32, UInt32, UInt32) {
        var (x0, x1, x2, x3) = c
        var (k0, k1) = k
        for _ in 0..<10 {
            let p0 = UInt64(0xD251_1F53) &* UInt64(x0)
            let p1 = UInt64(0xCD9E_8D57) &* UInt64(x2)
            let y0 = UInt32(truncatingIfNeeded: p1 >> 32) ^ x1 ^ k0
            let y1 = UInt32(truncatingIfNeeded: p1)
            let y2 = UInt32(truncatingIfNeeded: p0 >> 32) ^ x3 ^ k1
            let y3 = UInt32(truncatingIfNeeded: p0)
            (x0, x1, x2, x3) = (y0, y1, y2, y3)
            k0 &+= 0x9E37_79B9; k1 &+= 0xBB67_AE85
        }
        return (x0, x1, x2, x3)
    }
}
