import Testing
import SwarmKernel
import SwarmModel
import SwarmPolicies

/// Devices 0 and 1 behind one edge site with a 10 MB/s backhaul, any others attached straight
/// to the region; every access link 1 GB/s, no latency.
func engineBehindOneBackhaul(devices: Int, tasks: TaskTable) throws -> WorkEngine {
    var box = DeviceClass.cloudVM
    box.name = "box"
    box.accessLatency = .zero
    box.downlink = 1e9; box.uplink = 1e9
    var fleet = try Fleet(classes: [box], regions: [("eu", 0)], mix: [.init(className: "box", region: "eu", count: devices)])
    fleet.attach(0, toSite: 0)
    fleet.attach(1, toSite: 0)
    let topology = Topology(regions: [.init(name: "eu", wanCapacity: 1e9)],
                            edgeSites: [.init(name: "shop", region: RegionID(index: 0), backhaulCapacity: 10e6)])
    return WorkEngine(fleet: fleet, tasks: tasks, policy: RoundRobinPolicy(context: PolicyContext(streams: RandomStreams(seed: 1))),
                      seed: 1, configuration: .init(network: topology))
}

@Suite("Transfers over a shared network")
struct SharedNetworkTests {
    /// Two devices behind one edge site whose backhaul (10 MB/s) is slower than their access
    /// links (1 GB/s); a third attached straight to the region. Each downloads 10 MB.
    @Test("devices behind one backhaul share it max-min fairly; a device outside it does not")
    func sharedBackhaul() throws {
        var tasks = TaskTable()
        for _ in 0..<3 { tasks.add(work: .seconds(1), inputBytes: 10e6) }
        let engine = try engineBehindOneBackhaul(devices: 3, tasks: tasks)
        var doneAt: [Int: SimTime] = [:]
        engine.observer = { if case .returned(_, let d, let at) = $0 { doneAt[d] = at } }
        #expect(engine.run())
        // Behind the shared 10 MB/s backhaul: 5 MB/s each, 2 s to download, then 1 s of work.
        #expect(doneAt[0] == SimTime(seconds: 10e6 / (10e6 / 2) + 1))
        #expect(doneAt[1] == SimTime(seconds: 10e6 / (10e6 / 2) + 1))
        // Straight to the region: its own 1 GB/s access link, 10 ms, then 1 s of work.
        #expect(doneAt[2] == SimTime(seconds: 10e6 / 1e9 + 1))
    }

    @Test("a transfer speeds up when the one sharing its link ends")
    func speedUp() throws {
        var tasks = TaskTable()
        tasks.add(work: .seconds(0), inputBytes: 10e6)
        tasks.add(work: .seconds(0), inputBytes: 30e6)
        let engine = try engineBehindOneBackhaul(devices: 2, tasks: tasks)
        #expect(engine.run())
        // Both at 5 MB/s until the small one ends at 2 s (20 MB of the big one left), then
        // the big one alone at 10 MB/s: 2 + 20e6 / 10e6 = 4 s.
        let finishes = engine.tasks.finished.sorted()
        #expect(finishes == [SimTime(seconds: 2).ticks, SimTime(seconds: 2 + (30e6 - 2 * 5e6) / 10e6).ticks])
    }
}
