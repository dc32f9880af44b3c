import SwarmKernel

/// What a placement policy sees of the fleet: devices that could take a piece now (online,
/// not departed, with free storage), indexed by class and region so a policy draws one in
/// O(1). The engine keeps it exact as devices come, go and fill up; a policy only reads it.
///
/// `accepts(_:for:given:)` is the one rule of a valid placement; policies use it to choose,
/// and the engine applies it again to every decision it receives.
public struct StorageView: Sendable {
    public let classCount: Int
    public let regionCount: Int
    /// Per class: the long-run fraction of time its devices are online (its availability
    /// law's E[on] / (E[on] + E[off]) times the share of the week its window is open, as if
    /// independent), and its mean lifetime in seconds (∞: never leaves).
    public let onFraction: [Double]
    public let meanLifetime: [Double]
    /// One-way latency between two regions, seconds (row-major, regionCount²).
    let latency: [Double]
    let classOf: [UInt8]
    let regionOf: [UInt16]
    /// Free bytes per device.
    public internal(set) var free: [Double]
    /// Devices per bucket (class × regionCount + region) that may take a piece, and each
    /// device's index in its bucket (−1: not there).
    var members: [[UInt32]]
    var position: [Int32]

    init(fleet: Fleet, capacity: [Double], onFraction: [Double], meanLifetime: [Double], latency: [Double]) {
        classCount = fleet.classes.count
        regionCount = fleet.regionNames.count
        self.onFraction = onFraction; self.meanLifetime = meanLifetime; self.latency = latency
        classOf = fleet.classOf; regionOf = fleet.regionOf
        free = capacity
        members = Array(repeating: [], count: classCount * regionCount)
        position = [Int32](repeating: -1, count: fleet.count)
    }

    // MARK: what policies read

    public func region(_ d: Int) -> Int { Int(regionOf[d]) }
    public func deviceClass(_ d: Int) -> Int { Int(classOf[d]) }
    /// One-way latency from region a to region b, seconds.
    public func latency(from a: Int, to b: Int) -> Double { latency[a * regionCount + b] }
    /// Devices of class c in region r that may take a piece now.
    public func count(class c: Int, region r: Int) -> Int { members[c * regionCount + r].count }
    /// Devices in region r that may take a piece now.
    public func count(region r: Int) -> Int { (0..<classCount).reduce(0) { $0 + count(class: $1, region: r) } }
    /// Devices of class c that may take a piece now.
    public func count(class c: Int) -> Int { (0..<regionCount).reduce(0) { $0 + count(class: c, region: $1) } }

    /// A device drawn uniformly among those that may take a piece, restricted to a class,
    /// a region and a set of allowed regions (bit i: region i) when given; nil when there is none.
    public func randomDevice<G: RandomNumberGenerator>(class c: Int? = nil, region r: Int? = nil, allowed: UInt64 = .max,
                                                       using g: inout G) -> Int? {
        var total = 0
        for b in members.indices where matches(b, c, r, allowed) { total += members[b].count }
        guard total > 0 else { return nil }
        var i = Int(g.next() % UInt64(total))
        for b in members.indices where matches(b, c, r, allowed) {
            if i < members[b].count { return Int(members[b][i]) }
            i -= members[b].count
        }
        return nil
    }

    func matches(_ b: Int, _ c: Int?, _ r: Int?, _ allowed: UInt64) -> Bool {
        (c == nil || b / regionCount == c!) && (r == nil || b % regionCount == r!) && allowed & (1 << UInt64(b % regionCount & 63)) != 0
    }

    /// Whether device d may take a piece of `request`'s segment, besides those already in
    /// `placements`: `allows` it, and it holds no piece of the segment yet (one piece per
    /// device). Policies choose with it; the engine checks every decision by the same rules.
    public func accepts(_ d: Int, for request: PieceRequest, given placements: PiecePlacements) -> Bool {
        allows(d, for: request) && !placements.taken(d)
    }

