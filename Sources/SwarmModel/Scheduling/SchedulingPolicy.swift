import SwarmKernel

/// What a policy may need beyond the fleet: its own random stream, the cost model, the
/// network's latencies. Given once, at creation.
public struct PolicyContext: Sendable {
    /// The policy's own stream ("policy", 0): its random choices never shift the model's.
    public var streams: RandomStreams
    public var costModel: any CostModel
    /// One-way latency between regions, seconds (RTT / 2).
    public var latency: @Sendable (_ from: Int, _ to: Int) -> Double

    public init(streams: RandomStreams, costModel: any CostModel = RooflineCostModel(),
                latency: @escaping @Sendable (Int, Int) -> Double = { _, _ in 0 }) {
        self.streams = streams; self.costModel = costModel; self.latency = latency
    }
}

/// A policy without parameters.
public struct NoParameters: Sendable, Equatable { public init() {} }

/// Decides where tasks run. One required method returns decisions (placements); the engine
/// applies them and refuses any that break a rule (device not idle, outside the task's
/// residency, task not queued). The other hooks are told what happened and default to
/// nothing. Register policies by name in one list passed to the run (`PolicyRegistry`).
public protocol SchedulingPolicy {
    associatedtype Parameters = NoParameters
    /// The name scenarios use (kebab-case).
    static var name: String { get }
    /// One line: what it does.
    static var summary: String { get }

    init(parameters: Parameters, context: PolicyContext)

    /// Places some of `ready` (queued tasks, oldest first) on idle devices of `fleet`.
    mutating func place(_ ready: ReadyTasks, on fleet: FleetView, into placements: inout Placements)

    /// A task finished on a device.
    mutating func taskFinished(_ task: TaskID, on device: Int, fleet: FleetView)
    /// A task's attempt was lost (its device left); the task is queued again.
    mutating func taskFailed(_ task: TaskID, on device: Int, fleet: FleetView)
    /// A device came online, or went offline.
    mutating func deviceJoined(_ device: Int, fleet: FleetView)
    mutating func deviceLeft(_ device: Int, fleet: FleetView)
}

extension SchedulingPolicy {
    public mutating func taskFinished(_ task: TaskID, on device: Int, fleet: FleetView) {}
    public mutating func taskFailed(_ task: TaskID, on device: Int, fleet: FleetView) {}
    public mutating func deviceJoined(_ device: Int, fleet: FleetView) {}
    public mutating func deviceLeft(_ device: Int, fleet: FleetView) {}
}

extension SchedulingPolicy where Parameters == NoParameters {
    public init(context: PolicyContext) { self.init(parameters: NoParameters(), context: context) }
}

/// One queued task as a policy sees it.
public struct ReadyTask: Sendable {
    public let id: TaskID
    public let work: TaskWork
    public let dataRegion: Int
    public let residency: RegionSet
    public let inputBytes: Double
    public let arrival: SimTime
    public let deadline: SimTime?
    /// The task's job (the scenario's workload index): `FleetView.requests` reads its pod spec.
    public var job: Int = 0
    /// Bytes the task needs in memory at once (`TensorKernel.workingSetBytes`; 0 for
    /// synthetic work): a device with less memory is never given it.
    public var workingSet: Double {
        if case .kernel(let k) = work { return k.workingSetBytes }
        return 0
    }
}

/// The queued tasks, oldest first within each tenant, tenants interleaved by weighted fair
/// share: the next task comes from the tenant with the least running work per unit of
/// weight, skipping tenants at their quota. A task that needs several attempts at once (its
/// replicas) is offered that many times in a row, so a round with enough idle devices places
/// all of them together — the same on the simulator and the runtime. Iterating is lazy: a
/// policy that stops when the fleet has no idle device costs O(placements · tenants), not
/// O(queue).
public struct ReadyTasks: Sequence {
    let tasks: TaskTable
    /// Per tenant: its queue of entries `seq << 32 | task`, read from `heads[k]` on, and each
    /// task's current queueing number (an entry with another is stale) — the lifecycle's own
    /// arrays, shared: making the view allocates nothing.
    let queues: [[UInt64]]
    let seq: [UInt32]
    let heads: [Int]
    /// Per task: attempts it still needs placed (nil: one each).
    let needed: [UInt8]?
    /// Per tenant: attempts running now, weight, and quota (`Int.max`: none).
    let running: [Int]
    let weights: [Double]
    let quotas: [Int]

    init(tasks: TaskTable, queues: [[UInt64]], seq: [UInt32], heads: [Int], needed: [UInt8]? = nil, running: [Int], weights: [Double], quotas: [Int]) {
        self.tasks = tasks; self.queues = queues; self.seq = seq; self.heads = heads; self.needed = needed
        self.running = running; self.weights = weights; self.quotas = quotas
    }

    /// How many more attempts tenant `k` may start.
    func room(_ k: Int) -> Int { quotas[k] == .max ? .max : Swift.max(0, quotas[k] - running[k]) }

    public var underestimatedCount: Int { 0 }
    /// Tasks waiting (an upper bound: entries already placed are skipped lazily).
    public var count: Int {
        var n = 0
        for k in queues.indices { n += queues[k].count - heads[k] }
        return n
    }

    public func makeIterator() -> Iterator {
        var index = SmallCounts(count: queues.count)
        for k in queues.indices { index[k] = heads[k] }
        return Iterator(ready: self, index: index, offered: SmallCounts(count: queues.count))
    }

