import Foundation
import SwarmModel
import SwarmScenario

/// One target checked on one run: the value the run reached and whether it is on the right
/// side of the limit (the same verdict the results file's `/summary` records).
public struct TargetCheck: Sendable {
    public var target: RunTarget
    public var value: Double
    public var met: Bool
}

extension ScenarioRunner.PolicyResult {
    /// Whether every task settled (accepted or dropped) before the horizon.
    public var settled: Bool { metrics.tasksDone + metrics.tasksDropped == tasks }

    /// `metric`'s value for this run (`RunTarget.Metric.value`); `duration` is the scenario's.
    public func value(_ metric: RunTarget.Metric, duration: Double) -> Double {
        metric.value(of: metrics, bill: bill, duration: duration)
    }

    /// Each of `targets` checked on this run.
    public func check(_ targets: [RunTarget], duration: Double) -> [TargetCheck] {
        targets.map { t in
            let v = value(t.metric, duration: duration)
            return TargetCheck(target: t, value: v, met: t.isMet(by: v, finished: settled))
        }
    }
}

extension ScenarioRunner {
    /// The lines `swarmlab run` prints under its table: per run, each target with the value
    /// reached and met / NOT met.
    static func targetLines(_ scenario: Scenario, _ results: [PolicyResult]) -> String {
        guard !scenario.targets.isEmpty else { return "" }
        var text = "\nTargets:\n"
        for r in results {
            let checks = r.check(scenario.targets, duration: scenario.duration)
            let who = scenario.seeds.count > 1 ? "\(r.policy), seed \(r.seed)" : r.policy
            text += "  \(who): \(checks.allSatisfy(\.met) ? "all met" : "\(checks.filter { !$0.met }.count) of \(checks.count) NOT met")\n"
            for c in checks {
                text += "    \(c.target.metric.name) \(c.target.relation) \(formatTarget(c.target.metric, c.target.limit)): "
                    + "\(formatTarget(c.target.metric, c.value)) — \(c.met ? "met" : "NOT met")"
                    + (c.target.metric == .makespan && !r.settled ? " (the run did not finish)" : "") + "\n"
            }
        }
        return text
    }

    /// `targetLines` as JSON: per run, the policy, seed and each target's limit, value and verdict.
    static func targetJSON(_ scenario: Scenario, _ results: [PolicyResult]) -> [[String: Any]] {
        results.map { r in
            ["policy": r.policy, "seed": r.seed,
             "targets": r.check(scenario.targets, duration: scenario.duration).map { c -> [String: Any] in
                 ["metric": c.target.metric.name, "relation": c.target.relation, "limit": c.target.limit,
                  "value": jsonNumber(c.value), "unit": c.target.metric.unit, "met": c.met]
             }]
        }
    }
}

/// A target's value in a unit a planner reads: seconds (minutes, hours), tasks/s, percent,
/// $/day, kWh, kg. `scale`, when given, picks the time unit instead of `value` (an interval's
/// half-width in its mean's unit).
public func formatTarget(_ metric: RunTarget.Metric, _ value: Double, scale: Double? = nil) -> String {
    if value.isNaN { return "none" }
    func g(_ x: Double) -> String { String(format: "%.4g", x) }
    switch metric {
    case .throughput: return g(value) + " tasks/s"
    case .latencyMean, .latencyP50, .latencyP95, .latencyP99, .makespan:
        let reference = abs(scale ?? value)
        if reference >= 3600 { return g(value / 3600) + " h" }
        if reference >= 600 { return g(value / 60) + " min" }
        return g(value) + " s"
    case .sloAttainment: return g(value * 100) + "%"
    case .costPerDay: return "$" + String(format: "%.2f", value) + "/day"
    case .energy: return g(value / 3.6e6) + " kWh"
    case .carbon: return g(value / 1000) + " kg"
    }
}