    /// The rules of a valid placement apart from the segment's other pieces: a real device,
    /// online and staying, with enough free bytes, inside the residency.
    public func allows(_ d: Int, for request: PieceRequest) -> Bool {
        d >= 0 && d < position.count && position[d] >= 0 && free[d] >= request.pieceBytes
            && request.residency & (1 << UInt64(regionOf[d] & 63)) != 0
    }

    // MARK: kept by the engine

    /// Puts d in its bucket or takes it out, given whether it may take a piece.
    mutating func refresh(_ d: Int, eligible: Bool) {
        let b = Int(classOf[d]) * regionCount + Int(regionOf[d])
        let p = Int(position[d])
        if eligible && p < 0 {
            position[d] = Int32(members[b].count)
            members[b].append(UInt32(d))
        } else if !eligible && p >= 0 {
            let last = members[b].removeLast()
            if Int(last) != d { members[b][p] = last; position[Int(last)] = Int32(p) }
            position[d] = -1
        }
    }
}

/// A request for devices to hold `pieces` new pieces of one segment.
public struct PieceRequest: Sendable {
    public var segment: Int
    public var pieces: Int
    public var pieceBytes: Double
    /// The region whose tasks read the object.
    public var consumerRegion: Int
    /// Allowed regions as a bit set.
    public var residency: UInt64
    /// Whether the request is a repair (false: the first upload).
    public var repair: Bool
}

/// The devices a policy chose, in order; the engine checks each by `StorageView`'s rules.
/// A stamp per device marks the segment's current holders and the devices chosen so far, so
/// `taken` is O(1) (no scan of n pieces per draw).
public struct PiecePlacements: Sendable {
    public internal(set) var devices: [UInt32] = []
    var stamp: [UInt32]
    var round: UInt32 = 1
    /// Bit 0 of a stamp: 1 for a holder of the segment, 0 for a device chosen in this request.
    init(devices count: Int) { stamp = [UInt32](repeating: 0, count: count) }

    /// Puts one piece on device d.
    public mutating func assign(_ d: Int) {
        devices.append(UInt32(truncatingIfNeeded: d))
        if d >= 0 && d < stamp.count && stamp[d] >> 1 != round { stamp[d] = round << 1 }
    }
    public var count: Int { devices.count }
    /// Whether d holds a piece of the segment or was chosen already.
    public func taken(_ d: Int) -> Bool { d >= 0 && d < stamp.count && stamp[d] >> 1 == round }
    /// Whether d holds a piece of the segment.
    func isExcluded(_ d: Int) -> Bool { d >= 0 && d < stamp.count && stamp[d] == round << 1 | 1 }
    mutating func exclude(_ d: Int) { stamp[d] = round << 1 | 1 }
    mutating func clear() {
        devices.removeAll(keepingCapacity: true)
        round += 1
        if round >= 1 << 31 { for i in stamp.indices { stamp[i] = 0 }; round = 1 }
    }
}

/// Where new pieces go. One required method returning decisions (devices); the engine checks
/// each (`StorageView.accepts`: online, capacity, residency, one piece per device) and drops
/// the invalid ones, counting them (`StorageMetrics.placementRejections`).
public protocol StoragePlacementPolicy {
    static var name: String { get }
    static var summary: String { get }
    init(seed: UInt64)
    /// Chooses up to `request.pieces` devices for new pieces of one segment.
    mutating func place(_ request: PieceRequest, on view: StorageView, into placements: inout PiecePlacements)
}

/// The placement policies a scenario may name, in one list passed to the engine.
public enum StoragePlacements {
    public static let builtin: [any StoragePlacementPolicy.Type] = [
        RandomPlacement.self, RegionSpreadPlacement.self, ReliabilityAwarePlacement.self, NearestToConsumersPlacement.self,
    ]
    public static var builtinNames: [String] { builtin.map { $0.name } }
}
