import SwarmKernel

/// Runs tasks on a churning fleet under a scheduling policy, as kernel events.
///
/// A task becomes ready when it has arrived and its parents (DAG edges) are done. Each
/// attempt goes through input transfer → compute → output transfer on its device. A device
/// that leaves mid-attempt loses it; the coordinator notices when heartbeats stop,
/// `heartbeatTimeout` later, and asks for another attempt (attempts are counted). A task
/// with replication r runs r attempts on distinct devices and is accepted when `quorum` of
/// their results agree (`TrustModel`); adversarial devices return wrong results.
/// Availability comes from `FleetAvailability`: each device keeps one pending event, its next
/// change, so the idle index the policy sees is exact.
///
/// Transfers take latency (RTT/2 between the data's region and the device's, plus the
/// device's access latency) plus bytes over the device's access link — or, with
/// `Configuration.network`, flows sharing WAN, backhaul and access links max-min fairly
/// (`WorkEngine+Network.swift`). A child task's data comes from the region where its last
/// parent finished.
public final class WorkEngine {
    public struct Configuration: Sendable {
        public var heartbeatTimeout: SimDuration
        public var costModel: any CostModel
        /// One-way latency between two regions, seconds.
        public var regionLatency: @Sendable (Int, Int) -> Double
        public var trust: TrustModel
        /// Who submits the tasks (a task's `tenant` indexes this list).
        public var tenants: [Tenant]
        /// Backup attempts for stragglers; nil = none.
        public var speculation: Speculation?
        /// When set, transfers are flows sharing this topology's links max-min fairly (its
        /// regions are the fleet's, in order); nil: each transfer gets its device's access link.
        public var network: Topology?
        public init(heartbeatTimeout: SimDuration = .seconds(60), costModel: any CostModel = RooflineCostModel(),
                    regionLatency: @escaping @Sendable (Int, Int) -> Double = { _, _ in 0 },
                    trust: TrustModel = .honest, tenants: [Tenant] = Tenant.everyone, speculation: Speculation? = nil,
                    network: Topology? = nil) {
            precondition(!tenants.isEmpty, "a run needs at least one tenant")
            self.heartbeatTimeout = heartbeatTimeout; self.costModel = costModel
            self.regionLatency = regionLatency; self.trust = trust; self.tenants = tenants
            self.speculation = speculation; self.network = network
        }
    }

    /// Speculative re-execution of stragglers, MapReduce's backup tasks (Dean and Ghemawat,
    /// "MapReduce: simplified data processing on large clusters", OSDI 2004): when nothing is
    /// queued and a device is idle, a task whose only attempt has run longer than `slowdown`
    /// times the mean attempt so far gets a backup attempt; the first result wins and the
    /// other attempt is cancelled.
    public struct Speculation: Sendable, Equatable {
        public var slowdown: Double
        /// How often running tasks are looked over (bounds the cost on large fleets).
        public var checkEvery: SimDuration
        public init(slowdown: Double = 1.5, checkEvery: SimDuration = .seconds(30)) {
            precondition(slowdown >= 1, "speculation slowdown must be ≥ 1")
            self.slowdown = slowdown; self.checkEvery = checkEvery
        }
    }

    /// What happened, for observers (the HDF5 recorder is one; tests are others).
    public enum Record: Sendable, Equatable {
        case started(task: TaskID, device: Int, attempt: Int, at: SimTime)
        case lost(task: TaskID, device: Int, at: SimTime)
        case requeued(task: TaskID, at: SimTime)
        /// An attempt finished and returned its result.
        case returned(task: TaskID, device: Int, at: SimTime)
        /// The task was accepted (`correct`: its accepted result is the right one).
        case done(task: TaskID, device: Int, at: SimTime, correct: Bool)
        case blacklisted(device: Int, at: SimTime)
        /// An attempt cancelled because its task was dropped.
        case cancelled(task: TaskID, device: Int, at: SimTime)
        /// A straggler dropped by its barrier.
        case dropped(task: TaskID, at: SimTime)
        /// The task is (again) waiting for attempts to be placed.
        case queued(task: TaskID, at: SimTime)
        /// The task has all the attempts it needs running (it leaves the queue).
        case running(task: TaskID, at: SimTime)
        /// Device `device`'s attempt entered `phase` (input transfer done → `.computing`;
        /// compute done → `.transferOut`).
        case phase(device: Int, phase: AttemptPhase, at: SimTime)
        /// A device came online / went offline (after `.lost` if it was running an attempt).
        case online(device: Int, at: SimTime)
        case offline(device: Int, at: SimTime)
    }

