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
    /// Scratch for `flowsDone`: the slots whose flows just ended (kept, so nothing allocates).
    var finished: [Int] = []
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
    }

    /// The links a transfer between `dataRegion` and device `d` crosses (stored inline).
    func path(device d: Int, region: Int, site: Int32, dataRegion: Int, input: Bool) -> NetworkPath {
        let down = LinkID(Int32(deviceLinkBase + 2 * d)), up = LinkID(Int32(deviceLinkBase + 2 * d + 1))
        var links = NetworkPath()
        let here = RegionID(index: region), there = RegionID(index: dataRegion)
        if input {
            if region != dataRegion { links.append(topology.wanOut(there)); links.append(topology.wanIn(here)) }
            if site >= 0 { links.append(topology.backhaulDown(EdgeSiteID(UInt32(site)))) }
            links.append(down)
        } else {
            links.append(up)
            if site >= 0 { links.append(topology.backhaulUp(EdgeSiteID(UInt32(site)))) }
            if region != dataRegion { links.append(topology.wanOut(here)); links.append(topology.wanIn(there)) }
        }
        return links
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
        while let (id, at) = net!.flows.nextCompletion(), at <= sim.now {
            _ = net!.flows.removeFlow(id, at: sim.now)
            let d = Int(net!.owner[Int(id.slot)])
            if d >= 0 {
                net!.owner[Int(id.slot)] = -1
                net!.flowOf[d] = nil
                net!.finished.append(d)
            }
        }
        rescheduleFlows()
        // advancePhase may start and end flows (never run this again re-entrantly: it is an
        // event handler), so the list is walked by index.
        var i = 0
        while i < net!.finished.count { advancePhase(net!.finished[i]); i += 1 }
    }

    func rescheduleFlows() {
        if let h = net!.event { sim.cancel(h) }
        net!.event = nil
        if let (_, at) = net!.flows.nextCompletion() {
            net!.event = sim.schedule(kinds.flow, at: max(at, sim.now))
        }
    }
}
