import Testing
import SwarmKernel
import SwarmModel
import SwarmPolicies

/// `storage-locality`: tasks reading a stored object go to its holders, then near them.
@Suite("storage-locality places tasks near their stored input")
struct StorageLocalityTests {
    static let objectBytes = 100e6

    /// Desktops named `box` (lending 1 GB each) in `boxes` per region, `plain` desktops (lending
    /// nothing) in `plain` per region; regions eu (0) and us (1), 40 ms apart one way.
    static func fleet(boxes: [Int], plain: [Int] = [0, 0]) throws -> Fleet {
        var box = DeviceClass.desktop
        box.name = "box"
        box.availability = .alwaysOn
        var other = box
        other.name = "plain"
        var mix: [Fleet.Share] = []
        for (r, name) in ["eu", "us"].enumerated() {
            if boxes[r] > 0 { mix.append(.init(className: "box", region: name, count: boxes[r])) }
            if plain[r] > 0 { mix.append(.init(className: "plain", region: name, count: plain[r])) }
        }
        return try Fleet(classes: [box, other], regions: [("eu", 0), ("us", 0)], mix: mix)
    }

    static let latency: @Sendable (Int, Int) -> Double = { a, b in a == b ? 0 : 0.040 }

    struct Outcome {
        var storage: StorageEngine
        var engine: WorkEngine
        /// Per task: its device, and its latency (arrival at 0 to its result returned), seconds.
        var device: [Int: Int] = [:]
        var latency: [Int: Double] = [:]
        var meanLatency: Double { latency.values.reduce(0, +) / Double(latency.count) }
    }

    /// `tasks` one-second tasks, all reading the one object (`redundancy`), under `policy`.
    static func run(_ policy: any SchedulingPolicy, fleet: Fleet, tasks count: Int, redundancy: Redundancy,
                    dataRegion: Int = 0, arrivals: [Double]? = nil, cache: Double = 0,
                    before: (StorageEngine) -> Void = { _ in }) -> Outcome {
        var tasks = TaskTable()
        for i in 0..<count {
            tasks.add(work: .seconds(1), inputBytes: objectBytes, dataRegion: dataRegion, arrival: .zero + .seconds(arrivals?[i] ?? 0))
        }
        let engine = WorkEngine(fleet: fleet, tasks: tasks, policy: policy, seed: 1,
                                configuration: .init(regionLatency: latency))
        let spec = StorageSpec(objects: [StoredObjects(name: "input", count: 1, bytes: objectBytes, redundancy: redundancy)],
                               classes: [.init(className: "box", capacity: 1e9)], cacheBytes: cache)
        let storage = StorageEngine(fleet: fleet, spec: spec, seed: 1, horizon: .zero + .hours(1), regionLatency: latency, sim: engine.sim)
        engine.readInputs(from: storage, objectKinds: [0])
        before(storage)
        var outcome = Outcome(storage: storage, engine: engine)
        engine.observer = {
            if case .returned(let t, let d, let at) = $0 { outcome.device[t.index] = d; outcome.latency[t.index] = at.seconds }
        }
        _ = engine.run()
        outcome.storage = storage
        return outcome
    }

    static var context: PolicyContext { PolicyContext(streams: RandomStreams(seed: 1), latency: latency) }

