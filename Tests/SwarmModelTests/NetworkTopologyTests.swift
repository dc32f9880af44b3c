import Testing
import SwarmKernel
import SwarmModel

@Suite("Network: topology paths")
struct NetworkTopologyTests {
    // Two regions; edge sites 0 and 1 in region 0, site 2 in region 1; one cluster in region 1.
    static let topology = Topology(
        regions: [.init(name: "eu", wanCapacity: 10e9), .init(name: "us", wanCapacity: 20e9)],
        edgeSites: [.init(name: "paris", region: RegionID(0), backhaulCapacity: 1e9),
                    .init(name: "lyon", region: RegionID(0), backhaulCapacity: 2e9),
                    .init(name: "nyc", region: RegionID(1), backhaulCapacity: 3e9)],
        clusters: [.init(name: "gpu-pool", region: RegionID(1), nodeCount: 4, nicBandwidth: 25e9 / 8)])

    @Test("link ids by formula and capacities as installed")
    func links() {
        let t = Self.topology
        let net = t.makeFlowNetwork()
        #expect(net.linkCount == 2 * 2 + 2 * 3 + 2 * 4)
        #expect(t.wanOut(RegionID(1)) == LinkID(2) && t.wanIn(RegionID(1)) == LinkID(3))
        #expect(t.backhaulUp(EdgeSiteID(2)) == LinkID(4 + 4))
        #expect(t.nicIn(ClusterID(0), node: 3) == LinkID(4 + 6 + 2 * 3 + 1))
        #expect(net.capacities[t.wanIn(RegionID(1)).index] == 20e9)
        #expect(net.capacities[t.backhaulDown(EdgeSiteID(1)).index] == 2e9)
        #expect(net.capacities[t.nicOut(ClusterID(0), node: 2).index] == 25e9 / 8)
    }

    @Test("paths: same site, same region, across regions, to a cluster node")
    func paths() {
        let t = Self.topology
        var net = t.makeFlowNetwork()
        func device(_ at: NetworkAttachment) -> TransferEndpoint {
            .device(at, uplink: net.addLink(capacity: 1e6), downlink: net.addLink(capacity: 10e6))
        }
        let p1 = device(.edgeSite(EdgeSiteID(0))), p2 = device(.edgeSite(EdgeSiteID(0)))
        let lyon = device(.edgeSite(EdgeSiteID(1)))
        let direct = device(.region(RegionID(0)))
        let nyc = device(.edgeSite(EdgeSiteID(2)))
        guard case .device(_, let p1Up, _) = p1, case .device(_, _, let p2Down) = p2,
              case .device(_, _, let lyonDown) = lyon, case .device(_, let directUp, _) = direct,
              case .device(_, _, let nycDown) = nyc else { Issue.record("not devices"); return }

        #expect(Array(t.path(from: p1, to: p2)) == [p1Up, p2Down])
        #expect(Array(t.path(from: p1, to: lyon)) ==
                [p1Up, t.backhaulUp(EdgeSiteID(0)), t.backhaulDown(EdgeSiteID(1)), lyonDown])
        #expect(Array(t.path(from: p1, to: nyc)) ==
                [p1Up, t.backhaulUp(EdgeSiteID(0)), t.wanOut(RegionID(0)), t.wanIn(RegionID(1)),
                 t.backhaulDown(EdgeSiteID(2)), nycDown])
        let node = TransferEndpoint.clusterNode(ClusterID(0), node: 1)
        #expect(Array(t.path(from: direct, to: node)) ==
                [directUp, t.wanOut(RegionID(0)), t.wanIn(RegionID(1)), t.nicIn(ClusterID(0), node: 1)])
        #expect(Array(t.path(from: node, to: nyc)) ==
                [t.nicOut(ClusterID(0), node: 1), t.backhaulDown(EdgeSiteID(2)), nycDown])
        #expect(t.region(of: nyc) == RegionID(1) && t.region(of: direct) == RegionID(0))
    }

    @Test("two devices behind one edge backhaul uploading to a cluster share the backhaul")
    func sharedBackhaul() {
        let t = Self.topology
        var net = t.makeFlowNetwork()
        // Access uplinks far faster than the 1e9 B/s Paris backhaul.
        let a = TransferEndpoint.device(.edgeSite(EdgeSiteID(0)), uplink: net.addLink(capacity: 5e9), downlink: net.addLink(capacity: 5e9))
        let b = TransferEndpoint.device(.edgeSite(EdgeSiteID(0)), uplink: net.addLink(capacity: 0.2e9), downlink: net.addLink(capacity: 5e9))
        let node = TransferEndpoint.clusterNode(ClusterID(0), node: 0)
        let fa = net.addFlow(bytes: 1e9, links: t.path(from: a, to: node), at: .zero)
        let fb = net.addFlow(bytes: 1e9, links: t.path(from: b, to: node), at: .zero)
        #expect(net.rate(of: fb) == 0.2e9)                // limited by its own uplink
        #expect(net.rate(of: fa) == 1e9 - 0.2e9)          // the rest of the backhaul
    }
}
