import SwarmKernel

/// An edge site (a metro point of presence, a campus, a cell tower's aggregation point): index
/// into `Topology.edgeSites`.
public struct EdgeSiteID: Hashable, Comparable, Sendable {
    public var rawValue: UInt32
    @inlinable public init(_ rawValue: UInt32) { self.rawValue = rawValue }
    @inlinable public var index: Int { Int(rawValue) }
    @inlinable public static func < (a: EdgeSiteID, b: EdgeSiteID) -> Bool { a.rawValue < b.rawValue }
}

/// A cluster (a cloud or Kubernetes node pool): index into `Topology.clusters`.
public struct ClusterID: Hashable, Comparable, Sendable {
    public var rawValue: UInt32
    @inlinable public init(_ rawValue: UInt32) { self.rawValue = rawValue }
    @inlinable public var index: Int { Int(rawValue) }
    @inlinable public static func < (a: ClusterID, b: ClusterID) -> Bool { a.rawValue < b.rawValue }
}

/// Where a device's access link lands: an edge site (whose backhaul it then shares) or
/// directly its region's network.
public enum NetworkAttachment: Hashable, Sendable {
    case region(RegionID)
    case edgeSite(EdgeSiteID)
}

/// One end of a transfer: a device with its own access links (added to the `FlowNetwork` by
/// the caller, one uplink and one downlink per device), or a node of a cluster (whose NIC
/// links the topology installs).
public enum TransferEndpoint: Hashable, Sendable {
    case device(NetworkAttachment, uplink: LinkID, downlink: LinkID)
    case clusterNode(ClusterID, node: Int)
}

/// The shared part of the network, small and explicit: regions with a WAN link, edge sites with
/// a backhaul, always-on clusters whose nodes each have a NIC. Every link is full duplex,
/// modelled as two independent links of the same capacity (one per direction).
///
/// A transfer from A to B crosses, in order:
///
///     A's access uplink (or node NIC out)
///     → A's edge-site backhaul up        (if A is at an edge site, and B is not at the same one)
///     → A's region WAN out → B's region WAN in   (if the regions differ)
///     → B's edge-site backhaul down      (if B is at an edge site, and A is not at the same one)
///     → B's access downlink (or node NIC in)
///
/// Link ids are fixed by formula, in the order `makeFlowNetwork()` installs them: regions
/// (out, in), then edge sites (up, down), then cluster nodes (out, in); device access links are
/// added after by the caller.
public struct Topology: Sendable {
    public struct Region: Sendable, Equatable {
        public var name: String
        /// Capacity of the region's WAN link in each direction, bytes per second.
        public var wanCapacity: Double
        public init(name: String, wanCapacity: Double) { self.name = name; self.wanCapacity = wanCapacity }
    }

    public struct EdgeSite: Sendable, Equatable {
        public var name: String
        public var region: RegionID
        /// Capacity of the site's backhaul in each direction, bytes per second.
        public var backhaulCapacity: Double
        public init(name: String, region: RegionID, backhaulCapacity: Double) {
            self.name = name; self.region = region; self.backhaulCapacity = backhaulCapacity
        }
    }

    /// A pool of always-on nodes in one region, attached directly to the region's network.
    public struct Cluster: Sendable, Equatable {
        public var name: String
        public var region: RegionID
        public var nodeCount: Int
        /// Bandwidth of each node's NIC in each direction, bytes per second.
        public var nicBandwidth: Double
        public init(name: String, region: RegionID, nodeCount: Int, nicBandwidth: Double) {
            self.name = name; self.region = region; self.nodeCount = nodeCount; self.nicBandwidth = nicBandwidth
        }
    }

    public let regions: [Region]
    public let edgeSites: [EdgeSite]
    public let clusters: [Cluster]
    /// First node index of each cluster in the flat node numbering; `clusters.count + 1` entries.
    private let nodeOffsets: [Int]

    public init(regions: [Region], edgeSites: [EdgeSite] = [], clusters: [Cluster] = []) {
        precondition(regions.count <= Int(UInt16.max) + 1, "at most 65536 regions")
        for r in regions { precondition(r.wanCapacity >= 0, "region \(r.name): WAN capacity must be ≥ 0") }
        for e in edgeSites {
            precondition(e.region.index < regions.count, "edge site \(e.name) is in unknown \(e.region)")
            precondition(e.backhaulCapacity >= 0, "edge site \(e.name): backhaul capacity must be ≥ 0")
        }
        var offsets = [0]
        for c in clusters {
            precondition(c.region.index < regions.count, "cluster \(c.name) is in unknown \(c.region)")
            precondition(c.nodeCount > 0 && c.nicBandwidth >= 0, "cluster \(c.name): needs nodes and a NIC bandwidth ≥ 0")
            offsets.append(offsets.last! + c.nodeCount)
        }
        self.regions = regions; self.edgeSites = edgeSites; self.clusters = clusters; self.nodeOffsets = offsets
    }

