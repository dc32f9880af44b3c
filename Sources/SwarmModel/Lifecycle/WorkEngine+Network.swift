import SwarmKernel

/// Transfers as flows over a shared topology (`Configuration.network`): each device adds
/// its access links (down, up) after the topology's; a transfer crosses the data region's
/// WAN links when regions differ, the device's edge-site backhaul if it has one, and its
/// access link, and gets its max-min fair share of every link on the way (`FlowNetwork`).
struct SharedTransfers {
    let topology: Topology
    var flows: FlowNetwork
    let deviceLinkBase: Int
    /// Per slot (`TaskLifecycle.slots(of:)`): latency elapsed is pending (the flow starts when
    /// its phase event fires), and the flow it is running.
    var awaiting: [Bool]
    var flowOf: [FlowID?]
    /// Per flow slot (`FlowID.slot`): the engine slot whose transfer it is, -1 when none.
    var owner: [Int32] = []
    /// Scratch for `flowsDone`: the slots whose flows just ended, and the storage repairs one
    /// of whose pieces just arrived (kept, so nothing allocates).
    var finished: [Int] = []
    var repairPieces: [Int] = []
    /// Per slot, for an input fetched from stored objects' holders (`WorkEngine+Fetch.swift`):
    /// the fetch waiting for its latency, its flows (one per piece), and how many are left.
    var fetchPlan: [FetchPlan?]
    var fetchFlows: [[FlowID]]
    var fetchLeft: [Int32]
    var event: EventHandle?

    init(topology: Topology, fleet: Fleet, slots: Int, start: SimTime) {
        self.topology = topology
        flows = topology.makeFlowNetwork(start: start)
        deviceLinkBase = flows.linkCount
        for d in 0..<fleet.count {
            let c = fleet.deviceClass(d)
            flows.addLink(capacity: c.downlink)
            flows.addLink(capacity: c.uplink)
        }
        awaiting = [Bool](repeating: false, count: slots)
        flowOf = [FlowID?](repeating: nil, count: slots)
        fetchPlan = [FetchPlan?](repeating: nil, count: slots)
        fetchFlows = [[FlowID]](repeating: [], count: slots)
        fetchLeft = [Int32](repeating: 0, count: slots)
    }

    /// The links a transfer between `dataRegion` and device `d` crosses (stored inline): in,
    /// the WAN into d's region and d's way down; out, d's way up and the WAN back.
    func path(device d: Int, region: Int, site: Int32, dataRegion: Int, input: Bool) -> NetworkPath {
        var links = NetworkPath()
        if input {
            appendWAN(from: dataRegion, to: region, &links)
            appendDown(device: d, site: site, &links)
        } else {
            appendUp(device: d, site: site, &links)
            appendWAN(from: region, to: dataRegion, &links)
        }
        return links
    }

    /// The links from device h to device d (a piece of a stored object fetched from its
    /// holder): h's way up, the WAN between their regions, d's way down — the same rule.
    func path(from h: Int, to d: Int, fleet: Fleet) -> NetworkPath {
        var links = NetworkPath()
        appendUp(device: h, site: fleet.siteOf[h], &links)
        appendWAN(from: Int(fleet.regionOf[h]), to: Int(fleet.regionOf[d]), &links)
        appendDown(device: d, site: fleet.siteOf[d], &links)
        return links
    }

    /// A device's way up: its uplink, then its edge site's backhaul if it has one.
    func appendUp(device d: Int, site: Int32, _ links: inout NetworkPath) {
        links.append(LinkID(Int32(deviceLinkBase + 2 * d + 1)))
        if site >= 0 { links.append(topology.backhaulUp(EdgeSiteID(UInt32(site)))) }
    }

    /// A device's way down: its edge site's backhaul if it has one, then its downlink.
    func appendDown(device d: Int, site: Int32, _ links: inout NetworkPath) {
        if site >= 0 { links.append(topology.backhaulDown(EdgeSiteID(UInt32(site)))) }
        links.append(LinkID(Int32(deviceLinkBase + 2 * d)))
    }

