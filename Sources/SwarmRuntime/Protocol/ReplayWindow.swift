/// Which sequence numbers of one connection and direction have been accepted: the highest,
/// and the 63 below it as a bitmap (IPsec's anti-replay window, RFC 4303 §3.4.3). A frame is
/// accepted once: a replayed sequence, or one more than 63 below the highest, is refused;
/// one that arrives after a later one (reordered, within the window) is accepted. TCP never
/// reorders, so without injected faults this refuses exactly what "strictly increasing"
/// refused.
public struct ReplayWindow: Sendable, Equatable {
    /// The highest sequence accepted (0: none yet; sequences start at 1).
    public private(set) var top: UInt64 = 0
    /// Bit i: sequence `top - i` was accepted (bit 0, `top` itself, always set).
    var seen: UInt64 = 1

    public static let width: UInt64 = 64

    public init() {}

    /// Accepts `sequence` (true) if it was never accepted and is within the window.
    public mutating func accept(_ sequence: UInt64) -> Bool {
        if sequence > top {
            let shift = sequence - top
            seen = shift >= ReplayWindow.width ? 1 : (seen << shift) | 1
            top = sequence
            return true
        }
        let back = top - sequence
        guard back < ReplayWindow.width, seen & (1 << back) == 0 else { return false }
        seen |= 1 << back
        return true
    }
}