    public struct Iterator: IteratorProtocol {
        let ready: ReadyTasks
        var index: SmallCounts
        var offered: SmallCounts
        /// The task being offered again (its further replicas), its tenant and copies left.
        var repeatTask = -1, repeatTenant = 0, copiesLeft = 0

        public mutating func next() -> ReadyTask? {
            if copiesLeft > 0, offered[repeatTenant] < ready.room(repeatTenant), ready.tasks.state[repeatTask] == .queued {
                copiesLeft -= 1
                offered[repeatTenant] += 1
                return ready.task(repeatTask)
            }
            copiesLeft = 0
            while true {
                var pick = -1
                var best = Double.infinity
                for k in ready.queues.indices where index[k] < ready.queues[k].count && offered[k] < ready.room(k) {
                    let load = (Double(ready.running[k]) + Double(offered[k])) / ready.weights[k]
                    if load < best { best = load; pick = k }
                }
                guard pick >= 0 else { return nil }
                let k = pick
                let entry = ready.queues[k][index[k]]
                index[k] += 1
                guard ReadyQueues.live(entry, seq: ready.seq, tasks: ready.tasks) else { continue }
                let t = ReadyQueues.task(entry)
                offered[k] += 1
                if let needed = ready.needed, needed[t] > 1 { repeatTask = t; repeatTenant = k; copiesLeft = Int(needed[t]) - 1 }
                return ready.task(t)
            }
        }
    }

    /// Per-tenant counters of an iteration, inline for up to four tenants (the usual case: no
    /// allocation while a policy iterates), in an array beyond.
    public struct SmallCounts {
        var c0 = 0, c1 = 0, c2 = 0, c3 = 0
        var rest: [Int] = []
        init(count: Int) { if count > 4 { rest = [Int](repeating: 0, count: count - 4) } }
        subscript(k: Int) -> Int {
            get {
                switch k { case 0: return c0; case 1: return c1; case 2: return c2; case 3: return c3; default: return rest[k - 4] }
            }
            set {
                switch k { case 0: c0 = newValue; case 1: c1 = newValue; case 2: c2 = newValue; case 3: c3 = newValue; default: rest[k - 4] = newValue }
            }
        }
    }

    func task(_ t: Int) -> ReadyTask {
        ReadyTask(id: TaskID(index: t), work: tasks.work[t], dataRegion: Int(tasks.dataRegion[t]),
                  residency: tasks.residency[t], inputBytes: tasks.inputBytes[t],
                  arrival: SimTime(ticks: tasks.arrival[t]),
                  deadline: tasks.deadline[t] == .max ? nil : SimTime(ticks: tasks.deadline[t]), job: Int(tasks.job[t]))
    }
}

/// The decisions of one `place` call. Assigning takes the device out of the fleet's idle
/// index at once; the engine then starts the task, or refuses the placement (and counts it)
/// if it breaks a rule.
public struct Placements {
    public private(set) var assignments: [(task: TaskID, device: Int)] = []
    /// Assignments refused on the spot: the device was not idle, or is outside the task's
    /// residency.
    public private(set) var refused = 0
    /// The first idle device refused for this task (memory, residency, or it already voted):
    /// the engine hides it and asks again when a round places nothing (−1: none).
    var firstRefusedIdle: Int32 = -1
    /// A strong `let`: one retain when the round's decisions are made, none per use (an
    /// `unowned(unsafe)` reference is retained and released at every use, several per `assign`).
    let view: FleetView
    let alreadyTried: (TaskID, Int) -> Bool

    init(view: FleetView, alreadyTried: @escaping (TaskID, Int) -> Bool = { _, _ in false }) {
        self.view = view; self.alreadyTried = alreadyTried
    }

    /// Swaps the assignments with `buffer`, then empties them keeping their capacity: a
    /// dispatch round that passes the same buffer round after round allocates nothing for
    /// its list (and gets its list back into `buffer` the same way at its end).
    mutating func reuse(_ buffer: inout [(task: TaskID, device: Int)]) {
        swap(&assignments, &buffer)
        assignments.removeAll(keepingCapacity: true)
    }

    /// Hands the assignments' buffer over (for the next round's `reusing:`), leaving none.
    mutating func takeAssignments() -> [(task: TaskID, device: Int)] {
        var taken: [(task: TaskID, device: Int)] = []
        swap(&taken, &assignments)
        return taken
    }

    /// Runs `task` on `device`, if the device is idle, allowed by the task's residency, can
    /// hold the task's working set in memory (on a Kubernetes node: its pod requests fit), and has not already returned a result for this
    /// task (one vote per device, as BOINC sends one result of a work unit per host); returns
    /// whether the assignment was taken.
    @discardableResult
    public mutating func assign(_ task: ReadyTask, to device: Int) -> Bool {
        guard device >= 0, device < view.deviceCount, view.isIdle(device),
              task.residency.contains(view.region(device)), view.admits(task, on: device),
              !alreadyTried(task.id, device),
              !view.runsPods(device) || !assignments.contains(where: { $0.task == task.id && $0.device == device }) else {
            refused += 1
            if firstRefusedIdle < 0 && device >= 0 && device < view.deviceCount && view.isIdle(device) { firstRefusedIdle = Int32(device) }
            return false
        }
        if view.runsPods(device) { view.holdPod(view.requests(task), on: device) } else { view.markNotIdle(device) }
        assignments.append((task.id, device))
        return true
    }
}
