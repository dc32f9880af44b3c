import SwarmKernel

/// The life of a run's tasks, written once for both drivers — the simulator (`WorkEngine`)
/// and the reference runtime's coordinator: arrival and readiness (`TaskGraph`), per-tenant
/// queues, dispatch rounds through the `SchedulingPolicy`, attempts and their teardown,
/// result validation (`ResultValidator`), stragglers dropped by barriers, backup attempts
/// (`Speculation`), devices joining, leaving and being blacklisted.
///
/// A task with replication r runs r attempts on distinct devices, offered together in one
/// dispatch round (`ReadyTasks`); one vote per device. A lost attempt is counted when its
/// device goes (`attemptLost`) and the task asks for another when the loss is noticed
/// (`lossDetected`, a heartbeat timeout later in both drivers). The run ends when every
/// task is done or dropped and every attempt has come back (replicas beyond a quorum still
/// run, as in BOINC).
public final class TaskLifecycle {
    @exclusivity(unchecked) public internal(set) var tasks: TaskTable
    /// The fleet as policies see it; only the lifecycle changes it.
    public let view: FleetView
    @exclusivity(unchecked) public internal(set) var metrics = RunMetrics()
    /// Bytes each task and each device moved (inputs in, outputs out), for network accounting.
    @exclusivity(unchecked) public internal(set) var taskBytes: [Double]
    @exclusivity(unchecked) public internal(set) var deviceBytes: [Double]
    /// Per task: the result accepted (0 until done).
    @exclusivity(unchecked) public private(set) var acceptedResult: [UInt64]
    public let configuration: LifecycleConfiguration
    @exclusivity(unchecked) var policy: any SchedulingPolicy
    @exclusivity(unchecked) var validator: any ResultValidator
    private unowned(unsafe) var _driver: (any LifecycleDriver)?
    var driver: any LifecycleDriver { _driver! }