    public let sim: Simulation
    public private(set) var tasks: TaskTable
    public let view: FleetView
    public private(set) var metrics = RunMetrics()
    public var observer: ((Record) -> Void)?
    let configuration: Configuration
    var availability: FleetAvailability
    var policy: any SchedulingPolicy
    /// Ready tasks per tenant in arrival order; entries of tasks no longer queued are skipped
    /// lazily. A task has at most one entry (`inQueue`): re-queueing reuses a stale one.
    var queues: [[UInt32]]
    var queueHeads: [Int]
    var inQueue: [Bool]
    /// Attempts running per tenant.
    var tenantRunning: [Int]
    var arrivals: [UInt32]
    var nextArrival = 0
    var dispatchPending = false
    // Per device: the task it runs (−1 none), its attempt's phase and pending event, when the
    // attempt and the current idle stretch began, whether it lies, whether it is banned.
    var current: [Int32]
    var phase: [AttemptPhase]
    var phaseEvent: [EventHandle?]
    var attemptStart: [Int64]
    var idleSince: [Int64]
    var adversarial: [Bool]
    var blacklisted: [Bool]
    /// Spot checks each device has passed (credibility-based validation).
    var passedChecks: [UInt32]
    // Per task: attempts running, attempts still to place, parents not done, the device of its
    // last attempt, and (while voting) the results returned with their devices.
    var live: [UInt8]
    var needed: [UInt8]
    /// Per task: parents finished, parents settled (finished or dropped), whether it has been
    /// made ready, and — for barriers with a timeout — whether the timer was armed and ran out.
    var doneParents: [UInt16]
    var settledParents: [UInt16]
    var readied: [Bool]
    var barrierArmed: Set<Int> = []
    var barrierExpired: Set<Int> = []
    var children: [[UInt32]]
    var lastDevice: [Int32]
    var votes: [Int: [(result: UInt64, device: Int32, seconds: Double)]] = [:]
    /// Scratch for `dispatch`: the first device of a round the policy picked for a task it
    /// already voted on (−1 none), and the devices hidden from the idle index for the rest of
    /// the dispatch (kept to reuse its storage).
    var votedPick: Int32 = -1
    var hidden: [Int32] = []
    /// Devices running an attempt of each task (for dropping stragglers).
    var liveDevices: [Int: [Int32]] = [:]
    /// Speculation: tasks given a backup, when running tasks were last looked over, and the
    /// durations of returned attempts.
    var speculated: Set<Int> = []
    var nextSpeculationCheck: Int64 = 0
    var attemptSeconds = RunningStats()
    var spotRng: Xoshiro256
    /// The shared network, when transfers are flows (`Configuration.network`).
    var net: SharedTransfers?
    /// Attempts running across all tasks (the run ends when all tasks are done and these
    /// have come back: replicas beyond a quorum still run, as in BOINC).
    var attemptsOut = 0
    var kinds: (arrive: EventKind, change: EventKind, phase: EventKind, detect: EventKind, dispatch: EventKind, barrier: EventKind, flow: EventKind)
        = (EventKind(rawValue: 0), EventKind(rawValue: 0), EventKind(rawValue: 0), EventKind(rawValue: 0), EventKind(rawValue: 0), EventKind(rawValue: 0), EventKind(rawValue: 0))

