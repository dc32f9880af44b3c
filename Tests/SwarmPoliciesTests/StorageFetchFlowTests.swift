import Testing
import SwarmKernel
import SwarmModel
import SwarmPolicies

/// Task inputs fetched from stored objects' holders over the shared network
/// (`network.model: flows`): each piece a flow sharing links with the others.
@Suite("Fetches over a shared network")
struct StorageFetchFlowTests {
    /// Three devices in one region, no latency, uplinks of 10 MB/s and downlinks of 1 GB/s;
    /// device 0 alone lends storage and holds the one replica of a 10 MB object. Three
    /// zero-second tasks read it, one per device (round-robin).
    static func run(flows: Bool) throws -> [Int: Double] {
        var holder = DeviceClass.desktop
        holder.name = "holder"
        holder.availability = .alwaysOn
        holder.accessLatency = .zero
        holder.uplink = 10e6; holder.downlink = 1e9
        var reader = holder
        reader.name = "reader"
        let fleet = try Fleet(classes: [holder, reader], regions: [("eu", 0)],
                              mix: [.init(className: "holder", region: "eu", count: 1), .init(className: "reader", region: "eu", count: 2)])
        var tasks = TaskTable()
        for _ in 0..<3 { tasks.add(work: .seconds(0), inputBytes: 10e6) }
        let topology = Topology(regions: [.init(name: "eu", wanCapacity: 1e9)])
        let engine = WorkEngine(fleet: fleet, tasks: tasks, policy: RoundRobinPolicy(context: PolicyContext(streams: RandomStreams(seed: 1))),
                                seed: 1, configuration: .init(network: flows ? topology : nil))
        let spec = StorageSpec(objects: [StoredObjects(name: "input", count: 1, bytes: 10e6, redundancy: .replication(1))],
                               classes: [.init(className: "holder", capacity: 1e9)])
        let storage = StorageEngine(fleet: fleet, spec: spec, seed: 1, horizon: .zero + .hours(1), sim: engine.sim)
        engine.readInputs(from: storage, objectKinds: [0])
        #expect(storage.holders(ofSegment: 0) == [0])
        var returned: [Int: Double] = [:]
        engine.observer = { if case .returned(_, let d, let at) = $0 { returned[d] = at.seconds } }
        #expect(engine.run())
        #expect(storage.metrics.fetches == 3 && storage.metrics.fetchBytes == 2 * 10e6)
        return returned
    }

    @Test("two readers fetching from one holder share its uplink as flows; without flows each gets all of it")
    func sharedUplink() throws {
        let shared = try Self.run(flows: true)
        // The holder reads its own replica: nothing to fetch, done at once.
        #expect(shared[0] == 0)
        // Both readers' pieces leave through the holder's 10 MB/s uplink at once: 5 MB/s
        // each, 10 MB in 2 s.
        #expect(abs(shared[1]! - 10e6 / (10e6 / 2)) < 1e-6)
        #expect(abs(shared[2]! - 10e6 / (10e6 / 2)) < 1e-6)
        // The latency-and-bandwidth formula gives each fetch the whole uplink: 1 s.
        let alone = try Self.run(flows: false)
        #expect(alone[0] == 0)
        #expect(abs(alone[1]! - 10e6 / 10e6) < 1e-6 && abs(alone[2]! - 10e6 / 10e6) < 1e-6)
    }
}
