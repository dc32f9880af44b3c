import Foundation
import SwarmResults

/// The metrics a sweep compares, as named in each run's `/summary` table, with their units.
public let sweepMetrics: [(name: String, unit: String)] = [
    ("tasks_done", "1"), ("makespan", "s"), ("throughput", "tasks/s"), ("latency_p50", "s"),
    ("latency_p95", "s"), ("latency_p99", "s"), ("wasted_work", "s"), ("utilisation", "1"),
    ("energy", "J"), ("cloud_cost", "USD"),
]

/// What one finished run measured: its place in the plan and its summary metrics.
public struct SweepRunResult: Sendable {
    public var run: SweepRun
    /// Values of `sweepMetrics`, in that order.
    public var values: [Double]
    /// Simulated events and wall time of the run (0 when resumed from an earlier invocation).
    public var wallSeconds: Double
    public var resumed: Bool
}

/// Mean and 95% confidence interval of every metric, per grid point and policy, over the
/// replications.
public struct SweepSummary: Sendable {
    public struct Row: Sendable {
        public var point: Int
        public var policy: String
        public var replications: Int
        /// Per metric: the mean and the half-width of its 95% interval (NaN with one replication).
        public var mean: [Double]
        public var halfWidth: [Double]
    }
    public let rows: [Row]
    public let plan: SweepPlan

    /// Groups `results` by (point, policy) in plan order.
    public init(plan: SweepPlan, results: [SweepRunResult]) {
        self.plan = plan
        var order: [String] = []
        var groups: [String: [SweepRunResult]] = [:]
        for r in results.sorted(by: { $0.run.index < $1.run.index }) {
            let key = "\(r.run.point)\u{0}\(r.run.policy)"
            if groups[key] == nil { order.append(key) }
            groups[key, default: []].append(r)
        }
        rows = order.map { key in
            let g = groups[key]!
            var mean: [Double] = [], half: [Double] = []
            for m in sweepMetrics.indices {
                let values = g.map { $0.values[m] }.filter { !$0.isNaN }
                if let ci = ConfidenceInterval(values) {
                    mean.append(ci.mean); half.append(ci.halfWidth)
                } else {
                    mean.append(values.first ?? .nan); half.append(.nan)
                }
            }
            return Row(point: g[0].run.point, policy: g[0].run.policy, replications: g.count, mean: mean, halfWidth: half)
        }
    }

    /// A table for a terminal: one line per (point, policy), `mean ± half-width` per metric.
    public func table(metrics: [String] = ["tasks_done", "makespan", "throughput", "latency_p95", "wasted_work", "energy"]) -> String {
        let columns = metrics.compactMap { name in sweepMetrics.firstIndex { $0.name == name } }
        var rows = [["point", "policy", "n"] + columns.map { "\(sweepMetrics[$0].name) (\(sweepMetrics[$0].unit))" }]
        for r in self.rows {
            rows.append([plan.describe(point: r.point), r.policy, "\(r.replications)"]
                        + columns.map { SweepSummary.format(r.mean[$0], r.halfWidth[$0]) })
        }
        let widths = rows[0].indices.map { c in rows.map { $0[c].count }.max()! }
        return rows.map { row in row.enumerated().map { $1.padding(toLength: widths[$0] + 2, withPad: " ", startingAt: 0) }.joined() }
            .joined(separator: "\n")
    }

    /// `12.3 ± 0.4`, or `12.3` with one replication; four significant digits.
    static func format(_ mean: Double, _ half: Double) -> String {
        func sig(_ x: Double) -> String {
            if x.isNaN { return "–" }
            if x != 0 && (abs(x) >= 1e6 || abs(x) < 1e-3) { return String(format: "%.3e", x) }
            return String(format: "%.4g", x)
        }
        return half.isNaN ? sig(mean) : "\(sig(mean)) ± \(sig(half))"
    }

    /// The summary as JSON-ready dictionaries (`swarmlab sweep --json`).
    public func jsonObject() -> [[String: Any]] {
        rows.map { r in
            var o: [String: Any] = ["point": plan.points[r.point].map { ["path": $0.path, "value": $0.value] },
                                    "policy": r.policy, "replications": r.replications]
            var metrics: [String: Any] = [:]
            for (m, spec) in sweepMetrics.enumerated() {
                metrics[spec.name] = ["mean": jsonNumber(r.mean[m]), "ci95_half_width": jsonNumber(r.halfWidth[m]), "unit": spec.unit]
            }
            o["metrics"] = metrics
            return o
        }
    }
}

/// NaN and infinities become JSON null.
func jsonNumber(_ x: Double) -> Any { x.isFinite ? x : NSNull() }