    public init(fleet: Fleet, tasks: TaskTable, policy: any SchedulingPolicy, seed: UInt64,
                configuration: Configuration = Configuration(), sim: Simulation = Simulation()) {
        self.sim = sim
        self.tasks = tasks
        self.view = FleetView(fleet: fleet)
        self.policy = policy
        self.configuration = configuration
        self.availability = FleetAvailability(fleet: fleet, seed: seed)
        let n = fleet.count, m = tasks.count
        let streams = RandomStreams(seed: seed)
        current = [Int32](repeating: -1, count: n)
        phase = [AttemptPhase](repeating: .idle, count: n)
        phaseEvent = [EventHandle?](repeating: nil, count: n)
        attemptStart = [Int64](repeating: 0, count: n)
        idleSince = [Int64](repeating: 0, count: n)
        let fraction = configuration.trust.adversaryFraction
        adversarial = (0..<n).map { d in
            guard fraction > 0 else { return false }
            var g = streams.counterStream("adversary", entity: UInt64(d))
            return g.nextUnit() < fraction
        }
        blacklisted = [Bool](repeating: false, count: n)
        passedChecks = [UInt32](repeating: 0, count: n)
        live = [UInt8](repeating: 0, count: m)
        inQueue = [Bool](repeating: false, count: m)
        let tenantCount = configuration.tenants.count
        queues = Array(repeating: [], count: tenantCount)
        queueHeads = [Int](repeating: 0, count: tenantCount)
        tenantRunning = [Int](repeating: 0, count: tenantCount)
        for t in 0..<m {
            let k = Int(tasks.tenant[t])
            precondition(k < tenantCount, "\(TaskID(index: t)) names tenant \(k); the run has \(tenantCount)")
            precondition(configuration.tenants[k].maySubmit, "\(TaskID(index: t)) is submitted by contributor '\(configuration.tenants[k].name)', who may not submit work")
        }
        metrics.tenantBusySeconds = [Double](repeating: 0, count: tenantCount)
        metrics.tenantTasksDone = [Int](repeating: 0, count: tenantCount)
        needed = tasks.replication
        lastDevice = [Int32](repeating: -1, count: m)
        doneParents = [UInt16](repeating: 0, count: m)
        settledParents = [UInt16](repeating: 0, count: m)
        readied = (0..<m).map { tasks.parents(of: TaskID(index: $0)).isEmpty }
        children = Array(repeating: [], count: m)
        for t in 0..<m { for p in tasks.parents(of: TaskID(index: t)) { children[Int(p)].append(UInt32(t)) } }
        spotRng = streams.stream("spot-check")
        if let topology = configuration.network {
            precondition(topology.regions.count == fleet.regionNames.count, "the network's regions must be the fleet's")
            net = SharedTransfers(topology: topology, fleet: fleet, start: sim.now)
        }
        arrivals = (0..<UInt32(m)).sorted { (tasks.arrival[Int($0)], $0) < (tasks.arrival[Int($1)], $1) }
        kinds.arrive = sim.register("task-arrive") { [unowned self] _ in self.arrive() }
        kinds.change = sim.register("device-change") { [unowned self] e in self.changed(Int(e.target)) }
        kinds.phase = sim.register("task-phase") { [unowned self] e in self.phaseDone(Int(e.target)) }
        kinds.detect = sim.register("task-lost-detected") { [unowned self] e in self.detected(Int(e.target)) }
        kinds.dispatch = sim.register("dispatch") { [unowned self] _ in self.dispatch() }
        kinds.barrier = sim.register("barrier-deadline") { [unowned self] e in self.barrierDeadline(Int(e.target)) }
        kinds.flow = sim.register("flow-done") { [unowned self] _ in self.flowsDone() }
        for d in 0..<n {
            let s = availability.state(of: d, at: sim.now)
            if s.available { cameOnline(d) }
            if s.until != .distantFuture { sim.schedule(kinds.change, target: UInt32(d), at: s.until) }
        }
        if let first = arrivals.first { sim.schedule(kinds.arrive, at: max(sim.now, SimTime(ticks: tasks.arrival[Int(first)]))) }
    }

    /// Whether device `d` returns wrong results.
    public func isAdversarial(_ d: Int) -> Bool { adversarial[d] }

    /// Runs until every task is done or `until`; returns whether all finished.
    @discardableResult
    public func run(until: SimTime = .distantFuture) -> Bool {
        if settled { return true }
        sim.run(until: until)
        for d in 0..<view.fleet.count where view.isIdle(d) { accountIdle(d, until: sim.now.ticks); idleSince[d] = sim.now.ticks }
        return settled
    }

    /// Every task done or dropped.
    var settled: Bool { metrics.tasksDone + metrics.tasksDropped == tasks.count }

    // MARK: arrivals, readiness and dispatch

