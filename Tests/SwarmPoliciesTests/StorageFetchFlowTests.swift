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

    /// Three boxes in eu lending storage (uplinks 10 MB/s, downlinks 1 GB/s, no latency) hold
    /// two replicas of a 10 MB object; a reader in us runs one zero-second task reading it.
    /// One holder leaves at 0 s: the repair copies the surviving replica to the third box
    /// while the task fetches it from the same holder. Returns the task's return time and the
    /// repair's duration.
    static func repairBesideFetch(flows: Bool) throws -> (task: Double, repair: Double) {
        var box = DeviceClass.desktop
        box.name = "box"
        box.availability = .alwaysOn
        box.accessLatency = .zero
        box.uplink = 10e6; box.downlink = 1e9
        var reader = box
        reader.name = "reader"
        let fleet = try Fleet(classes: [box, reader], regions: [("eu", 0), ("us", 0)],
                              mix: [.init(className: "box", region: "eu", count: 3), .init(className: "reader", region: "us", count: 1)])
        var tasks = TaskTable()
        tasks.add(work: .seconds(0), inputBytes: 10e6, residency: RegionSet([1]))
        let topology = Topology(regions: [.init(name: "eu", wanCapacity: 1e9), .init(name: "us", wanCapacity: 1e9)])
        let engine = WorkEngine(fleet: fleet, tasks: tasks, policy: RoundRobinPolicy(context: PolicyContext(streams: RandomStreams(seed: 1))),
                                seed: 1, configuration: .init(network: flows ? topology : nil))
        let spec = StorageSpec(objects: [StoredObjects(name: "input", count: 1, bytes: 10e6, redundancy: .replication(2))],
                               classes: [.init(className: "box", capacity: 1e9)])
        let storage = StorageEngine(fleet: fleet, spec: spec, seed: 1, horizon: .zero + .hours(1), sim: engine.sim)
        engine.readInputs(from: storage, objectKinds: [0])
        let holders = storage.holders(ofSegment: 0)
        #expect(holders.count == 2)
        storage.depart(holders[0])
        var returned: Double?
        engine.observer = { if case .returned(_, _, let at) = $0 { returned = at.seconds } }
        #expect(engine.run())
        storage.run(until: .zero + .hours(1))
        #expect(storage.metrics.repairsDone == 1 && storage.metrics.repairBytesRead == 10e6)
        #expect(storage.metrics.fetchBytes == 10e6)
        return (try #require(returned), storage.metrics.repairSeconds)
    }

    @Test("a repair's pieces are flows: reading beside a fetch from the same holder, each gets half its uplink")
    func repairSharesUplink() throws {
        // Both 10 MB copies leave the surviving holder's 10 MB/s uplink at once: 5 MB/s each, 2 s.
        let shared = try Self.repairBesideFetch(flows: true)
        #expect(abs(shared.task - 10e6 / (10e6 / 2)) < 1e-6)
        #expect(abs(shared.repair - 10e6 / (10e6 / 2)) < 1e-6)
        // The formula gives each the whole uplink: 1 s.
        let alone = try Self.repairBesideFetch(flows: false)
        #expect(abs(alone.task - 10e6 / 10e6) < 1e-6)
        #expect(abs(alone.repair - 10e6 / 10e6) < 1e-6)
    }

    /// Six boxes (uplinks 10 MB/s, downlinks 1 GB/s, no latency) hold a 2-of-4 object of
    /// 1 MB pieces, repaired below 3 live pieces; two holders leave. The repair reads 2 pieces
    /// into the repairer (1 MB each from its own 10 MB/s uplink: 0.1 s), then sends the other
    /// new piece out of the repairer's uplink (0.1 s) — on flows as under the formula, nothing
    /// else sharing the links.
    @Test("a repair on flows reads k pieces, then writes the new ones, in the formula's time when nothing shares its links", arguments: [true, false])
    func repairWritePhase(flows: Bool) throws {
        var box = DeviceClass.desktop
        box.name = "box"
        box.availability = .alwaysOn
        box.accessLatency = .zero
        box.uplink = 10e6; box.downlink = 1e9
        let fleet = try Fleet(classes: [box], regions: [("eu", 0)], mix: [.init(className: "box", region: "eu", count: 6)])
        var tasks = TaskTable()
        tasks.add(work: .seconds(0))
        let engine = WorkEngine(fleet: fleet, tasks: tasks, policy: RoundRobinPolicy(context: PolicyContext(streams: RandomStreams(seed: 1))),
                                seed: 1, configuration: .init(network: flows ? Topology(regions: [.init(name: "eu", wanCapacity: 1e9)]) : nil))
        let spec = StorageSpec(objects: [StoredObjects(name: "o", count: 1, bytes: 2e6, redundancy: .erasure(k: 2, n: 4), repairThreshold: 3)],
                               classes: [.init(className: "box", capacity: 1e9)])
        let storage = StorageEngine(fleet: fleet, spec: spec, seed: 1, horizon: .zero + .hours(1), sim: engine.sim)
        // The task reads no object: the repair has the links to itself.
        engine.readInputs(from: storage, objectKinds: [nil])
        for h in storage.holders(ofSegment: 0).prefix(2) { storage.depart(h) }
        // The work (one empty task) settles first and stops the run; the storage runs on.
        #expect(engine.run())
        storage.run(until: .zero + .hours(1))
        #expect(storage.metrics.repairsDone == 1 && storage.metrics.piecesRepaired == 2 && storage.livePieces(0) == 4)
        #expect(storage.metrics.repairBytesRead == 2 * 1e6 && storage.metrics.repairBytesWritten == 2 * 1e6)
        #expect(abs(storage.metrics.repairSeconds - (1e6 / 10e6 + 1e6 / 10e6)) < 1e-6)
    }
}
