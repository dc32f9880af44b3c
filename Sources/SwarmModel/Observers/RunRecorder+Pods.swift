import SwarmKernel

/// What the recorder keeps for Kubernetes nodes, whose pods run several attempts per device:
/// each running attempt's row by (task, device) — a node runs at most one attempt of a task —
/// how many run on each node, and each pod's share of its node (its requested cores over the
/// node's), which its busy seconds and busy watts count.
struct RecorderPods {
    let maxPods: [Int]
    let cores: [Double]
    let job: [UInt32]
    let cpu: [Double]
    var rows: [UInt64: Int32] = [:]
    var running: [UInt16]

    init(view: FleetView, tasks: TaskTable) {
        maxPods = view.fleet.classes.map(\.maxPods)
        cores = view.fleet.classes.map { Double($0.cores) }
        job = tasks.job
        cpu = view.podSpecs.map(\.cpu)
        running = [UInt16](repeating: 0, count: view.fleet.count)
        classOf = view.fleet.classOf
    }
    let classOf: [UInt8]

    func isNode(_ d: Int) -> Bool { maxPods[Int(classOf[d])] > 1 }
    static func key(_ task: Int, _ d: Int) -> UInt64 { UInt64(task) << 32 | UInt64(d) }
    func row(_ task: Int, _ d: Int) -> Int { rows[Self.key(task, d)].map(Int.init) ?? -1 }
    /// The share of node `d` task `task`'s pod counts as busy.
    func share(_ task: Int, _ d: Int) -> Double {
        let j = Int(job[task])
        return min(1, (j < cpu.count ? cpu[j] : PodSpec.standard.cpu) / cores[Int(classOf[d])])
    }
    /// Calls `body(row, share)` for every pod still running.
    func forEachRunning(_ body: (Int, Double) -> Void) {
        for (k, row) in rows { body(Int(row), share(Int(k >> 32), Int(k & 0xFFFF_FFFF))) }
    }
}

extension RunRecorder {
    /// Whether device `d` runs an attempt now.
    func busy(_ d: Int) -> Bool {
        if let pods, pods.isNode(d) { return pods.running[d] > 0 }
        return runningRow[d] >= 0
    }

    /// A pod started on node `d` in `row`: the node is busy from its first pod on.
    func podStarted(_ task: Int, _ d: Int, _ row: Int32) {
        pods!.rows[RecorderPods.key(task, d)] = row
        if pods!.running[d] == 0 { busyCount += 1 }
        pods!.running[d] += 1
        power += pods!.share(task, d) * busyWatts[Int(classOf[d])]
    }

    /// Closes the pod of `task` on node `d`; returns its row (−1 if none).
    func podEnded(_ task: Int, _ d: Int, _ t: Int64, _ outcome: AttemptOutcome) -> Int {
        guard let row = pods!.rows.removeValue(forKey: RecorderPods.key(task, d)).map(Int.init) else { return -1 }
        let share = pods!.share(task, d)
        rowEnd[row] = t
        rowOutcome[row] = outcome.rawValue
        busySeconds[d] += share * seconds(t - rowAssigned[row])
        pods!.running[d] -= 1
        if pods!.running[d] == 0 { busyCount -= 1 }
        power -= share * busyWatts[Int(classOf[d])]
        return row
    }
}
