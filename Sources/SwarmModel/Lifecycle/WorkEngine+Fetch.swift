import SwarmKernel

/// Task inputs read from stored objects (`input_object`, docs/models/storage.md): the input
/// phase is the fetch from the object's holders (`StorageEngine.fetch`) instead of the
/// transfer from the data region. Without a shared network it takes the fetch's time; with
/// one (`Configuration.network`), the fetch's latency part first, then every piece it reads
/// as a flow from its holder to the device (`SharedTransfers.path(from:to:)`: the holder's
/// uplink and backhaul, the WAN between their regions, the device's backhaul and downlink),
/// sharing links max-min fairly with every other transfer; the phase ends when the last
/// piece has arrived. The segments' pieces flow at once, not one segment after another.
extension WorkEngine {
    /// Tasks of job j read object kind `objectKinds[j]` (`StorageSpec.objects` index; nil:
    /// their input comes from their data region as usual): task t reads object t mod count of
    /// its kind, fetched from `storage`'s holders, and policies see who holds what through
    /// `FleetView.storage` (read-only). With a shared network, the storage engine's repairs
    /// move their pieces as flows on it too (`PieceTransport`).
    public func readInputs(from storage: StorageEngine, objectKinds: [Int?]) {
        let locality = StorageLocality(engine: storage, kindOfJob: objectKinds.map { $0 ?? -1 })
        lifecycle.view.storage = locality
        storedInputs = (storage, locality)
        // Repair traffic shares the network too.
        if net != nil { storage.transport = self }
    }

    /// Starts slot s's input phase as a fetch when task t reads a stored object that can be
    /// read now; false otherwise (the usual transfer then).
    func beginFetch(_ t: Int, _ s: Int, _ d: Int) -> Bool {
        guard let stored = storedInputs,
              let o = stored.locality.inputObject(task: t, job: Int(lifecycle.tasks.job[t])),
              let plan = stored.storage.fetch(object: o, to: d) else { return false }
        if net != nil && plan.bytes > 0 {
            net!.fetchPlan[s] = plan
            net!.awaiting[s] = true
            phaseEvent[s] = sim.schedule(kinds.phase, target: UInt32(s), after: SimDuration(seconds: plan.latency))
        } else {
            phaseEvent[s] = sim.schedule(kinds.phase, target: UInt32(s), after: SimDuration(seconds: plan.seconds))
        }
        return true
    }

    /// The fetch's latency has passed: one flow per piece read, from its holder to the device.
    func startFetchFlows(_ s: Int, _ plan: FetchPlan) {
        let d = lifecycle.device(ofSlot: s)
        net!.fetchPlan[s] = nil
        net!.fetchFlows[s].removeAll(keepingCapacity: true)
        for segment in plan.sources {
            for h in segment {
                let id = net!.flows.addFlow(bytes: plan.pieceBytes, links: net!.path(from: h, to: d, fleet: view.fleet), at: sim.now)
                net!.fetchFlows[s].append(id)
                net!.own(id, s)
            }
        }
        net!.fetchLeft[s] = Int32(net!.fetchFlows[s].count)
        rescheduleFlows()
    }
}

/// A repair's pieces as flows on the work engine's shared network: owner −2 − job in
/// `SharedTransfers.owner` marks them (slots own flows with ids ≥ 0).
extension WorkEngine: PieceTransport {
    /// One piece of storage repair `job` as a flow from device a to device b.
    public func movePiece(bytes: Double, from a: Int, to b: Int, repair job: Int) {
        precondition(net != nil, "repair pieces move as flows only on a shared network (Configuration.network)")
        let id = net!.flows.addFlow(bytes: bytes, links: net!.path(from: a, to: b, fleet: view.fleet), at: sim.now)
        net!.own(id, -2 - job)
        rescheduleFlows()
    }
}
