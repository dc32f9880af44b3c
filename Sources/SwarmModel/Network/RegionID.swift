/// A region (a cloud region, a metro area, a country): the unit at which propagation delay is
/// measured. Index into an `RTTMatrix`'s region list and a `Topology`'s regions; 2 bytes so a
/// fleet of millions stores one per device cheaply.
public struct RegionID: Hashable, Comparable, Sendable, CustomStringConvertible {
    public var rawValue: UInt16

    @inlinable public init(_ rawValue: UInt16) { self.rawValue = rawValue }
    /// The region at position `index` (traps if it does not fit in 16 bits).
    @inlinable public init(index: Int) { self.rawValue = UInt16(index) }

    /// Position in the region list.
    @inlinable public var index: Int { Int(rawValue) }

    @inlinable public static func < (a: RegionID, b: RegionID) -> Bool { a.rawValue < b.rawValue }
    public var description: String { "region#\(rawValue)" }
}
