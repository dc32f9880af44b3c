/// A goal a run must reach, from the scenario's `targets:` section: a metric, the side of
/// the limit it must be on, and the limit, in the metric's unit.
///
/// Why in the model: a run checks its targets (`swarmlab run` prints the verdict, the results
/// file's `/summary` records it) and `swarmlab size` checks the same targets on the means of
/// replications; both read the value through `Metric.value(of:)`, so they cannot disagree.
public struct RunTarget: Sendable, Equatable {
    /// What a target constrains: each a `/summary` metric (`ResultsSchema.summary`).
    public enum Metric: String, Sendable, CaseIterable {
        case throughput
        case latencyMean = "latency_mean"
        case latencyP50 = "latency_p50"
        case latencyP95 = "latency_p95"
        case latencyP99 = "latency_p99"
        case sloAttainment = "slo_attainment"
        case makespan
        case costPerDay = "cost_per_day"
        case energy
        case carbon

        /// The key in `targets:` and the column of `/summary` holding the value.
        public var name: String { rawValue }

        /// Whether the value must be at least the limit (throughput, SLO attainment) or at
        /// most (latencies, makespan, cost, energy, carbon).
        public var atLeast: Bool { self == .throughput || self == .sloAttainment }

        /// A budget: cost, energy and carbon grow with the fleet, where the other metrics
        /// (capacity) improve. `swarmlab size` searches on the capacity targets and checks the
        /// budgets on the cheapest configuration that meets them.
        public var isBudget: Bool { self == .costPerDay || self == .energy || self == .carbon }

        /// The metric's unit as the results file writes it.
        public var unit: String {
            switch self {
            case .throughput: "tasks/s"
            case .latencyMean, .latencyP50, .latencyP95, .latencyP99, .makespan: "s"
            case .sloAttainment: "1"
            case .costPerDay: "USD/day"
            case .energy: "J"
            case .carbon: "g"
            }
        }

        /// The metric's value for one run: `RunMetrics` and the bill over [0, duration]
        /// (`duration` in seconds turns the bill into a cost per day). NaN when the run has no
        /// value for it (no task done; no task with a deadline).
        public func value(of metrics: RunMetrics, bill: RunBill, duration: Double) -> Double {
            let any = metrics.tasksDone > 0
            switch self {
            case .throughput: return metrics.throughput
            case .latencyMean: return any ? metrics.latency.mean : .nan
            case .latencyP50: return metrics.p50.value
            case .latencyP95: return metrics.p95.value
            case .latencyP99: return metrics.p99.value
            case .sloAttainment: return metrics.sloAttainment ?? .nan
            case .makespan: return metrics.makespan
            case .costPerDay: return duration > 0 ? bill.cloudUSD / duration * 86_400 : .nan
            case .energy: return metrics.energyJoules
            case .carbon: return bill.carbonGrams
            }
        }
    }

    public var metric: Metric
    /// The limit, in `metric.unit`.
    public var limit: Double

    public init(metric: Metric, limit: Double) { self.metric = metric; self.limit = limit }

    /// Whether `value` is on the right side of the limit (NaN never is).
    public func isMet(by value: Double) -> Bool {
        guard !value.isNaN else { return false }
        return metric.atLeast ? value >= limit : value <= limit
    }

    /// Whether a makespan target can be judged: a run whose tasks did not all settle before
    /// the horizon has no makespan, so it fails one (its partial makespan would flatter it).
    public func isMet(by value: Double, finished: Bool) -> Bool {
        if metric == .makespan && !finished { return false }
        return isMet(by: value)
    }

    /// `≥` or `≤`.
    public var relation: String { metric.atLeast ? "≥" : "≤" }
}
