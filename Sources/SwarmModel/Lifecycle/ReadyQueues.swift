/// Ready tasks per tenant in arrival order, and the attempts each tenant runs.
///
/// Entries of tasks no longer queued are skipped lazily; a task has at most one entry
/// (`inQueue`), so re-queueing reuses a stale one. O(1) per enqueue, amortised O(1) per
/// skipped entry.
struct ReadyQueues {
    var queues: [[UInt32]]
    var heads: [Int]
    var inQueue: [Bool]
    /// Attempts running per tenant.
    var running: [Int]

    init(tenants: Int, tasks: Int) {
        queues = Array(repeating: [], count: tenants)
        heads = [Int](repeating: 0, count: tenants)
        running = [Int](repeating: 0, count: tenants)
        inQueue = [Bool](repeating: false, count: tasks)
    }

    mutating func push(_ t: Int, tenant k: Int) {
        guard !inQueue[t] else { return }
        inQueue[t] = true
        queues[k].append(UInt32(t))
    }

    /// Drops leading entries of tasks no longer queued; returns whether any tenant waits.
    mutating func compact(_ tasks: TaskTable) -> Bool {
        var waiting = false
        for k in queues.indices {
            if heads[k] > 1024 && heads[k] * 2 > queues[k].count {
                queues[k].removeFirst(heads[k]); heads[k] = 0
            }
            while heads[k] < queues[k].count && tasks.state[Int(queues[k][heads[k]])] != .queued {
                inQueue[Int(queues[k][heads[k]])] = false
                heads[k] += 1
            }
            if heads[k] < queues[k].count { waiting = true }
        }
        return waiting
    }

    /// The queues as a policy sees them (`ReadyTasks`): `needed[t]` replicas of each task in
    /// a row, tenants interleaved by weighted fair share within their quotas.
    /// The view shares this struct's arrays: making it allocates nothing (`weights` and
    /// `quotas` are the tenants', fixed for the run).
    func ready(_ tasks: TaskTable, needed: [UInt8], weights: [Double], quotas: [Int]) -> ReadyTasks {
        ReadyTasks(tasks: tasks, queues: queues, heads: heads, needed: needed, running: running, weights: weights, quotas: quotas)
    }
}