    // MARK: Links

    /// How many links `makeFlowNetwork()` installs.
    public var linkCount: Int { 2 * regions.count + 2 * edgeSites.count + 2 * nodeOffsets.last! }

    /// A flow network holding the topology's links (ids as the accessors below give them).
    public func makeFlowNetwork(start: SimTime = .zero) -> FlowNetwork {
        var net = FlowNetwork(start: start)
        for r in regions { net.addLink(capacity: r.wanCapacity); net.addLink(capacity: r.wanCapacity) }
        for e in edgeSites { net.addLink(capacity: e.backhaulCapacity); net.addLink(capacity: e.backhaulCapacity) }
        for c in clusters {
            for _ in 0..<c.nodeCount { net.addLink(capacity: c.nicBandwidth); net.addLink(capacity: c.nicBandwidth) }
        }
        assert(net.linkCount == linkCount)
        return net
    }

    public func wanOut(_ r: RegionID) -> LinkID { LinkID(Int32(2 * r.index)) }
    public func wanIn(_ r: RegionID) -> LinkID { LinkID(Int32(2 * r.index + 1)) }
    public func backhaulUp(_ e: EdgeSiteID) -> LinkID { LinkID(Int32(2 * regions.count + 2 * e.index)) }
    public func backhaulDown(_ e: EdgeSiteID) -> LinkID { LinkID(Int32(2 * regions.count + 2 * e.index + 1)) }
    public func nicOut(_ c: ClusterID, node: Int) -> LinkID { LinkID(Int32(nodeLinkBase(c, node))) }
    public func nicIn(_ c: ClusterID, node: Int) -> LinkID { LinkID(Int32(nodeLinkBase(c, node) + 1)) }

    private func nodeLinkBase(_ c: ClusterID, _ node: Int) -> Int {
        precondition(node >= 0 && node < clusters[c.index].nodeCount, "cluster \(clusters[c.index].name) has no node \(node)")
        return 2 * regions.count + 2 * edgeSites.count + 2 * (nodeOffsets[c.index] + node)
    }

    // MARK: Paths

    /// The region an endpoint is in.
    public func region(of e: TransferEndpoint) -> RegionID {
        switch e {
        case .device(.region(let r), _, _): r
        case .device(.edgeSite(let s), _, _): edgeSites[s.index].region
        case .clusterNode(let c, _): clusters[c.index].region
        }
    }

    private func edgeSite(of e: TransferEndpoint) -> EdgeSiteID? {
        if case .device(.edgeSite(let s), _, _) = e { return s }
        return nil
    }

    /// The links a transfer from `a` to `b` crosses, in order (see the type's summary).
    /// - Complexity: O(1); the path is stored inline, nothing is allocated.
    public func path(from a: TransferEndpoint, to b: TransferEndpoint) -> NetworkPath {
        var p = NetworkPath()
        switch a {
        case .device(_, let up, _): p.append(up)
        case .clusterNode(let c, let n): p.append(nicOut(c, node: n))
        }
        let siteA = edgeSite(of: a), siteB = edgeSite(of: b)
        if let siteA, siteA != siteB { p.append(backhaulUp(siteA)) }
        let ra = region(of: a), rb = region(of: b)
        if ra != rb { p.append(wanOut(ra)); p.append(wanIn(rb)) }
        if let siteB, siteA != siteB { p.append(backhaulDown(siteB)) }
        switch b {
        case .device(_, _, let down): p.append(down)
        case .clusterNode(let c, let n): p.append(nicIn(c, node: n))
        }
        return p
    }
}


/// The links of one transfer, at most six, stored inline (no allocation per transfer).
public struct NetworkPath: RandomAccessCollection, Hashable, Sendable {
    private var storage: (Int32, Int32, Int32, Int32, Int32, Int32) = (-1, -1, -1, -1, -1, -1)
    public private(set) var count: Int = 0

    public init() {}

    public var startIndex: Int { 0 }
    public var endIndex: Int { count }

    public subscript(i: Int) -> LinkID {
        precondition(i >= 0 && i < count, "path index \(i) out of range")
        return withUnsafeBytes(of: storage) { LinkID($0.load(fromByteOffset: i * 4, as: Int32.self)) }
    }

    /// Appends `link` (at most six per path).
    public mutating func append(_ link: LinkID) {
        precondition(count < 6, "a network path holds at most 6 links")
        let offset = count * 4
        withUnsafeMutableBytes(of: &storage) { $0.storeBytes(of: link.rawValue, toByteOffset: offset, as: Int32.self) }
        count += 1
    }

    public static func == (a: NetworkPath, b: NetworkPath) -> Bool { a.elementsEqual(b) }
    public func hash(into h: inout Hasher) { for l in self { h.combine(l) } }
}