    func arrive() {
        let now = sim.now.ticks
        while nextArrival < arrivals.count, tasks.arrival[Int(arrivals[nextArrival])] <= now {
            let t = Int(arrivals[nextArrival])
            if readied[t] { enqueue(t) }
            nextArrival += 1
        }
        if nextArrival < arrivals.count {
            sim.schedule(kinds.arrive, at: SimTime(ticks: tasks.arrival[Int(arrivals[nextArrival])]))
        }
    }

    func enqueue(_ t: Int) {
        // A barrier's reporting deadline starts when its first parent becomes ready.
        for c in children[t] where tasks.barrierTimeout[Int(c)] > 0 && !barrierArmed.contains(Int(c)) {
            barrierArmed.insert(Int(c))
            sim.schedule(kinds.barrier, target: c, after: SimDuration(ticks: tasks.barrierTimeout[Int(c)]))
        }
        tasks.state[t] = .queued
        observer?(.queued(task: TaskID(index: t), at: sim.now))
        if !inQueue[t] {
            inQueue[t] = true
            queues[Int(tasks.tenant[t])].append(UInt32(t))
        }
        requestDispatch()
    }

    func requestDispatch() {
        guard !dispatchPending else { return }
        dispatchPending = true
        sim.schedule(kinds.dispatch, after: .zero)
    }

    func dispatch() {
        dispatchPending = false
        var waiting = false
        for k in queues.indices {
            if queueHeads[k] > 1024 && queueHeads[k] * 2 > queues[k].count {
                queues[k].removeFirst(queueHeads[k]); queueHeads[k] = 0
            }
            while queueHeads[k] < queues[k].count && tasks.state[Int(queues[k][queueHeads[k]])] != .queued {
                inQueue[Int(queues[k][queueHeads[k]])] = false
                queueHeads[k] += 1
            }
            if queueHeads[k] < queues[k].count { waiting = true }
        }
        if !waiting && view.idleCount > 0, configuration.speculation != nil { waiting = speculate() }
        guard waiting, view.idleCount > 0 else { return }
        view.now = sim.now
        // One vote per device: a device that already returned a result for the task is refused
        // (the first such pick is written down, for hiding below).
        let alreadyVoted: (TaskID, Int) -> Bool = { [unowned self] t, d in
            guard self.votes[t.index]?.contains(where: { $0.device == Int32(d) }) ?? false else { return false }
            if self.votedPick < 0 { self.votedPick = Int32(d) }
            return true
        }
        var placements = Placements(view: view, alreadyTried: alreadyVoted)
        do {
            let tenants = configuration.tenants
            let ready = ReadyTasks(tasks: tasks, queues: queues.indices.map { queues[$0][queueHeads[$0]...] },
                                   running: tenantRunning.map(Double.init), weights: tenants.map(\.weight),
                                   room: tenants.indices.map { k in tenants[k].quota.map { max(0, $0 - tenantRunning[k]) } ?? .max })
            policy.place(ready, on: view, into: &placements)
            // A policy that keeps picking a device that already voted on a task (fastest-first
            // takes the last idle device of its bucket) would leave the task waiting while
            // other devices idle, for ever if nothing else happens. While a round places nothing
            // but was refused such a device, the first one is hidden from the idle index and the
            // policy asked again; hidden devices come back at the end of this dispatch. One at a
            // time: a device one task already voted on may be the one another task needs. Each
            // pass hides a device, so this ends.
            while placements.assignments.isEmpty && votedPick >= 0 {
                view.markNotIdle(Int(votedPick))   // idle: `assign` checks that before asking
                hidden.append(votedPick)
                votedPick = -1
                guard view.idleCount > 0 else { break }
                metrics.refusedPlacements += placements.refused
                placements = Placements(view: view, alreadyTried: alreadyVoted)
                policy.place(ready, on: view, into: &placements)
            }
            votedPick = -1
        }
        metrics.refusedPlacements += placements.refused
        var moreWanted = false, startedAny = false
        for (task, device) in placements.assignments {
            let t = task.index
            // Assign already checked the device and residency; attempts beyond what the task
            // needs are refused.
            let k = t < tasks.count ? Int(tasks.tenant[t]) : 0
            guard t < tasks.count, tasks.state[t] == .queued, needed[t] > 0,
                  tenantRunning[k] < configuration.tenants[k].quota ?? .max else {
                metrics.refusedPlacements += 1
                view.markIdle(device)
                continue
            }
            start(t, on: device)
            startedAny = true
            if needed[t] > 0 { moreWanted = true }
        }
        // Hidden devices are still idle, online and not blacklisted: nothing else ran meanwhile.
        // Another task may want one of them, so when this round started something they are
        // offered again in another round.
        if !hidden.isEmpty {
            for d in hidden { view.markIdle(Int(d)) }
            hidden.removeAll(keepingCapacity: true)
            if startedAny { moreWanted = true }
        }
        // A task is offered once per call: replicas it still needs go out in another round
        // at the same instant, as long as rounds make progress.
        if moreWanted && view.idleCount > 0 { requestDispatch() }
    }

