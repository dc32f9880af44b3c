import Foundation
import SwarmKernel
import SwarmModel
import SwarmResults
import SwarmScenario

/// `swarmlab run` with several seeds: every policy under every seed, summarised by the mean
/// and 95% confidence interval per policy.
///
/// Seeds: replication r runs with `seeds[r]` as the file lists them, or `seed + r` when the file
/// gives `seed` and `replications` (the parser refuses `seeds` with a different
/// `replications`, so there is no "replication i of seed s"). Every policy runs with the same
/// seeds, as a sweep's replications do (common random numbers): within a replication the
/// policies meet the same fleet, tasks and churn.
///
/// The results file is laid out as a sweep's file of one point (`ResultsSchema.sweepRootAttributes`,
/// `sweepRunAttributes`, `sweepTables`): a group `/run-NNNN` per (policy, replication) in
/// `SweepPlan` order, and `/sweep_runs` and `/sweep_summary`.
extension ScenarioRunner {
    /// Refuses a scenario with `sweep` axes, pointing to `swarmlab sweep`.
    static func refuseSweep(_ scenario: Scenario) throws {
        guard !scenario.sweep.isEmpty else { return }
        throw FileError(description: "\(scenario.file): this scenario has a `sweep` over \(scenario.sweep.map(\.path).joined(separator: " × ")); "
                        + "`run` runs one point: use `swarmlab sweep \(scenario.file)` to run the grid")
    }

    /// The plan of a `run` with several seeds: one point, the scenario's policies and seeds.
    public static func replicationPlan(_ scenario: Scenario) -> SweepPlan {
        SweepPlan(axes: [], policies: scenario.policies, seeds: scenario.seeds)
    }

    /// Runs `scenario`'s plan (`replicationPlan`) in one process, one seed at a time (each
    /// seed's fleet and tasks are built once for all policies); results in plan order.
    static func runReplications(_ scenario: Scenario, registry: PolicyRegistry, resultsPath: String?,
                                timelineInterval: SimDuration?, threads: Int = 1, progress: (String) -> Void,
                                live: ((String) -> Void)?) throws -> [PolicyResult] {
        let plan = replicationPlan(scenario)
        let writer = try resultsPath.map { p throws(ResultsError) in try ResultsWriter(path: p) }
        if let writer { try Provenance.write(to: writer, scenario: scenario) }
        var results = [PolicyResult?](repeating: nil, count: plan.runs.count)
        for (r, seed) in scenario.seeds.enumerated() {
            var point = scenario
            point.seed = seed
            let model = try point.materialize()
            for run in plan.runs where run.replication == r {
                if let writer { try SweepRunner.createRunGroup(run, of: plan, scenarioText: point.text, in: writer) }
                var result = try runPolicy(point, policy: run.policy, registry: registry, writer: writer, group: run.group,
                                           timelineInterval: timelineInterval, threads: threads, live: live, materialized: model)
                result.replication = r
                progress("\(run.policy), seed \(seed) (replication \(r + 1) of \(scenario.seeds.count)): "
                         + "\(result.metrics.tasksDone) of \(result.tasks) tasks in \(String(format: "%.2f", result.wallSeconds)) s")
                results[run.index] = result
            }
        }
        let done = results.map { $0! }
        if let writer {
            try SweepRunner.writeSweepTables(plan: plan, results: sweepResults(plan, done),
                                             summary: replicationSummary(plan, done), to: writer)
            try writer.setAttribute("wall_time", done.reduce(0) { $0 + $1.wallSeconds })
            try writer.commit()
        }
        return done
    }

    /// Each run as a sweep's run result (its `sweepMetrics` values), in plan order.
    static func sweepResults(_ plan: SweepPlan, _ results: [PolicyResult]) -> [SweepRunResult] {
        zip(plan.runs, results).map { SweepRunResult(run: $0, values: sweepValues($1), wallSeconds: $1.wallSeconds, resumed: false) }
    }

    /// Mean and 95% interval per policy over the runs of `results` (plan order).
    public static func replicationSummary(_ plan: SweepPlan, _ results: [PolicyResult]) -> SweepSummary {
        SweepSummary(plan: plan, results: sweepResults(plan, results))
    }

    /// The values of `sweepMetrics` for one run: the same numbers its `/summary` table holds
    /// (`ResultsWriter.writeSummary`), so a file-less run summarises like a written one.
    public static func sweepValues(_ r: PolicyResult) -> [Double] {
        let m = r.metrics
        let byName: [String: Double] = [
            "tasks_done": Double(m.tasksDone), "makespan": m.makespan, "throughput": m.throughput,
            "latency_p50": m.p50.value, "latency_p95": m.p95.value, "latency_p99": m.p99.value,
            "wasted_work": m.wastedSeconds, "utilisation": m.utilisation, "energy": m.energyJoules, "cloud_cost": r.bill.cloudUSD,
            "carbon": r.bill.carbonGrams,
        ]
        return sweepMetrics.map { spec in
            guard let v = byName[spec.name] else { preconditionFailure("sweep metric \(spec.name) has no RunMetrics value") }
            return v
        }
    }

    /// A table comparing the policies over the seeds, for a terminal: `mean ± half-width` of
    /// the 95% Student-t interval per metric, in the metrics' units.
    public static func replicationTable(_ summary: SweepSummary) -> String {
        let metrics = ["tasks_done", "makespan", "latency_p95", "wasted_work", "energy", "cloud_cost"]
        let columns = metrics.compactMap { name in sweepMetrics.firstIndex { $0.name == name } }
        var rows = [["policy", "runs"] + columns.map { "\(sweepMetrics[$0].name) (\(sweepMetrics[$0].unit))" }]
        for r in summary.rows {
            rows.append([r.policy, "\(r.replications)"] + columns.map { SweepSummary.format(r.mean[$0], r.halfWidth[$0]) })
        }
        let widths = rows[0].indices.map { c in rows.map { $0[c].count }.max()! }
        return rows.map { row in row.enumerated().map { $1.padding(toLength: widths[$0] + 2, withPad: " ", startingAt: 0) }.joined() }
            .joined(separator: "\n")
    }
}