    @exclusivity(unchecked) var graph: TaskGraph
    @exclusivity(unchecked) var queues: ReadyQueues
    @exclusivity(unchecked) var arrivals: [UInt32]
    @exclusivity(unchecked) var nextArrival = 0
    @exclusivity(unchecked) var dispatchPending = false
    // Per task: attempts still to place, attempts running, the device of its last attempt,
    // the devices running it, the results returned so far.
    @exclusivity(unchecked) var needed: [UInt8]
    @exclusivity(unchecked) var live: [UInt8]
    /// Lost attempts not yet replaced: the loss, once noticed, asks for one more attempt —
    /// unless the validator already asked for one meanwhile, which then replaces it.
    @exclusivity(unchecked) var unreplaced: [UInt8]
    @exclusivity(unchecked) var lastDevice: [Int32]
    /// The slots running each task's attempts (a slot is its device, but on a Kubernetes node
    /// running pods), as an intrusive list without allocation: the first per task (−1
    /// none), the next per slot (a slot runs one attempt at a time).
    @exclusivity(unchecked) var firstLive: [Int32]
    @exclusivity(unchecked) var nextLive: [Int32]
    /// Tasks with at least one attempt running, in no order, and each one's place in it
    /// (−1 none): what speculation looks over, without scanning every task or device.
    @exclusivity(unchecked) var runningTasks: [Int32] = []
    @exclusivity(unchecked) var runningPosition: [Int32]
    /// Scratch for `speculate` and `cancelAttempts`, and for a task's ballot, kept between calls.
    @exclusivity(unchecked) var scratch: [Int32] = []
    @exclusivity(unchecked) var ballotScratch: [Vote] = []
    /// The tenants' weights and quotas (`Int.max`: none), fixed for the run, for `ReadyTasks`.
    let tenantWeights: [Double]
    let tenantQuotas: [Int]
    /// A dispatch round's assignments, kept between rounds (`Placements`).
    @exclusivity(unchecked) var assignmentBuffer: [(task: TaskID, device: Int)] = []
    /// One vote per device: a device that already returned a result for the task is refused;
    /// so is a device the task's tenant may not use (owned by a contributor who did not lend
    /// it to that tenant). Made once (a closure per round would allocate per round).
    /// Reaches the lifecycle unretained (an `unowned` capture is retained and released per call,
    /// once per placement): the lifecycle owns the closure and outlives every dispatch.
    lazy var refusesDevice: (TaskID, Int) -> Bool = { [me = Unmanaged.passUnretained(self)] t, d in
        me._withUnsafeGuaranteedRef { lifecycle in
            if !lifecycle.mayUse(t.index, d) { return true }
            if lifecycle.pods != nil, lifecycle.runs(t.index, on: d) { return true }   // a node runs one replica
            return lifecycle.ballots.hasVote(task: t.index, device: Int32(d))
        }
    }
    /// Votes of undecided replicated tasks (`BallotBox`).
    @exclusivity(unchecked) var ballots: BallotBox
    // Per slot (a device's first slot is its own id; a Kubernetes node's further pod slots
    // follow the devices, `TaskLifecycle+Pods.swift`): the task it runs (−1 none) and when
    // that attempt began. Per device: when the current idle stretch began, whether it is
    // banned, whether the driver holds it busy with something the lifecycle gave up on (a
    // worker still computing a lost attempt).
    @exclusivity(unchecked) public internal(set) var current: [Int32]
    @exclusivity(unchecked) var attemptStart: [Int64]
    /// Pod slots and their reservations; nil when no device runs pods.
    @exclusivity(unchecked) var pods: PodSlots?
    @exclusivity(unchecked) var idleSince: [Int64]
    @exclusivity(unchecked) var blacklisted: [Bool]
    @exclusivity(unchecked) var occupied: [Bool]
    /// Attempts running across all tasks.
    @exclusivity(unchecked) public internal(set) var attemptsOut = 0
    /// Whether any device has an owner (else every task may use every device but private data).
    let hasOwners: Bool
    /// Scratch for `dispatch`: devices hidden from the idle index for the rest of it.
    @exclusivity(unchecked) var hidden: [Int32] = []
    /// Speculation: tasks given a backup, when running tasks were last looked over, and the
    /// durations of returned attempts.
    @exclusivity(unchecked) var speculated: Set<Int> = []
    @exclusivity(unchecked) var nextSpeculationCheck: Int64 = 0
    @exclusivity(unchecked) var attemptSeconds = RunningStats()

    public init(tasks: TaskTable, view: FleetView, policy: any SchedulingPolicy, validator: any ResultValidator,
                configuration: LifecycleConfiguration) {
        let n = view.fleet.count, m = tasks.count
        let tenantCount = configuration.tenants.count
        for t in 0..<m {
            let k = Int(tasks.tenant[t])
            precondition(k < tenantCount, "\(TaskID(index: t)) names tenant \(k); the run has \(tenantCount)")
            precondition(configuration.tenants[k].maySubmit, "\(TaskID(index: t)) is submitted by contributor '\(configuration.tenants[k].name)', who may not submit work")
        }
        self.tasks = tasks; self.view = view; self.policy = policy; self.validator = validator
        self.configuration = configuration
        tenantWeights = configuration.tenants.map(\.weight)
        tenantQuotas = configuration.tenants.map { $0.quota ?? .max }
        graph = TaskGraph(tasks)
        ballots = BallotBox(tasks: m)
        hasOwners = !configuration.ownership.owner.isEmpty
        queues = ReadyQueues(tenants: tenantCount, tasks: m)
        metrics.tenantBusySeconds = [Double](repeating: 0, count: tenantCount)
        metrics.tenantTasksDone = [Int](repeating: 0, count: tenantCount)
        needed = tasks.replication
        live = [UInt8](repeating: 0, count: m)
        unreplaced = [UInt8](repeating: 0, count: m)
        lastDevice = [Int32](repeating: -1, count: m)
        firstLive = [Int32](repeating: -1, count: m)
        runningPosition = [Int32](repeating: -1, count: m)
        pods = view.hasPods ? PodSlots(fleet: view.fleet) : nil
        let slots = pods?.slotCount ?? n
        current = [Int32](repeating: -1, count: slots)
        nextLive = [Int32](repeating: -1, count: slots)
        attemptStart = [Int64](repeating: 0, count: slots)
        if view.hasPods {
            view.podSpecs = configuration.pods
            // Jobs beyond the list ask the standard spec.
            let jobs = (tasks.job.max().map { Int($0) + 1 } ?? 0)
            let specs = configuration.pods + (configuration.pods.count < max(jobs, 1) ? [PodSpec.standard] : [])
            view.leastRequest = (specs.map(\.cpu).min()!, specs.map(\.gpus).min()!)
        }
        idleSince = [Int64](repeating: 0, count: n)
        blacklisted = [Bool](repeating: false, count: n)
        occupied = [Bool](repeating: false, count: n)
        taskBytes = [Double](repeating: 0, count: m)
        acceptedResult = [UInt64](repeating: 0, count: m)
        deviceBytes = [Double](repeating: 0, count: n)
        arrivals = (0..<UInt32(m)).sorted { (tasks.arrival[Int($0)], $0) < (tasks.arrival[Int($1)], $1) }
    }