    /// Queues backup attempts for stragglers; returns whether any was queued.
    func speculate() -> Bool {
        guard let spec = configuration.speculation, sim.now.ticks >= nextSpeculationCheck,
              !liveDevices.isEmpty else { return false }
        nextSpeculationCheck = sim.now.ticks + spec.checkEvery.ticks
        // Look again later even if nothing else happens (a straggler raises no event).
        sim.schedule(kinds.dispatch, at: SimTime(ticks: nextSpeculationCheck))
        guard attemptSeconds.count > 0 else { return false }
        let limit = spec.slowdown * attemptSeconds.mean
        var queued = false
        for (t, devices) in liveDevices.sorted(by: { $0.key < $1.key })
        where devices.count == 1 && !speculated.contains(t) && tasks.state[t] == .running {
            let elapsed = Double(sim.now.ticks - attemptStart[Int(devices[0])]) / 1e9
            guard elapsed > limit else { continue }
            speculated.insert(t)
            metrics.backupAttempts += 1
            needed[t] += 1
            enqueue(t)
            queued = true
        }
        return queued
    }

    // MARK: the life of an attempt

    func start(_ t: Int, on d: Int) {
        let now = sim.now.ticks
        precondition(view.running[d] == 0 && current[d] < 0, "device \(d) given a second task")
        precondition(tasks.residency[t].contains(view.region(d)), "\(TaskID(index: t)) placed outside its residency")
        accountIdle(d, until: now)
        view.running[d] = 1
        current[d] = Int32(t)
        lastDevice[t] = Int32(d)
        attemptStart[d] = now
        tasks.attempts[t] += 1
        live[t] += 1
        liveDevices[t, default: []].append(Int32(d))
        attemptsOut += 1
        tenantRunning[Int(tasks.tenant[t])] += 1
        needed[t] -= 1
        phase[d] = .transferIn
        observer?(.started(task: TaskID(index: t), device: d, attempt: Int(tasks.attempts[t]), at: sim.now))
        if needed[t] == 0 {
            tasks.state[t] = .running
            observer?(.running(task: TaskID(index: t), at: sim.now))
        }
        beginTransfer(t, d, input: true)
    }

    /// Starts a transfer phase: with the shared network, latency first and then a flow;
    /// otherwise one event after latency + bytes over the access link.
    func beginTransfer(_ t: Int, _ d: Int, input: Bool) {
        let bytes = input ? tasks.inputBytes[t] : tasks.outputBytes[t]
        let c = view.deviceClass(d)
        if net != nil && bytes > 0 {
            let latency = configuration.regionLatency(Int(tasks.dataRegion[t]), view.region(d)) + c.accessLatency.seconds
            net!.awaiting[d] = true
            phaseEvent[d] = sim.schedule(kinds.phase, target: UInt32(d), after: SimDuration(seconds: latency))
        } else {
            phaseEvent[d] = sim.schedule(kinds.phase, target: UInt32(d), after: transfer(t, d, bytes: bytes, link: input ? c.downlink : c.uplink))
        }
    }

    func transfer(_ t: Int, _ d: Int, bytes: Double, link: Double) -> SimDuration {
        guard bytes > 0 else { return .zero }
        let c = view.deviceClass(d)
        let seconds = configuration.regionLatency(Int(tasks.dataRegion[t]), view.region(d)) + c.accessLatency.seconds + bytes / link
        return SimDuration(seconds: seconds)
    }

