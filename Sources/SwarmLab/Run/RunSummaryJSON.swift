import Foundation
import SwarmModel

extension ScenarioRunner {
    /// The metrics of one policy's run as a JSON-ready dictionary (`swarmlab run --json`):
    /// SI units (seconds, joules, USD), NaN as null.
    public static func jsonObject(_ r: PolicyResult) -> [String: Any] {
        let m = r.metrics
        var o: [String: Any] = [
            "policy": r.policy, "tasks": r.tasks, "tasks_done": m.tasksDone, "tasks_dropped": m.tasksDropped,
            "finished": r.finished, "events": r.events, "wall_seconds": r.wallSeconds,
            "makespan_s": m.makespan, "throughput_per_s": m.throughput,
            "latency_mean_s": jsonNumber(m.latency.mean), "latency_p50_s": jsonNumber(m.p50.value),
            "latency_p95_s": jsonNumber(m.p95.value), "latency_p99_s": jsonNumber(m.p99.value),
            "attempts_lost": m.attemptsLost, "wasted_work_s": m.wastedSeconds, "redundant_work_s": m.redundantSeconds,
            "utilisation": m.utilisation, "energy_j": m.energyJoules, "cloud_cost_usd": r.bill.cloudUSD,
            "volunteer_hours": m.volunteerHours, "accepted_errors": m.acceptedErrors,
            "busy_cost_usd": m.money, "provisioned_hours": r.bill.providerHours, "provider_cost_usd": r.bill.providerUSD,
            "egress_bytes": r.bill.egressBytes, "egress_cost_usd": r.bill.egressUSD,
            "provider_energy_j": r.bill.providerJoules, "volunteer_energy_j": r.bill.volunteerJoules,
            "volunteer_electricity_usd": r.bill.volunteerElectricityUSD,
            "carbon_g": r.bill.carbonGrams, "provider_carbon_g": r.bill.providerCarbonGrams,
            "volunteer_carbon_g": r.bill.volunteerCarbonGrams,
        ]
        if let storage = r.storage { o["storage"] = storageJSON(storage) }
        o["slo_attainment"] = m.sloAttainment.map { $0 as Any } ?? NSNull()
        if !r.pools.isEmpty {
            o["pool_cost_usd"] = r.bill.poolUSD
            o["pools"] = r.pools.map { b -> [String: Any] in
                ["name": b.name, "peak": b.peakSize, "scale_ups": b.scaleUps, "scale_downs": b.scaleDowns,
                 "provisioned_hours": b.provisionedSeconds / 3600, "billed_hours": b.billedSeconds / 3600, "cost_usd": b.usd]
            }
        }
        return o
    }
}