    /// Connects the driver and drops the tasks no device of the fleet can run — none holds
    /// their working set, or none is open to their tenant — (counted as `tasksUnplaceable`,
    /// never left waiting); returns when the first task arrives.
    public func attach(_ driver: any LifecycleDriver) -> SimTime? {
        _driver = driver
        var used = [Bool](repeating: false, count: view.fleet.classes.count)
        for c in view.fleet.classOf { used[Int(c)] = true }
        let largest = view.fleet.classes.indices.filter { used[$0] }.map { view.fleet.classes[$0].workingMemory }.max() ?? 0
        // Tenants with no device they may use (every device owned, none lent to them), and
        // with no device of their own (for private data).
        var stranded = Set<Int>(), ownsNone = Set<Int>()
        let ownership = configuration.ownership
        for k in configuration.tenants.indices {
            if !ownership.owner.isEmpty && !(0..<view.fleet.count).contains(where: { ownership.mayRun(tenant: k, onDevice: $0) }) {
                stranded.insert(k)
            }
            if !ownership.owner.contains(Int32(k)) { ownsNone.insert(k) }
        }
        for t in 0..<tasks.count where tasks.state[t] == .waiting {
            let tooBig: Bool
            if case .kernel(let k) = tasks.work[t] { tooBig = k.workingSetBytes > largest } else { tooBig = false }
            let k = Int(tasks.tenant[t])
            guard tooBig || stranded.contains(k) || (tasks.privateData[t] && ownsNone.contains(k)) else { continue }
            metrics.tasksUnplaceable += 1
            drop(t)
        }
        return nextArrivalTime
    }

    /// Whether task `t` may run on device `d`: its tenant may use the device (owner, lending),
    /// and private data stays on the tenant's own devices.
    func mayUse(_ t: Int, _ d: Int) -> Bool {
        guard hasOwners else { return !tasks.privateData[t] }   // the common case: nobody owns anything
        let k = Int(tasks.tenant[t]), ownership = configuration.ownership
        if tasks.privateData[t] { return !ownership.owner.isEmpty && Int(ownership.owner[d]) == k }
        return ownership.mayRun(tenant: k, onDevice: d)
    }

    var nextArrivalTime: SimTime? {
        nextArrival < arrivals.count ? SimTime(ticks: tasks.arrival[Int(arrivals[nextArrival])]) : nil
    }

    /// Every task done or dropped.
    public var settled: Bool { metrics.tasksDone + metrics.tasksDropped == tasks.count }
    /// Whether device `d` is banned for returning wrong results.
    public func isBlacklisted(_ d: Int) -> Bool { blacklisted[d] }

    // MARK: arrivals, readiness and dispatch