    /// Between two regions: out of the first's WAN link and into the second's (none within one).
    func appendWAN(from a: Int, to b: Int, _ links: inout NetworkPath) {
        guard a != b else { return }
        links.append(topology.wanOut(RegionID(index: a)))
        links.append(topology.wanIn(RegionID(index: b)))
    }

    /// Records that flow `id` carries engine slot `s`'s transfer.
    mutating func own(_ id: FlowID, _ s: Int) {
        let f = Int(id.slot)
        if f >= owner.count { owner.append(contentsOf: repeatElement(-1, count: f + 1 - owner.count)) }
        owner[f] = Int32(s)
    }
}

extension WorkEngine {
    func startFlow(_ t: Int, _ s: Int, input: Bool) {
        if input, let plan = net!.fetchPlan[s] { startFetchFlows(s, plan); return }
        let d = lifecycle.device(ofSlot: s)
        let bytes = input ? lifecycle.tasks.inputBytes[t] : lifecycle.tasks.outputBytes[t]
        let links = net!.path(device: d, region: view.region(d), site: view.fleet.siteOf[d],
                              dataRegion: Int(lifecycle.tasks.dataRegion[t]), input: input)
        let id = net!.flows.addFlow(bytes: bytes, links: links, at: sim.now)
        net!.flowOf[s] = id
        net!.own(id, s)
        rescheduleFlows()
    }

    /// Stops slot `s`'s flow, if any (its attempt was lost or cancelled).
    func stopFlow(_ s: Int) {
        guard net != nil else { return }
        net!.awaiting[s] = false
        net!.fetchPlan[s] = nil
        if !net!.fetchFlows[s].isEmpty {
            for i in net!.fetchFlows[s].indices {
                let id = net!.fetchFlows[s][i]
                guard net!.flows.contains(id) else { continue }
                _ = net!.flows.removeFlow(id, at: sim.now)
                net!.owner[Int(id.slot)] = -1
            }
            net!.fetchFlows[s].removeAll(keepingCapacity: true)
            net!.fetchLeft[s] = 0
            rescheduleFlows()
        }
        guard let id = net!.flowOf[s] else { return }
        _ = net!.flows.removeFlow(id, at: sim.now)
        net!.flowOf[s] = nil
        net!.owner[Int(id.slot)] = -1
        rescheduleFlows()
    }

    /// Flows that have delivered their bytes end; their attempts move on.
    func flowsDone() {
        net!.event = nil
        net!.finished.removeAll(keepingCapacity: true)
        net!.repairPieces.removeAll(keepingCapacity: true)
        while let (id, at) = net!.flows.nextCompletion(), at <= sim.now {
            _ = net!.flows.removeFlow(id, at: sim.now)
            let d = Int(net!.owner[Int(id.slot)])
            if d >= 0 {
                net!.owner[Int(id.slot)] = -1
                if net!.flowOf[d] == id {
                    net!.flowOf[d] = nil
                    net!.finished.append(d)
                } else {
                    // One piece of a fetch: the phase ends with its last piece.
                    net!.fetchLeft[d] -= 1
                    if net!.fetchLeft[d] == 0 { net!.fetchFlows[d].removeAll(keepingCapacity: true); net!.finished.append(d) }
                }
            } else if d <= -2 {
                net!.owner[Int(id.slot)] = -1
                net!.repairPieces.append(-2 - d)
            }
        }
        rescheduleFlows()
        // advancePhase may start and end flows (never run this again re-entrantly: it is an
        // event handler), so the list is walked by index.
        var i = 0
        while i < net!.finished.count { advancePhase(net!.finished[i]); i += 1 }
        i = 0
        while i < net!.repairPieces.count { storedInputs?.storage.pieceArrived(repair: net!.repairPieces[i]); i += 1 }
    }

    func rescheduleFlows() {
        if let h = net!.event { sim.cancel(h) }
        net!.event = nil
        if let (_, at) = net!.flows.nextCompletion() {
            net!.event = sim.schedule(kinds.flow, at: max(at, sim.now))
        }
    }
}
