/// Ready tasks per tenant in the order they were queued, and the attempts each tenant runs.
///
/// A task queued again (a lost attempt replaced, a vote that asks for one more, a backup)
/// goes to the back of its tenant's queue, whatever happened meanwhile. Each entry carries the
/// task's queueing number (`seq`); an entry whose number is not the task's current one, or
/// whose task is no longer queued, is skipped lazily. Before, a task queued again took back
/// its old entry when no dispatch had yet passed over it — in the simulator, where attempts
/// end at the same instant, it kept its place at the front; in the runtime, where they end
/// milliseconds apart, a dispatch in between had dropped the entry and it went to the back:
/// the same scenario placed work in another order on each side. O(1) per enqueue, amortised
/// O(1) per skipped entry.
struct ReadyQueues {
    /// Per tenant: entries `seq << 32 | task`, from `heads[k]` on.
    var queues: [[UInt64]]
    var heads: [Int]
    /// Per task: its current queueing number, and whether its current entry is still in its queue.
    var seq: [UInt32]
    var inQueue: [Bool]
    /// Attempts running per tenant.
    var running: [Int]

    init(tenants: Int, tasks: Int) {
        queues = Array(repeating: [], count: tenants)
        heads = [Int](repeating: 0, count: tenants)
        running = [Int](repeating: 0, count: tenants)
        seq = [UInt32](repeating: 0, count: tasks)
        inQueue = [Bool](repeating: false, count: tasks)
    }

    /// Queues `t` at the back — unless it was already waiting in the queue (`alreadyWaiting`:
    /// queued and not yet placed), when it keeps its entry.
    mutating func push(_ t: Int, tenant k: Int, alreadyWaiting: Bool) {
        if alreadyWaiting && inQueue[t] { return }
        seq[t] &+= 1
        inQueue[t] = true
        queues[k].append(UInt64(seq[t]) << 32 | UInt64(t))
    }

    /// The task of queue entry `entry`.
    static func task(_ entry: UInt64) -> Int { Int(entry & 0xFFFF_FFFF) }

    /// Whether `entry` is its task's current entry (the policy's view and compaction skip the
    /// others alike).
    static func current(_ entry: UInt64, seq: [UInt32]) -> Bool { UInt32(entry >> 32) == seq[task(entry)] }

    /// Whether `entry` is its task's current entry and the task waits.
    static func live(_ entry: UInt64, seq: [UInt32], tasks: TaskTable) -> Bool {
        current(entry, seq: seq) && tasks.state[task(entry)] == .queued
    }

    /// Drops leading entries that are stale or of tasks no longer queued; returns whether any
    /// tenant waits.
    mutating func compact(_ tasks: TaskTable) -> Bool {
        var waiting = false
        for k in queues.indices {
            if heads[k] > 1024 && heads[k] * 2 > queues[k].count {
                queues[k].removeFirst(heads[k]); heads[k] = 0
            }
            while heads[k] < queues[k].count && !ReadyQueues.live(queues[k][heads[k]], seq: seq, tasks: tasks) {
                let e = queues[k][heads[k]]
                if ReadyQueues.current(e, seq: seq) { inQueue[ReadyQueues.task(e)] = false }   // its current entry leaves the queue
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
        ReadyTasks(tasks: tasks, queues: queues, seq: seq, heads: heads, needed: needed, running: running, weights: weights, quotas: quotas)
    }
}
