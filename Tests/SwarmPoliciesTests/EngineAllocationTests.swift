import Testing
import CTestSupport
import SwarmKernel
import SwarmModel
import SwarmPolicies

/// The engine's steady state does not call the allocator per event: a churning fleet working
/// through a bag, counted by the test binary's malloc interposer (`CTestSupport/malloc_count.c`)
/// — calls, not bytes, so an allocate-then-free per event shows. Before the lifecycle kept its
/// per-task lists of live attempts, its ballots, its dispatch round's buffers and the
/// policy's view of the queues in place, this counted 11 calls per event (2026-11-30); now
/// about one per 400 events, the event list's amortised bucket growth. Tasks voted on by
/// two replicas kept their first vote in a dictionary of arrays (an allocation per task)
/// until 2026-12-02 (`BallotBox`).
@Suite("Engine allocations")
struct EngineAllocationTests {
    /// Allocator calls per event over [2 h, 8 h] of a 2 000-device churning fleet with 30 000
    /// ten-minute tasks with transfers, after [0, 2 h] warmed it up.
    /// `votes` > 1: each task runs that many replicas and is accepted when they agree (a
    /// ballot kept between results).
    static func callsPerEvent(_ policy: any SchedulingPolicy, votes: Int = 1) throws -> (calls: UInt64, events: UInt64) {
        var c = DeviceClass.desktop
        c.availability = .renewal(on: Exponential(mean: 3 * 3600), off: Exponential(mean: 1800))
        let fleet = try Fleet(classes: [c, .laptop], regions: [("eu", 1), ("us", -5)],
                              mix: [.init(className: "desktop", region: "eu", count: 1500), .init(className: "laptop", region: "us", count: 500)])
        var tasks = TaskTable()
        for _ in 0..<30_000 / votes {
            tasks.add(work: .seconds(600), inputBytes: 1e6, outputBytes: 1e5, replication: votes, quorum: votes)
        }
        let engine = WorkEngine(fleet: fleet, tasks: tasks, policy: policy, seed: 1)
        engine.run(until: .zero + .hours(2))
        let before = engine.sim.eventsProcessed
        swarm_malloc_count_start()
        engine.run(until: .zero + .hours(8))
        let calls = swarm_malloc_count_stop()
        return (calls, engine.sim.eventsProcessed - before)
    }

    @Test("the interposer counts this thread's allocations")
    func interposerCounts() throws {
        try #require(swarm_malloc_count_available() == 1, "the malloc interposer needs glibc")
        swarm_malloc_count_start()
        var boxes: [[Int]] = []
        for i in 0..<100 { boxes.append([i, i + 1]) }   // 100 arrays, each its own allocation
        let calls = swarm_malloc_count_stop()
        #expect(boxes.count == 100 && calls >= 100)
    }

    @Test("a churning fleet working through a bag calls the allocator on no event of its steady state (at most one call per 100 events)",
          arguments: ["random", "least-loaded", "random, 2 agreeing votes"])
    func steadyState(_ name: String) throws {
        try #require(swarm_malloc_count_available() == 1, "the malloc interposer needs glibc")
        let context = PolicyContext(streams: RandomStreams(seed: 1))
        let policy: any SchedulingPolicy = name.hasPrefix("random") ? RandomPolicy(parameters: NoParameters(), context: context)
                                                                    : LeastLoadedPolicy(parameters: .init(), context: context)
        let votes = name.hasSuffix("votes") ? 2 : 1
        let (calls, events) = try Self.callsPerEvent(policy, votes: votes)
        print("\(name): \(calls) allocator calls over \(events) events")
        #expect(events > 10_000)
        #expect(calls * 100 < events, "\(name): \(calls) allocator calls over \(events) events")
    }
}
