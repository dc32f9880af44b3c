import Testing
import SwarmKernel
import SwarmModel
import SwarmPolicies

@Suite("Task inputs from stored objects")
struct StorageInputTests {
    /// One always-on device computes; four others hold a 2-of-4 object. The task's input
    /// comes from the 2 nearest holders instead of its data region.
    @Test("a task fetches its input from the holders of a stored object, in the fetch's time")
    func taskFetchesFromHolders() throws {
        var box = DeviceClass.desktop
        box.name = "box"
        box.availability = .alwaysOn
        let fleet = try Fleet(classes: [box], regions: [("eu", 0)], mix: [.init(className: "box", region: "eu", count: 5)])
        var tasks = TaskTable()
        tasks.add(work: .seconds(10), inputBytes: 4e6)
        let engine = WorkEngine(fleet: fleet, tasks: tasks, policy: RoundRobinPolicy(context: PolicyContext(streams: RandomStreams(seed: 1))),
                                seed: 1)
        let spec = StorageSpec(objects: [StoredObjects(name: "input", count: 1, bytes: 4e6, redundancy: .erasure(k: 2, n: 4))],
                               classes: [.init(className: "box", capacity: 1e9)])
        let storage = StorageEngine(fleet: fleet, spec: spec, seed: 1, horizon: .zero + .hours(1), sim: engine.sim)
        var fetched: [Double] = []
        engine.inputSource = { _, d in
            let s = storage.fetch(object: 0, to: d)?.seconds
            if let s { fetched.append(s) }
            return s
        }
        var doneAt: SimTime?
        engine.observer = { if case .returned(_, _, let at) = $0 { doneAt = at } }
        #expect(engine.run())
        #expect(storage.metrics.fetches == 1)
        #expect(storage.metrics.fetchBytes == 2 * 2e6 || storage.metrics.fetchBytes == 1 * 2e6)   // one piece may be local
        // Returned = the fetch + 10 s of compute + the result's message (no bytes: the access latency).
        #expect(fetched.count == 1)
        let returned = try #require(doneAt).seconds
        #expect(abs(returned - (fetched[0] + 10 + box.accessLatency.seconds)) < 1e-6)
        // The fetch reads 2 MB pieces at min(uplink, downlink / 2) with both access latencies.
        let piecesRead = storage.metrics.fetchBytes / 2e6
        let expected = 2 * box.accessLatency.seconds + 2e6 / min(box.uplink, box.downlink / piecesRead)
        #expect(abs(fetched[0] - expected) < 1e-9)
    }
}
