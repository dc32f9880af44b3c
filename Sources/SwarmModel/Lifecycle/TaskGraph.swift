/// Readiness of a run's tasks: DAG edges, quorum barriers and their reporting deadlines.
///
/// A task is ready when it has arrived and its parents are done — or, behind a quorum
/// barrier (`TaskTable.parentQuorum`), when the quorum is; with a barrier timeout the
/// barrier first waits for all its parents until the deadline, which starts when its first
/// parent becomes ready. Pure state: the lifecycle asks, the driver keeps the clock.
public struct TaskGraph: Sendable {
    public private(set) var children: [[UInt32]]
    var doneParents: [UInt16]
    var settledParents: [UInt16]
    /// Whether each task has been made ready (parents satisfied).
    public private(set) var readied: [Bool]
    /// Whether any task has a parent. Without edges nothing here ever changes, and the
    /// lifecycle skips its calls (each passes the whole `TaskTable`, which copying costs a
    /// retain and release per column: perf showed it on every finished and queued task).
    public let hasEdges: Bool
    var barrierArmed: Set<Int> = []
    var barrierExpired: Set<Int> = []

    public init(_ tasks: TaskTable) {
        let m = tasks.count
        doneParents = [UInt16](repeating: 0, count: m)
        settledParents = [UInt16](repeating: 0, count: m)
        readied = (0..<m).map { tasks.parents(of: TaskID(index: $0)).isEmpty }
        children = Array(repeating: [], count: m)
        for t in 0..<m { for p in tasks.parents(of: TaskID(index: t)) { children[Int(p)].append(UInt32(t)) } }
        hasEdges = children.contains { !$0.isEmpty }
    }

    /// Task `t` became ready: the barriers among its children whose deadline starts now
    /// (each armed once), with their timeouts in ticks.
    public mutating func armBarriers(readyParent t: Int, tasks: TaskTable) -> [(barrier: Int, timeout: Int64)] {
        var armed: [(Int, Int64)] = []
        for c in children[t] where tasks.barrierTimeout[Int(c)] > 0 && !barrierArmed.contains(Int(c)) {
            barrierArmed.insert(Int(c))
            armed.append((Int(c), tasks.barrierTimeout[Int(c)]))
        }
        return armed
    }

    /// Task `t` finished (`done`) or was dropped: the children that become ready now.
    public mutating func settle(_ t: Int, done: Bool, tasks: TaskTable) -> [Int] {
        var ready: [Int] = []
        for c in children[t] {
            let c = Int(c)
            guard !readied[c] else { continue }
            settledParents[c] += 1
            if done { doneParents[c] += 1 }
            let n = tasks.parents(of: TaskID(index: c)).count
            let q = tasks.parentQuorum[c] == 0 ? n : Int(tasks.parentQuorum[c])
            let waitsForAll = tasks.barrierTimeout[c] > 0 && !barrierExpired.contains(c)
            if Int(doneParents[c]) >= (waitsForAll ? n : q) || Int(settledParents[c]) == n {
                readied[c] = true
                ready.append(c)
            }
        }
        return ready
    }

    /// Barrier `c`'s deadline passed: whether it becomes ready now (its quorum is in).
    public mutating func expire(_ c: Int, tasks: TaskTable) -> Bool {
        barrierExpired.insert(c)
        guard !readied[c], Int(doneParents[c]) >= Int(tasks.parentQuorum[c]) else { return false }
        readied[c] = true
        return true
    }
}
