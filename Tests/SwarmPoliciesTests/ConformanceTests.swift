import Testing
import SwarmKernel
import SwarmModel
import SwarmPolicies
import SwarmTestKit

@Suite("Scheduling policy conformance")
struct ConformanceTests {
    static let seeds: [UInt64] = [1, 2, 3]

    @Test("every built-in policy passes checkSchedulingPolicy", arguments: PolicyRegistry.builtin.entries.map(\.name))
    func builtinPasses(policy name: String) throws {
        let entry = try #require(PolicyRegistry.builtin.entries.first { $0.name == name })
        let violations = checkSchedulingPolicy(entry.make, seeds: Self.seeds)
        #expect(violations.isEmpty, "\(violations.joined(separator: "\n"))")
    }

    @Test("a policy that always picks device 0 is reported")
    func deviceZeroIsReported() {
        struct DeviceZero: SchedulingPolicy {
            static let name = "device-zero"
            static let summary = "Everything on device 0, idle or not."
            init(parameters: NoParameters, context: PolicyContext) {}
            mutating func place(_ ready: ReadyTasks, on fleet: FleetView, into placements: inout Placements) {
                for task in ready { placements.assign(task, to: 0) }
            }
        }
        let violations = checkSchedulingPolicy({ DeviceZero(context: $0) }, seeds: [1])
        #expect(violations.contains { $0.contains("placements refused") })
        // Device 0 of "residency islands" is in eu: tasks pinned to us or asia never run.
        #expect(violations.contains { $0.hasPrefix("residency islands, seed 1:") && $0.contains("not finished") })
    }

    @Test("a policy that places each task twice is reported")
    func doublePlacementIsReported() {
        struct Greedy: SchedulingPolicy {
            static let name = "greedy"
            static let summary = "Each task on two idle devices."
            init(parameters: NoParameters, context: PolicyContext) {}
            mutating func place(_ ready: ReadyTasks, on fleet: FleetView, into placements: inout Placements) {
                for task in ready {
                    for _ in 0..<2 { if let d = fleet.firstIdle(in: task.residency) { placements.assign(task, to: d) } }
                }
            }
        }
        let violations = checkSchedulingPolicy({ Greedy(context: $0) }, seeds: [1])
        #expect(violations.contains { $0.contains("placements refused by the engine") })
        #expect(violations.contains { $0.contains("placed 2 times") && $0.contains("offered 1") })
    }

    @Test("a policy that places nothing is reported as leaving tasks unfinished")
    func idlePolicyIsReported() {
        struct Lazy: SchedulingPolicy {
            static let name = "lazy"
            static let summary = "Places nothing."
            init(parameters: NoParameters, context: PolicyContext) {}
            mutating func place(_ ready: ReadyTasks, on fleet: FleetView, into placements: inout Placements) {}
        }
        let violations = checkSchedulingPolicy({ Lazy(context: $0) }, seeds: [7])
        #expect(violations.count == 4, "one per scenario: \(violations)")
        #expect(violations.allSatisfy { $0.contains("seed 7") && $0.contains("not finished") })
    }

    @Test("smallFleet numbers devices in the order given and shares classes by name")
    func smallFleetOrder() {
        let fleet = smallFleet((DeviceClass.laptop.alwaysOn(), "us", 2), (.cloudVM, "eu", 1), (DeviceClass.laptop.alwaysOn(), "asia", 1))
        #expect(fleet.count == 2 + 1 + 1)
        #expect(fleet.classes.map(\.name) == ["laptop", "cloud-vm"])
        #expect(fleet.regionOf.map { fleet.regionNames[Int($0)] } == ["us", "us", "eu", "asia"])
    }
}