    /// Queues the tasks that have arrived by now (and are ready); returns when the next arrives.
    public func arrive() -> SimTime? {
        let now = driver.now.ticks
        while nextArrival < arrivals.count, tasks.arrival[Int(arrivals[nextArrival])] <= now {
            let t = Int(arrivals[nextArrival])
            if graph.readied[t] && tasks.state[t] == .waiting { enqueue(t) }
            nextArrival += 1
        }
        return nextArrivalTime
    }

    func enqueue(_ t: Int) {
        let driver = self.driver   // one retain for the call, not one per use
        // A barrier's reporting deadline starts when its first parent becomes ready.
        if graph.hasEdges {
            for (c, timeout) in graph.armBarriers(readyParent: t, tasks: tasks) {
                driver.wakeBarrier(c, after: SimDuration(ticks: timeout))
            }
        }
        let waiting = tasks.state[t] == .queued
        tasks.state[t] = .queued
        driver.record(.queued(task: TaskID(index: t), at: driver.now))
        queues.push(t, tenant: Int(tasks.tenant[t]), alreadyWaiting: waiting)
        requestDispatch()
    }

    func requestDispatch() {
        guard !dispatchPending else { return }
        dispatchPending = true
        driver.requestDispatch(at: nil)
    }

    // MARK: attempts

    func start(_ t: Int, on d: Int) {
        let driver = self.driver   // one retain for the call, not one per use
        let now = driver.now
        let s = freeSlot(d)
        precondition(s >= 0, "device \(d) given a task beyond its slots")
        precondition(tasks.residency[t].contains(view.region(d)), "\(TaskID(index: t)) placed outside its residency")
        accountIdle(d, until: now.ticks)
        view.running[d] += 1
        current[s] = Int32(t)
        lastDevice[t] = Int32(d)
        attemptStart[s] = now.ticks
        if view.runsPods(d) { reserve(t, on: d, slot: s) }
        tasks.attempts[t] += 1
        live[t] += 1
        if firstLive[t] < 0 {
            runningPosition[t] = Int32(runningTasks.count)
            runningTasks.append(Int32(t))
        }
        nextLive[s] = firstLive[t]
        firstLive[t] = Int32(s)
        attemptsOut += 1
        queues.running[Int(tasks.tenant[t])] += 1
        needed[t] -= 1
        driver.record(.started(task: TaskID(index: t), device: d, attempt: Int(tasks.attempts[t]), at: now))
        if needed[t] == 0 {
            tasks.state[t] = .running
            driver.record(.running(task: TaskID(index: t), at: now))
        }
        driver.beginAttempt(task: t, device: d, slot: s)
        // A Kubernetes node with room left stays offered (another pod in the next round).
        if view.runsPods(d) { refreshIdle(d) }
    }

    /// Device `d`'s attempt came back with `result`: vote, accept, or ask for more (a
    /// device with one slot: the runtime's devices).
    public func attemptReturned(device d: Int, result: UInt64) { attemptReturned(slot: d, result: result) }

    /// The attempt in slot `s` came back with `result` (`WorkEngine`: a pod on a Kubernetes
    /// node has its own slot).
    public func attemptReturned(slot s: Int, result: UInt64) {
        let driver = self.driver   // one retain for the call, not one per use
        let t = Int(current[s])
        let d = device(ofSlot: s)
        precondition(t >= 0, "slot \(s) of device \(d) returned a result without an attempt")
        let now = driver.now
        let seconds = elapsedSeconds(s)
        metrics.busy(seconds * busyShare(s), rates: view.rates(d), tenant: Int(tasks.tenant[t]))
        attemptSeconds.add(seconds)
        endAttempt(t, slot: s)
        view.completed[d] += 1
        release(slot: s)
        driver.record(.returned(task: TaskID(index: t), device: d, at: now))
        guard tasks.state[t] != .done && tasks.state[t] != .dropped else {
            metrics.redundantSeconds += seconds   // a replica that outlived its task's acceptance
            finishIfSettled()
            return
        }
        // The votes so far and this one, in a buffer kept between calls; earlier votes wait in
        // `ballots`, whose pool is reused: no result allocates.
        ballotScratch.removeAll(keepingCapacity: true)
        ballots.append(votesOf: t, to: &ballotScratch)
        let vote = Vote(result: result, device: Int32(d), seconds: seconds)
        ballotScratch.append(vote)
        let ballot = ballotScratch
        let context = BallotContext(votes: ballot, quorum: Int(tasks.quorum[t]), attempts: Int(tasks.attempts[t]),
                                    live: Int(live[t]), fleetSize: view.fleet.count,
                                    maxAttempts: configuration.trust.maxAttempts)
        let verdict = validator.verdict(context)
        metrics.spotChecks = validator.spotChecks
        switch verdict {
        case .accept(let value, let liars, _):
            for v in liars { blacklist(Int(v)) }
            accept(t, result: value, on: d, ballot: ballot)
        case .needMore(let now):
            ballots.store(vote, task: t)
            if now || (live[t] == 0 && needed[t] == 0) {
                if !now && unreplaced[t] > 0 { unreplaced[t] -= 1 }
                needed[t] += 1
                enqueue(t)
            }
        }
    }

