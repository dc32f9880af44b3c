import SwarmKernel
import SwarmModel

/// Earliest deadline first: among the ready tasks, the one whose deadline comes soonest is
/// placed first, on the fastest idle device its residency allows; tasks without a deadline
/// come after every task with one, oldest first (Liu and Layland, "Scheduling algorithms for
/// multiprogramming in a hard-real-time environment", JACM 20(1), 1973 — EDF is optimal for
/// one processor). To stay scalable on queues of millions, each call looks only at the first
/// `window` (4,096 by default; a scenario sets it) queued tasks, oldest first: a task deeper in
/// the queue waits until the ones ahead of it are placed, so EDF orders a sliding window of
/// the queue, not all of it.
///
/// - Complexity: O(K log K + placements × classes × regions) per call, K = min(window, queued).
public struct DeadlineAwarePolicy: SchedulingPolicy {
    public static let name = "deadline-aware"
    public static let summary = "Earliest deadline first (EDF) over the first 4,096 ready tasks, each on the fastest idle device."
    /// How many queued tasks one call considers (K), by default.
    public static let window = 4096

    public struct Parameters: PolicyParameters {
        public static let fields = [
            PolicyParameter("window", .integer(1...1_048_576), default: Double(DeadlineAwarePolicy.window),
                            doc: "queued tasks (oldest first) one call orders by deadline"),
        ]
        public var window: Int
        public init(window: Int = DeadlineAwarePolicy.window) { self.window = window }
        public init(values: PolicyParameterValues) { window = values.integer("window") }
    }

    let window: Int
    var buffer: [ReadyTask] = []

    public init(parameters: Parameters, context: PolicyContext) { window = parameters.window }

    public mutating func place(_ ready: ReadyTasks, on fleet: FleetView, into placements: inout Placements) {
        guard fleet.idleCount > 0 else { return }
        buffer.removeAll(keepingCapacity: true)
        for task in ready {
            buffer.append(task)
            if buffer.count == window { break }
        }
        // Deadline (none = +∞), then arrival, then id: a total order, so runs are reproducible.
        buffer.sort {
            ($0.deadline?.ticks ?? .max, $0.arrival.ticks, $0.id.rawValue) < ($1.deadline?.ticks ?? .max, $1.arrival.ticks, $1.id.rawValue)
        }
        for task in buffer {
            if fleet.idleCount == 0 { break }
            if let d = fleet.firstIdle(in: task.residency) { placements.assign(task, to: d) }
        }
    }
}