    func computeTime(_ t: Int, _ d: Int) -> SimDuration {
        switch tasks.work[t] {
        case .seconds(let s): return SimDuration(seconds: s)
        case .kernel(let k): return SimDuration(seconds: configuration.costModel.best(for: k, on: view.deviceClass(d)).seconds)
        }
    }

    func phaseDone(_ d: Int) {
        let t = Int(current[d])
        if net?.awaiting[d] == true {
            // Latency has passed: the bytes now flow, sharing links with other transfers.
            net!.awaiting[d] = false
            phaseEvent[d] = nil
            startFlow(t, d, input: phase[d] == .transferIn)
            return
        }
        advancePhase(d)
    }

    /// Moves device `d`'s attempt to its next phase.
    func advancePhase(_ d: Int) {
        let t = Int(current[d])
        switch phase[d] {
        case .transferIn:
            phase[d] = .computing
            observer?(.phase(device: d, phase: .computing, at: sim.now))
            phaseEvent[d] = sim.schedule(kinds.phase, target: UInt32(d), after: computeTime(t, d))
        case .computing:
            phase[d] = .transferOut
            observer?(.phase(device: d, phase: .transferOut, at: sim.now))
            beginTransfer(t, d, input: false)
        case .transferOut:
            returned(t, from: d)
        case .idle:
            preconditionFailure("phase event on idle device \(d)")
        }
    }

    /// An attempt came back with its result: vote, accept, or ask for more.
    func returned(_ t: Int, from d: Int) {
        let now = sim.now.ticks
        let seconds = Double(now - attemptStart[d]) / 1e9
        metrics.busy(seconds, on: view.deviceClass(d), tenant: Int(tasks.tenant[t]))
        attemptSeconds.add(seconds)
        live[t] -= 1
        removeLive(t, d)
        attemptsOut -= 1
        view.completed[d] += 1
        let result = configuration.trust.result(task: t, device: d, adversarial: adversarial[d])
        release(d)
        observer?(.returned(task: TaskID(index: t), device: d, at: sim.now))
        guard tasks.state[t] != .done else {
            metrics.redundantSeconds += seconds   // a replica that outlived its task's acceptance
            if settled && attemptsOut == 0 { sim.stop() }
            return
        }
        var ballot = votes[t] ?? []
        ballot.append((result, Int32(d), seconds))
        let trust = configuration.trust
        let tally = Dictionary(grouping: ballot, by: \.result).mapValues(\.count)
        // The leading result, ties broken by the smaller value (deterministic).
        let (leader, leaderVotes) = tally.max { ($0.value, $1.key) < ($1.value, $0.key) }!
        // Without agreement after `maxAttempts`, or once every device has voted (no device is
        // left to ask), the plurality wins. Votes come from distinct devices.
        let exhausted = (Int(tasks.attempts[t]) >= trust.maxAttempts || ballot.count >= view.fleet.count) && live[t] == 0
        switch trust.validation {
        case .none:
            accept(t, result: result, on: d, ballot: ballot)
        case .quorum:
            if leaderVotes >= Int(tasks.quorum[t]) || exhausted {
                accept(t, result: leader, on: d, ballot: ballot)
            } else {
                askForMore(t, ballot)
            }
        case .spotCheck(let p):
            if ballot.count == 1 {
                if spotRng.nextUnit() < p {
                    metrics.spotChecks += 1
                    askForMore(t, ballot, now: true)
                } else {
                    accept(t, result: result, on: d, ballot: ballot)
                }
            } else if tally.count == 1 || leaderVotes >= 2 || exhausted {
                // Agreement (or a majority): whoever returned something else lied.
                for v in ballot where v.result != leader { blacklist(Int(v.device)) }
                accept(t, result: leader, on: d, ballot: ballot)
            } else {
                askForMore(t, ballot)   // one against one: a third attempt decides
            }
        case .credibility(let threshold, let f, let p):
            if ballot.count == 1, spotRng.nextUnit() < p {
                metrics.spotChecks += 1
                askForMore(t, ballot, now: true)
                return
            }
            // How credible is the leading result: not every device agreeing on it lies.
            var allLie = 1.0
            for v in ballot where v.result == leader { allLie *= f / (Double(passedChecks[Int(v.device)]) + 1) }
            if 1 - allLie >= threshold || exhausted {
                if ballot.count > 1 {
                    for v in ballot {
                        if v.result == leader { passedChecks[Int(v.device)] += 1 } else { blacklist(Int(v.device)) }
                    }
                }
                accept(t, result: leader, on: d, ballot: ballot)
            } else {
                askForMore(t, ballot, now: live[t] == 0 && needed[t] == 0)
            }
        }
    }