    func accept(_ t: Int, result: UInt64, on d: Int, ballot: [Vote]) {
        let driver = self.driver   // one retain for the call, not one per use
        let now = driver.now
        acceptedResult[t] = result
        ballots.clear(task: t)
        needed[t] = 0
        tasks.state[t] = .done
        tasks.finished[t] = now.ticks
        let correct = driver.isCorrect(task: t, result: result)
        if !correct { metrics.acceptedErrors += 1 }
        // Work beyond the one attempt whose result was accepted is redundancy's price.
        var voted = 0.0
        for i in ballot.indices.dropLast() { voted += ballot[i].seconds }
        metrics.redundantSeconds += voted
        metrics.finished(arrival: tasks.arrival[t], finish: now.ticks, deadline: tasks.deadline[t])
        metrics.tenantTasksDone[Int(tasks.tenant[t])] += 1
        driver.record(.done(task: TaskID(index: t), device: d, at: now, correct: correct))
        policy.taskFinished(TaskID(index: t), on: d, fleet: view)
        // A child's data comes from the region where its last parent finished.
        if graph.hasEdges {
            for c in graph.children[t] where !graph.readied[Int(c)] { tasks.dataRegion[Int(c)] = UInt16(view.region(d)) }
            for c in graph.settle(t, done: true, tasks: tasks) { makeReady(c) }
        }
        if speculated.remove(t) != nil { metrics.redundantSeconds += cancelAttempts(of: t) }
        finishIfSettled()
    }

    func finishIfSettled() {
        if settled && attemptsOut == 0 { driver.lifecycleFinished() }
    }

    func makeReady(_ c: Int) {
        if tasks.arrival[c] <= driver.now.ticks && tasks.state[c] == .waiting { enqueue(c) }
        if tasks.parentQuorum[c] > 0 {
            for p in tasks.parents(of: TaskID(index: c)) where tasks.state[Int(p)] != .done && tasks.state[Int(p)] != .dropped {
                drop(Int(p))
            }
        }
    }

    /// A barrier's reporting deadline: settle for the quorum now, or as soon as it is reached.
    public func barrierDeadline(_ c: Int) {
        if graph.expire(c, tasks: tasks) { makeReady(c) }
    }

    /// Gives up on a task (a straggler, or one no device can hold): its attempts are
    /// cancelled and their work counted as wasted.
    func drop(_ t: Int) {
        tasks.state[t] = .dropped
        needed[t] = 0
        ballots.clear(task: t)
        metrics.tasksDropped += 1
        metrics.droppedSeconds += cancelAttempts(of: t)
        driver.record(.dropped(task: TaskID(index: t), at: driver.now))
        for c in graph.settle(t, done: false, tasks: tasks) { makeReady(c) }
    }

    func blacklist(_ d: Int) {
        guard !blacklisted[d] else { return }
        blacklisted[d] = true
        metrics.blacklisted += 1
        if view.isIdle(d) { view.markNotIdle(d); accountIdle(d, until: driver.now.ticks) }
        driver.record(.blacklisted(device: d, at: driver.now))
    }
}
