/// The votes cast so far for tasks still undecided, in flat arrays: per task the first of
/// its votes (−1 none), per vote the next of the same task, given-back entries reused.
///
/// A replicated task keeps its earlier votes between results; a dictionary of arrays
/// allocated an array per task and grew a hash table (one allocator call per replicated
/// task, a cache miss into a 10⁶-entry table per result). Here a vote is an entry of a pool
/// that stops growing once as many votes are pending as ever were: the steady state calls
/// the allocator for none. Per-task heads are made on the first vote stored, so runs
/// without replication carry none.
struct BallotBox {
    private var first: [Int32] = []
    private var votes: [Vote] = []
    private var next: [Int32] = []
    private var free: Int32 = -1
    private let taskCount: Int

    init(tasks: Int) { taskCount = tasks }

    /// Appends task `t`'s votes so far, in the order cast, to `out`.
    func append(votesOf t: Int, to out: inout [Vote]) {
        guard !first.isEmpty else { return }
        var k = first[t]
        while k >= 0 { out.append(votes[Int(k)]); k = next[Int(k)] }
    }

    /// Whether device `d` has voted on task `t`.
    func hasVote(task t: Int, device d: Int32) -> Bool {
        guard !first.isEmpty else { return false }
        var k = first[t]
        while k >= 0 { if votes[Int(k)].device == d { return true }; k = next[Int(k)] }
        return false
    }

    /// Keeps `vote` as task `t`'s latest.
    mutating func store(_ vote: Vote, task t: Int) {
        if first.isEmpty { first = [Int32](repeating: -1, count: taskCount) }
        let k: Int32
        if free >= 0 {
            k = free
            free = next[Int(k)]
            votes[Int(k)] = vote
            next[Int(k)] = -1
        } else {
            k = Int32(votes.count)
            votes.append(vote)
            next.append(-1)
        }
        if first[t] < 0 { first[t] = k; return }
        var last = first[t]
        while next[Int(last)] >= 0 { last = next[Int(last)] }
        next[Int(last)] = k
    }

    /// Forgets task `t`'s votes (it was decided or dropped).
    mutating func clear(task t: Int) {
        guard !first.isEmpty, first[t] >= 0 else { return }
        var k = first[t]
        while k >= 0 {
            let after = next[Int(k)]
            next[Int(k)] = free
            free = k
            k = after
        }
        first[t] = -1
    }
}