    /// Keeps the results so far and, once no attempt is still out, asks for one more.
    func askForMore(_ t: Int, _ ballot: [(result: UInt64, device: Int32, seconds: Double)], now: Bool = false) {
        votes[t] = ballot
        if now || (live[t] == 0 && needed[t] == 0) {
            needed[t] += 1
            enqueue(t)
        }
    }

    func accept(_ t: Int, result: UInt64, on d: Int, ballot: [(result: UInt64, device: Int32, seconds: Double)]) {
        let now = sim.now.ticks
        votes[t] = nil
        needed[t] = 0
        tasks.state[t] = .done
        tasks.finished[t] = now
        let correct = result == TrustModel.correctResult(t)
        if !correct { metrics.acceptedErrors += 1 }
        // Work beyond the one attempt whose result was accepted is redundancy's price.
        metrics.redundantSeconds += ballot.reduce(0) { $0 + $1.seconds } - ballot.last!.seconds
        metrics.finished(arrival: tasks.arrival[t], finish: now, deadline: tasks.deadline[t])
        metrics.tenantTasksDone[Int(tasks.tenant[t])] += 1
        observer?(.done(task: TaskID(index: t), device: d, at: sim.now, correct: correct))
        policy.taskFinished(TaskID(index: t), on: d, fleet: view)
        parentSettled(t, region: view.region(d))
        if speculated.remove(t) != nil { metrics.redundantSeconds += cancelAttempts(of: t) }
        if settled && attemptsOut == 0 { sim.stop() }
    }

    /// Task `t` finished (`region` where it ran) or was dropped (`region` nil): its children
    /// may become ready. A child needs all its parents, or, behind a quorum barrier, the
    /// quorum (once its timeout, if any, has run out); the parents still running are dropped.
    func parentSettled(_ t: Int, region: Int?) {
        for c in children[t] {
            let c = Int(c)
            guard !readied[c] else { continue }
            settledParents[c] += 1
            if region != nil { doneParents[c] += 1 }
            if let r = region { tasks.dataRegion[c] = UInt16(r) }
            let n = tasks.parents(of: TaskID(index: c)).count
            let q = tasks.parentQuorum[c] == 0 ? n : Int(tasks.parentQuorum[c])
            let waitsForAll = tasks.barrierTimeout[c] > 0 && !barrierExpired.contains(c)
            if Int(doneParents[c]) >= (waitsForAll ? n : q) || Int(settledParents[c]) == n {
                makeReady(c)
            }
        }
    }

    func makeReady(_ c: Int) {
        readied[c] = true
        if tasks.arrival[c] <= sim.now.ticks { enqueue(c) }
        if tasks.parentQuorum[c] > 0 {
            for p in tasks.parents(of: TaskID(index: c)) where tasks.state[Int(p)] != .done && tasks.state[Int(p)] != .dropped {
                drop(Int(p))
            }
        }
    }

    /// A barrier's reporting deadline: settle for the quorum now, or as soon as it is reached.
    func barrierDeadline(_ c: Int) {
        barrierExpired.insert(c)
        guard !readied[c] else { return }
        let q = Int(tasks.parentQuorum[c])
        if Int(doneParents[c]) >= q { makeReady(c) }
    }

    /// Gives up on a straggler: its attempts are cancelled and their work counted as wasted.
    func drop(_ t: Int) {
        tasks.state[t] = .dropped
        needed[t] = 0
        votes[t] = nil
        metrics.tasksDropped += 1
        metrics.droppedSeconds += cancelAttempts(of: t)
        observer?(.dropped(task: TaskID(index: t), at: sim.now))
        parentSettled(t, region: nil)
    }

