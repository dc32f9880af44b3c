import Testing
import CTestSupport
import SwarmKernel
import SwarmModel

/// The storage engine's steady state under churn — devices coming and going, segments
/// falling below their threshold, repairs reading and writing pieces — does not call the
/// allocator per event, counted by the test binary's malloc interposer
/// (`CTestSupport/malloc_count.c`). Before repair kept its sources and targets in flat
/// buffers (`RepairJobs`, `StorageEngine.nearestLive`) and walked its arrays by index (the
/// generic `firstIndex`, `swapAt`, `first` and slice iteration allocate in unoptimised
/// builds), this counted about 8 calls per event; now 52 calls over 19 049 events
/// (2026-12-01), lenders' piece lists growing past the room reserved at upload.
@Suite("Storage allocations")
struct StorageAllocationTests {
    @Test("repair under churn calls the allocator on no event of its steady state (at most one call per 100 events)")
    func repairSteadyState() throws {
        try #require(swarm_malloc_count_available() == 1, "the malloc interposer needs glibc")
        var c = DeviceClass.desktop
        c.name = "box"
        c.availability = .renewal(on: Exponential(mean: 3 * 3600), off: Exponential(mean: 1800))
        let fleet = try Fleet(classes: [c], regions: [("eu", 1), ("us", -5)],
                              mix: [.init(className: "box", region: "eu", count: 1000), .init(className: "box", region: "us", count: 1000)])
        // 1 000 objects of 3-of-6 pieces of 1 MB, repaired as soon as one piece is not live.
        let spec = StorageSpec(objects: [StoredObjects(name: "o", count: 1000, bytes: 3e6, redundancy: .erasure(k: 3, n: 6), repairThreshold: 6)],
                               classes: [.init(className: "box", capacity: 100e6)])
        let engine = StorageEngine(fleet: fleet, spec: spec, seed: 1, horizon: .zero + .days(1),
                                   regionLatency: { a, b in a == b ? 0.005 : 0.05 })
        engine.run(until: .zero + .hours(2))
        let events = engine.sim.eventsProcessed, repairs = engine.metrics.repairsDone
        swarm_malloc_count_start()
        engine.run(until: .zero + .hours(8))
        let calls = swarm_malloc_count_stop()
        let counted = engine.sim.eventsProcessed - events, repaired = engine.metrics.repairsDone - repairs
        print("storage: \(calls) allocator calls over \(counted) events (\(repaired) repairs)")
        #expect(repaired > 1_000)
        #expect(calls * 100 < counted, "\(calls) allocator calls over \(counted) events, \(repaired) repairs")
    }
}
