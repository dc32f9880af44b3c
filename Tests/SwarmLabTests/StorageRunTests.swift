import Foundation
import Testing
import SwarmKernel
import SwarmLab
import SwarmModel
import SwarmResults
import SwarmScenario

/// A scenario with a `storage` section, run end to end: `/objects` and `/storage_timeline`
/// in the results file, the figures in the run's JSON.
@Suite("Storage in a run")
struct StorageRunTests {
    /// 20 always-on desktops; 5 objects of 3-of-6 pieces; a bag whose tasks read them.
    static let text = """
    version: 1
    name: storage-run
    seed: 3
    duration: 6h
    regions:
      - { name: eu, utc_offset: 1 }
    fleet:
      - { class: desktop, region: eu, count: 20, availability: always-on }
    workloads:
      - bag: { tasks: 10, work: { seconds: 1min }, input: 3MB, input_object: w }
    policies: [random]
    storage:
      sample_every: 1h
      classes:
        - { class: desktop, capacity: 1GB }
      objects:
        - { name: w, count: 5, size: 3MB, erasure: 3-of-6 }
    """

    @Test("the results file holds one /objects row per object and one /storage_timeline row per interval")
    func resultsFile() throws {
        let s = try Scenario.parse(text: Self.text, file: "storage.yaml", registry: .builtin)
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("swarmlab-storage-\(getpid())-\(UUID().uuidString).h5").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let r = try #require(try ScenarioRunner.run(s, resultsPath: path).first)
        #expect(r.metrics.tasksDone == 10)
        let storage = try #require(r.storage)
        #expect(storage.metrics.fetches >= 10)   // one per input phase: tasks read their object
        // Always on, never leaving: every object readable, 6/3 overhead, no repair.
        #expect(storage.metrics.meanAvailability == 1 && storage.metrics.objectsLost == 0 && storage.metrics.repairsDone == 0)
        #expect(abs(storage.metrics.storageOverhead - 6.0 / 3) < 1e-12)
        let reader = try ResultsReader(path: path)
        #expect(try reader.tableShape("random/objects").rows == 5)
        #expect(try reader.column("random/objects", "min_live_pieces") == [Double](repeating: 6, count: 5))
        // Rows at 0, 1 h, …, 6 h.
        #expect(try reader.column("random/storage_timeline", "time") == (0...6).map { Double($0) * 3600 })
        #expect(try reader.column("random/storage_timeline", "available_fraction") == [Double](repeating: 1, count: 7))
        let json = ScenarioRunner.jsonObject(r)["storage"] as? [String: Any]
        #expect(json?["objects"] as? Int == 5)
    }

    /// The same scenario under `storage-locality`, named in the file: all ten tasks start at
    /// once on twenty devices, each object's six holders idle, so every task runs on a holder
    /// of its object and reads its own 1 MB piece locally, fetching the other 2 of its 3 —
    /// 10 × 2 MB in all. Under random a task off the holders fetches 3 MB.
    @Test("a scenario naming storage-locality runs each task on a holder of its object")
    func localityByName() throws {
        let text = Self.text.replacingOccurrences(of: "policies: [random]", with: "policies: [random, storage-locality]")
        let s = try Scenario.parse(text: text, file: "storage.yaml", registry: .builtin)
        let runs = try ScenarioRunner.run(s, resultsPath: nil)
        let random = try #require(runs.first { $0.policy == "random" }?.storage)
        let local = try #require(runs.first { $0.policy == "storage-locality" }?.storage)
        #expect(local.metrics.fetches == 10 && local.metrics.fetchBytes == 10 * 2e6)
        #expect(random.metrics.fetches == 10 && random.metrics.fetchBytes > local.metrics.fetchBytes)
    }
}
