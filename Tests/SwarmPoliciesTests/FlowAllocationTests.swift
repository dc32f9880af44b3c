import Testing
import CTestSupport
import SwarmKernel
import SwarmModel
import SwarmPolicies

/// Flows at scale call the allocator on no change of their steady state: `FlowNetwork` alone,
/// and the engine running its transfers as flows (counted by the test binary's malloc
/// interposer, `CTestSupport/malloc_count.c`: calls, not bytes).
@Suite("Flow network allocations")
struct FlowAllocationTests {
    @Test("10 000 transfers over shared WAN and backhaul links: 100 000 changes call the allocator at most once per 1 000 changes")
    func networkSteadyState() throws {
        try #require(swarm_malloc_count_available() == 1, "the malloc interposer needs glibc")
        let topology = Topology(regions: [.init(name: "a", wanCapacity: 1.25e9), .init(name: "b", wanCapacity: 1.25e9)],
                                edgeSites: (0..<8).map { .init(name: "s\($0)", region: RegionID(index: $0 % 2), backhaulCapacity: 1.25e8) })
        var net = topology.makeFlowNetwork()
        let access: [Double] = [2.5e6, 12.5e6, 125e6]
        var g = RandomStreams(seed: 5).stream("flow-allocations")
        var paths: [NetworkPath] = []
        for d in 0..<10_000 {
            let down = net.addLink(capacity: access[d % 3]), up = net.addLink(capacity: access[d % 3] / 5)
            let at: NetworkAttachment = d % 2 == 0 ? .edgeSite(EdgeSiteID(UInt32(d % 8))) : .region(RegionID(index: d % 2))
            let me = TransferEndpoint.device(at, uplink: up, downlink: down)
            let other = TransferEndpoint.device(.region(RegionID(index: (d + 1) % 2)), uplink: up, downlink: down)
            paths.append(d % 4 < 2 ? topology.path(from: me, to: other) : topology.path(from: other, to: me))
        }
        var deviceOf = [Int](repeating: 0, count: 10_000)
        for d in 0..<10_000 { deviceOf[Int(net.addFlow(bytes: Double(1 + g.nextIndex(below: 100)) * 1e6, links: paths[d], at: .zero).slot)] = d }
        func churn(_ changes: Int, _ net: inout FlowNetwork, _ g: inout Xoshiro256) -> Int {
            var done = 0
            while done < changes, let (id, at) = net.nextCompletion() {
                let d = deviceOf[Int(id.slot)]
                net.removeFlow(id, at: at)
                deviceOf[Int(net.addFlow(bytes: Double(1 + g.nextIndex(below: 100)) * 1e6, links: paths[d], at: at).slot)] = d
                done += 2
            }
            return done
        }
        _ = churn(20_000, &net, &g)   // warm-up: arrays reach their working sizes
        swarm_malloc_count_start()
        let changes = churn(100_000, &net, &g)
        let calls = swarm_malloc_count_stop()
        print("FlowNetwork: \(calls) allocator calls over \(changes) changes")
        #expect(changes == 100_000 && net.activeFlowCount == 10_000)
        #expect(calls * 1_000 <= UInt64(changes), "\(calls) allocator calls over \(changes) changes")
    }

    @Test("the engine running transfers as flows calls the allocator on no event of its steady state (at most one call per 100 events)")
    func engineSteadyState() throws {
        try #require(swarm_malloc_count_available() == 1, "the malloc interposer needs glibc")
        var c = DeviceClass.desktop
        c.availability = .renewal(on: Exponential(mean: 3 * 3600), off: Exponential(mean: 1800))
        var fleet = try Fleet(classes: [c, .laptop], regions: [("eu", 1), ("us", -5)],
                              mix: [.init(className: "desktop", region: "eu", count: 1500), .init(className: "laptop", region: "us", count: 500)])
        for d in stride(from: 0, to: 1500, by: 2) { fleet.attach(d, toSite: Int32(d % 4)) }
        let topology = Topology(regions: [.init(name: "eu", wanCapacity: 1.25e8), .init(name: "us", wanCapacity: 1.25e8)],
                                edgeSites: (0..<4).map { .init(name: "s\($0)", region: RegionID(index: 0), backhaulCapacity: 2.5e7) })
        var tasks = TaskTable()
        BagOfTasks(count: 30_000, work: .seconds(600), inputBytes: 50e6, outputBytes: 5e6)
            .generate(into: &tasks, job: 0, streams: RandomStreams(seed: 1))
        let policy = RandomPolicy(parameters: NoParameters(), context: PolicyContext(streams: RandomStreams(seed: 1)))
        let engine = WorkEngine(fleet: fleet, tasks: tasks, policy: policy, seed: 1,
                                configuration: .init(network: topology))
        engine.run(until: .zero + .hours(2))
        let before = engine.sim.eventsProcessed
        swarm_malloc_count_start()
        engine.run(until: .zero + .hours(8))
        let calls = swarm_malloc_count_stop()
        let events = engine.sim.eventsProcessed - before
        print("engine with flows: \(calls) allocator calls over \(events) events")
        #expect(events > 10_000)
        #expect(calls * 100 < events, "\(calls) allocator calls over \(events) events")
    }
}
