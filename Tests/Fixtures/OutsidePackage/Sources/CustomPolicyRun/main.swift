// A researcher's policy in a package of their own: one import.
import SwarmLab

/// The idle device with the highest id.
struct HighestIdle: SchedulingPolicy {
    static let name = "highest-idle"
    static let summary = "The idle device with the highest id."
    init(parameters: NoParameters, context: PolicyContext) {}
    mutating func place(_ ready: ReadyTasks, on fleet: FleetView, into placements: inout Placements) {
        for task in ready {
            guard let d = (0..<fleet.fleet.count).reversed().first(where: fleet.isIdle) else { return }
            placements.assign(task, to: d)
        }
    }
}

// Usage: CustomPolicyRun SCENARIO.yaml — prints "policy tasks_done/tasks" per run.
let path = CommandLine.arguments.dropFirst().first ?? "scenario.yaml"
let results = try Swarmlab.run(scenarioAt: path, policies: ["highest-idle", "random"],
                               registry: PolicyRegistry.builtin + [HighestIdle.self])
for r in results { print("\(r.policy) \(r.metrics.tasksDone)/\(r.tasks)") }