    /// Ten devices in eu, three replicas of a 100 MB object, three tasks reading it.
    /// storage-locality puts each task on a replica holder: nothing crosses the network, and
    /// each task takes its second of compute plus the result's message (no bytes: the access
    /// latency). least-loaded samples idle devices at random: every task it puts off the
    /// holders fetches the whole object from the nearest replica, in 2 access latencies +
    /// 100 MB at min(uplink, downlink).
    @Test("on a replicated object storage-locality fetches nothing and least-loaded fetches the object per task it puts off the holders")
    func fewerBytesThanLeastLoaded() throws {
        let fleet = try Self.fleet(boxes: [10, 0])
        let local = Self.run(StorageLocalityPolicy(context: Self.context), fleet: fleet, tasks: 3, redundancy: .replication(3))
        let loaded = Self.run(LeastLoadedPolicy(parameters: .init(), context: Self.context), fleet: fleet, tasks: 3, redundancy: .replication(3))
        let holders = Set(local.storage.holders(ofSegment: 0))
        #expect(holders.count == 3)
        #expect(local.engine.metrics.tasksDone == 3 && loaded.engine.metrics.tasksDone == 3)
        #expect(Set(local.device.values) == holders)
        #expect(local.storage.metrics.fetchBytes == 0)

        let box = fleet.classes[0]
        let compute = 1.0, message = box.accessLatency.seconds
        let fetch = 2 * box.accessLatency.seconds + Self.objectBytes / min(box.uplink, box.downlink)
        for t in 0..<3 { #expect(abs(local.latency[t]! - (compute + message)) < 1e-6) }

        // least-loaded (seed 1) puts some tasks off the holders: each one fetches the object.
        let off = loaded.device.filter { !holders.contains($0.value) }
        #expect(off.count >= 1)
        #expect(loaded.storage.metrics.fetchBytes == Double(off.count) * Self.objectBytes)
        #expect(local.storage.metrics.fetchBytes < loaded.storage.metrics.fetchBytes)
        for (t, _) in off { #expect(abs(loaded.latency[t]! - (fetch + compute + message)) < 1e-6) }
        let expectedMean = (3 * (compute + message) + Double(off.count) * fetch) / 3
        #expect(abs(loaded.meanLatency - expectedMean) < 1e-6)
        #expect(local.meanLatency < loaded.meanLatency)
    }

    /// A 2-of-4 object on the four boxes (eu), tasks whose data region is us, six plain
    /// desktops (three per region). The first four tasks go to the holders, each reading one
    /// piece locally and one 50 MB piece from the nearest other holder; the next two find no
    /// idle holder and go to eu, where the live holders are (no WAN latency), not to the data's
    /// region, each fetching both pieces.
    @Test("a holder first, then the region nearest the live holders rather than the task's data region")
    func holdersThenNearestRegion() throws {
        let fleet = try Self.fleet(boxes: [4, 0], plain: [3, 3])
        let run = Self.run(StorageLocalityPolicy(context: Self.context), fleet: fleet, tasks: 6, redundancy: .erasure(k: 2, n: 4), dataRegion: 1)
        #expect(run.engine.metrics.tasksDone == 6)
        let holders = Set(run.storage.holders(ofSegment: 0))
        #expect(run.device.values.filter { holders.contains($0) }.count == 4)
        #expect(run.device.values.allSatisfy { fleet.regionOf[$0] == 0 })
        let piece = Self.objectBytes / 2
        #expect(run.storage.metrics.fetchBytes == 4 * piece + 2 * (2 * piece))
        let compute = 1.0, message = fleet.classes[0].accessLatency.seconds
        // Both pieces of 50 MB in parallel into the downlink at min(uplink, downlink / 2),
        // or one at min(uplink, downlink): 50 MB at the uplink either way (40 < 90 / 2 Mbit/s).
        let c = fleet.classes[0]
        #expect(c.uplink < c.downlink / 2)
        let fetch = 2 * c.accessLatency.seconds + piece / c.uplink
        // Each result goes back to the data's region, us: 40 ms more.
        for t in 0..<6 { #expect(abs(run.latency[t]! - (fetch + compute + message + 0.040)) < 1e-6) }
        // locality-aware (the data's region first) sends three tasks to us, fetching both
        // pieces across the WAN (+40 ms, their results staying in us), and three to the eu
        // holders (one piece each, their results crossing to us: +40 ms): the same latency,
        // 50 MB more moved.
        let usual = Self.run(LocalityAwarePolicy(parameters: .init(), context: Self.context), fleet: fleet, tasks: 6,
                             redundancy: .erasure(k: 2, n: 4), dataRegion: 1)
        #expect(usual.device.values.filter { fleet.regionOf[$0] == 1 }.count == 3)
        #expect(usual.storage.metrics.fetchBytes == 3 * (2 * piece) + 3 * piece)
        #expect(abs(usual.meanLatency - (fetch + compute + message + 0.040)) < 1e-6)
        #expect(run.storage.metrics.fetchBytes < usual.storage.metrics.fetchBytes)
    }

    /// One replica on one of four boxes; two tasks at 0 s, two more at 100 s, a 1 GB cache per
    /// device. At 0 s one task runs on the holder (nothing to fetch), the other on another eu
    /// box, which fetches the object and keeps it. At 100 s the holder and that box both have
    /// the whole object (a replica, a cached copy): the two late tasks go to them and fetch
    /// nothing. One fetch of 100 MB in all; two cache hits (a fetch keeps the object, even the
    /// holder's, read from its own replica).
    @Test("a device keeping a cached copy counts as a holder")
    func cachedCopies() throws {
        let fleet = try Self.fleet(boxes: [4, 0])
        let run = Self.run(StorageLocalityPolicy(context: Self.context), fleet: fleet, tasks: 4, redundancy: .replication(1),
                           arrivals: [0, 0, 100, 100], cache: 1e9)
        #expect(run.engine.metrics.tasksDone == 4)
        let holder = try #require(run.storage.holders(ofSegment: 0).first)
        #expect(run.device[0] == holder || run.device[1] == holder)
        let early = Set([run.device[0]!, run.device[1]!]), late = Set([run.device[2]!, run.device[3]!])
        #expect(late == early)
        #expect(run.storage.metrics.fetchBytes == Self.objectBytes)
        #expect(run.storage.metrics.cacheHits == 2)
    }

    /// Every holder of the object goes offline before the task is placed: the policy finds no
    /// holder and no readable object, falls back to the usual choice, and the task runs, its
    /// input coming from its data region (the fetch fails and is counted).
    @Test("a task whose object's holders are all offline still runs")
    func fallsBack() throws {
        let fleet = try Self.fleet(boxes: [3, 0], plain: [2, 0])
        let run = Self.run(StorageLocalityPolicy(context: Self.context), fleet: fleet, tasks: 1, redundancy: .replication(3)) { storage in
            for h in storage.holders(ofSegment: 0) { storage.wentOffline(h) }
        }
        #expect(run.storage.livePieces(0) == 0)
        #expect(run.engine.metrics.tasksDone == 1)
        #expect(run.storage.metrics.fetches == 1 && run.storage.metrics.fetchesFailed == 1 && run.storage.metrics.fetchBytes == 0)
        // The usual transfer: latency plus 100 MB over the device's downlink, then 1 s, then the result.
        let box = fleet.classes[0]
        let usual = box.accessLatency.seconds + Self.objectBytes / box.downlink + 1 + box.accessLatency.seconds
        #expect(abs(run.latency[0]! - usual) < 1e-6)
    }
}