    func blacklist(_ d: Int) {
        guard !blacklisted[d] else { return }
        blacklisted[d] = true
        metrics.blacklisted += 1
        if view.isIdle(d) { view.markNotIdle(d); accountIdle(d, until: sim.now.ticks) }
        observer?(.blacklisted(device: d, at: sim.now))
    }

    /// Device `d` is free again (still online).
    func release(_ d: Int) {
        current[d] = -1
        phase[d] = .idle
        phaseEvent[d] = nil
        view.running[d] = 0
        if !blacklisted[d] {
            view.markIdle(d)
            idleSince[d] = sim.now.ticks
            requestDispatch()
        }
    }

    // MARK: churn

    func changed(_ d: Int) {
        let s = availability.state(of: d, at: sim.now)
        if s.available { cameOnline(d) } else { wentOffline(d) }
        if s.until != .distantFuture { sim.schedule(kinds.change, target: UInt32(d), at: s.until) }
    }

    func cameOnline(_ d: Int) {
        view.onlineSince[d] = sim.now.ticks
        view.onlineCount += 1
        observer?(.online(device: d, at: sim.now))
        guard !blacklisted[d] else { return }
        view.markIdle(d)
        idleSince[d] = sim.now.ticks
        policy.deviceJoined(d, fleet: view)
        requestDispatch()
    }

    func wentOffline(_ d: Int) {
        let now = sim.now.ticks
        if current[d] >= 0 {
            let t = Int(current[d])
            if let h = phaseEvent[d] { sim.cancel(h) }
            stopFlow(d)
            let lostSeconds = Double(now - attemptStart[d]) / 1e9
            metrics.wastedSeconds += lostSeconds
            metrics.busy(lostSeconds, on: view.deviceClass(d), tenant: Int(tasks.tenant[t]))
            metrics.attemptsLost += 1
            view.failed[d] += 1
            live[t] -= 1
            removeLive(t, d)
            attemptsOut -= 1
            current[d] = -1
            phase[d] = .idle
            phaseEvent[d] = nil
            view.running[d] = 0
            observer?(.lost(task: TaskID(index: t), device: d, at: sim.now))
            sim.schedule(kinds.detect, target: UInt32(t), after: configuration.heartbeatTimeout)
        } else if view.isIdle(d) {
            view.markNotIdle(d)
            accountIdle(d, until: now)
        }
        view.onlineSince[d] = .min
        view.onlineCount -= 1
        observer?(.offline(device: d, at: sim.now))
        policy.deviceLeft(d, fleet: view)
    }

    /// The coordinator noticed that an attempt of task `t` stopped sending heartbeats.
    func detected(_ t: Int) {
        guard tasks.state[t] != .done && tasks.state[t] != .dropped else { return }   // already settled
        observer?(.requeued(task: TaskID(index: t), at: sim.now))
        policy.taskFailed(TaskID(index: t), on: Int(lastDevice[t]), fleet: view)
        needed[t] += 1
        enqueue(t)
    }

    /// Cancels every running attempt of `t` (a dropped straggler, or the loser of a backup
    /// race); returns the seconds they had run, counted as busy.
    @discardableResult
    func cancelAttempts(of t: Int) -> Double {
        var total = 0.0
        for d in liveDevices[t] ?? [] {
            let d = Int(d)
            if let h = phaseEvent[d] { sim.cancel(h) }
            stopFlow(d)
            let seconds = Double(sim.now.ticks - attemptStart[d]) / 1e9
            metrics.busy(seconds, on: view.deviceClass(d), tenant: Int(tasks.tenant[t]))
            total += seconds
            live[t] -= 1
            attemptsOut -= 1
            tenantRunning[Int(tasks.tenant[t])] -= 1
            observer?(.cancelled(task: TaskID(index: t), device: d, at: sim.now))
            release(d)
        }
        liveDevices[t] = nil
        return total
    }

    func removeLive(_ t: Int, _ d: Int) {
        tenantRunning[Int(tasks.tenant[t])] -= 1
        liveDevices[t]?.removeAll { $0 == Int32(d) }
        if liveDevices[t]?.isEmpty == true { liveDevices[t] = nil }
    }

    func accountIdle(_ d: Int, until now: Int64) {
        metrics.idle(Double(now - idleSince[d]) / 1e9, on: view.deviceClass(d))
    }
}
