import SwarmKernel

/// Every device of a run, as struct-of-arrays indexed by device id (0..<count).
///
/// Per device the fleet stores its class (1 byte), region (2 bytes) and edge site (4 bytes,
/// −1 when attached directly to its region): 7 bytes. Everything else a device "has" comes
/// from its class, and its availability cursor lives in `FleetAvailability` (17 bytes).
/// `docs/models/devices.md` gives the measured total per device.
public struct Fleet: Sendable {
    /// The classes devices belong to; a device's class id indexes this array.
    public let classes: [DeviceClass]
    /// Region names and UTC offsets (seconds); a device's region id indexes these.
    public let regionNames: [String]
    public let regionUTCOffset: [Int32]
    public private(set) var classOf: [UInt8] = []
    public private(set) var regionOf: [UInt16] = []
    public private(set) var siteOf: [Int32] = []

    /// One entry of a fleet mix: how many devices of a class in a region.
    public struct Share: Sendable, Equatable {
        public var className: String
        public var region: String
        public var count: Int
        public init(className: String, region: String, count: Int) {
            self.className = className; self.region = region; self.count = count
        }
    }

    /// What went wrong building a fleet from a mix.
    public enum BuildError: Error, Equatable, CustomStringConvertible {
        case unknownClass(String, known: [String])
        case unknownRegion(String, known: [String])
        case negativeCount(className: String, region: String, count: Int)
        case tooManyDevices(Int)

        public var description: String {
            switch self {
            case .unknownClass(let c, let known): return "unknown device class '\(c)' (known: \(known.joined(separator: ", ")))"
            case .unknownRegion(let r, let known): return "unknown region '\(r)' (known: \(known.joined(separator: ", ")))"
            case .negativeCount(let c, let r, let n): return "count of \(c) in \(r) is \(n); expected ≥ 0"
            case .tooManyDevices(let n): return "\(n) devices; at most \(UInt32.max) fit a device id"
            }
        }
    }

    /// A fleet from a mix: `mix` lists counts per class per region; devices are numbered in
    /// the mix's order, so the same mix always gives the same ids.
    public init(classes: [DeviceClass], regions: [(name: String, utcOffsetHours: Double)], mix: [Share]) throws(BuildError) {
        precondition(classes.count <= 256, "at most 256 device classes")
        precondition(regions.count <= Int(UInt16.max), "at most 65535 regions")
        self.classes = classes
        self.regionNames = regions.map(\.name)
        self.regionUTCOffset = regions.map { Int32(($0.utcOffsetHours * 3600).rounded()) }
        var total = 0
        for share in mix {
            guard let c = classes.firstIndex(where: { $0.name == share.className }) else {
                throw .unknownClass(share.className, known: classes.map(\.name))
            }
            guard let r = regionNames.firstIndex(of: share.region) else {
                throw .unknownRegion(share.region, known: regionNames)
            }
            guard share.count >= 0 else { throw .negativeCount(className: share.className, region: share.region, count: share.count) }
            total += share.count
            guard total <= Int(UInt32.max) else { throw .tooManyDevices(total) }
            classOf.append(contentsOf: repeatElement(UInt8(c), count: share.count))
            regionOf.append(contentsOf: repeatElement(UInt16(r), count: share.count))
        }
        siteOf = [Int32](repeating: -1, count: total)
    }

    /// A fleet of `total` devices split by fractions (per class per region), rounded so the
    /// counts add up to `total` exactly (largest remainders).
    public init(classes: [DeviceClass], regions: [(name: String, utcOffsetHours: Double)],
                total: Int, fractions: [(className: String, region: String, fraction: Double)]) throws(BuildError) {
        let sum = fractions.reduce(0) { $0 + $1.fraction }
        precondition(sum > 0, "fractions must not all be zero")
        let exact = fractions.map { Double(total) * $0.fraction / sum }
        var counts = exact.map { Int($0.rounded(.down)) }
        let byRemainder = exact.indices.sorted { (exact[$0] - Double(counts[$0]), $1) > (exact[$1] - Double(counts[$1]), $0) }
        for i in byRemainder.prefix(total - counts.reduce(0, +)) { counts[i] += 1 }
        try self.init(classes: classes, regions: regions,
                      mix: zip(fractions, counts).map { Share(className: $0.className, region: $0.region, count: $1) })
    }

    public var count: Int { classOf.count }

    /// The class of device `d`.
    @inlinable public func deviceClass(_ d: Int) -> DeviceClass { classes[Int(classOf[d])] }

    /// Device `d`'s offset from UTC in seconds (its region's).
    @inlinable public func utcOffset(_ d: Int) -> Int32 { regionUTCOffset[Int(regionOf[d])] }

    /// Attaches device `d` to edge site `site` (≥ 0) or directly to its region (−1).
    public mutating func attach(_ d: Int, toSite site: Int32) { siteOf[d] = site }

    /// Bytes of per-device state held here.
    public static let bytesPerDevice = MemoryLayout<UInt8>.size + MemoryLayout<UInt16>.size + MemoryLayout<Int32>.size
}
