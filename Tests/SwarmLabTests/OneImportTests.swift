// This file imports SwarmLab alone (besides the test libraries): what a Swift user writing a
// policy needs must come with it.
import Foundation
import Testing
import SwarmLab

/// A researcher's policy, as DESIGN.md shows it: the idle device with the highest id.
struct HighestIdle: SchedulingPolicy {
    static let name = "highest-idle"
    static let summary = "The idle device with the highest id (a user's policy, tests)."
    init(parameters: NoParameters, context: PolicyContext) {}
    mutating func place(_ ready: ReadyTasks, on fleet: FleetView, into placements: inout Placements) {
        for task in ready {
            guard let d = (0..<fleet.fleet.count).reversed().first(where: fleet.isIdle) else { return }
            placements.assign(task, to: d)
        }
    }
}

@Suite("Library API: one import")
struct OneImportTests {
    /// Four desktops and a bag of 10-s tasks under the user's policy `highest-idle`.
    static func mine(tasks: Int) -> String {
        """
        version: 1
        name: mine
        seed: 3
        duration: 1h
        regions: [{ name: eu }]
        fleet: [{ class: desktop, region: eu, count: 4 }]
        workloads: [{ bag: { tasks: \(tasks), work: { seconds: 10s } } }]
        policies: [highest-idle]
        """
    }

    @Test("with import SwarmLab alone, a user's policy runs through Swarmlab.run beside a built-in one and gets the work done")
    func customPolicyOneImport() throws {
        let (dir, file) = try temporaryScenario("mine.yaml", Self.mine(tasks: 3))
        defer { try? FileManager.default.removeItem(at: dir) }
        let registry = PolicyRegistry.builtin + [HighestIdle.self]
        // the file names the user's policy: it reads with that registry, and not without it
        #expect(throws: (any Error).self) { try Swarmlab.run(scenarioAt: file) }
        let results = try Swarmlab.run(scenarioAt: file, policies: ["highest-idle", "round-robin"], registry: registry)
        #expect(results.map(\.policy) == ["highest-idle", "round-robin"])
        #expect(results.allSatisfy { $0.metrics.tasksDone == 3 })
        #expect(throws: ScenarioRunner.UnknownPolicy.self) { try Swarmlab.run(scenarioAt: file, policies: ["nope"], registry: registry) }
        // the same policy validates through the user's registry: its simulated side runs
        let profile = try DeviceProfile.read(path: repositoryRoot.appendingPathComponent("results/calibration/2-core-x86_64-debian-12.json").path)
        let scenario = try Scenario.read(path: file, registry: registry)
        let (observation, _) = try Validation.simulate(scenario, profile: profile, registry: registry)
        #expect(observation.taskFinish.allSatisfy { $0.isFinite })
        // the user's preference decided: the first attempt went to the highest device, 3
        #expect(observation.attemptDevice.first == 3)
    }
}
