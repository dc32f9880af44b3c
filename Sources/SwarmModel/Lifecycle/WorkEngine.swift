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
/// The rules of the lifecycle — readiness, dispatch, attempts, validation — live in
/// `TaskLifecycle`, shared with the reference runtime; this engine is its virtual-time
/// driver: events, availability, transfers and compute.
///
/// Every message pays latency, whatever its payload: the assignment (with the input) and the
/// result (with the output) each take RTT/2 between the data's region and the device's plus
/// the device's access latency, plus their bytes over the device's access link — or, with
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
        /// Device owners and lending (contributors' devices run only the tenants they allow).
        public var ownership: DeviceOwnership = .none
        /// Per job: its tasks' pod requests and limits on Kubernetes nodes (`PodSpec`).
        public var pods: [PodSpec] = []
        /// Elastic pools (`ElasticPool`), their slots the fleet's last devices; empty: none.
        public var pools: [ElasticPool] = []
        /// Relative standard deviation of a kernel attempt's compute time (a log-normal factor
        /// of mean 1, drawn per task and attempt from the run's seed); 0: every attempt of a
        /// kernel on a class takes the same time. Real machines vary by a percent or so from
        /// call to call, so identical devices do not finish at one instant; with 0 they do,
        /// and whatever breaks their ties (event order) decides races a real fleet decides by
        /// chance. `validate` sets it from the spread it measures.
        public var computeSpread: Double = 0
        /// Per kernel (its FP32 form), the spread to draw with instead of `computeSpread`:
        /// kernels vary by different amounts (a 60 ms GEMM by 1.4% from call to call, a
        /// 0.4 ms reduction by 12%), and one figure for all drew the large kernel's attempts
        /// with the small one's spread. `validate` sets it from the spreads it measures.
        public var kernelSpreads: [TensorKernel: Double] = [:]
        public init(heartbeatTimeout: SimDuration = .seconds(60), costModel: any CostModel = RooflineCostModel(),
                    regionLatency: @escaping @Sendable (Int, Int) -> Double = { _, _ in 0 },
                    trust: TrustModel = .honest, tenants: [Tenant] = Tenant.everyone, speculation: Speculation? = nil,
                    network: Topology? = nil) {
            precondition(!tenants.isEmpty, "a run needs at least one tenant")
            self.heartbeatTimeout = heartbeatTimeout; self.costModel = costModel
            self.regionLatency = regionLatency; self.trust = trust; self.tenants = tenants
            self.speculation = speculation; self.network = network
        }

        /// The part of the configuration the shared task lifecycle reads.
        public var lifecycle: LifecycleConfiguration {
            LifecycleConfiguration(trust: trust, tenants: tenants, speculation: speculation, ownership: ownership, pods: pods)
        }
    }

    public typealias Speculation = SwarmModel.Speculation
    public typealias Record = LifecycleRecord

    public let sim: Simulation
    /// The task lifecycle this engine drives in simulated time (shared with the runtime).
    public let lifecycle: TaskLifecycle
    public var tasks: TaskTable { lifecycle.tasks }
    public var view: FleetView { lifecycle.view }
    /// The lifecycle's view, held here too: a `let` of the engine is read in place, where
    /// `lifecycle.view` into a local, or an `unowned(unsafe)` reference, is retained and
    /// released at every use (perf: 3% of a replicated run in `beginTransfer`).
    let fleetView: FleetView
    public var metrics: RunMetrics { lifecycle.metrics }
    @exclusivity(unchecked) public var observer: ((Record) -> Void)?
    /// Where a task's input comes from when not from its data region: given (task, device),
    /// the seconds until the input is on the device — a fetch from the holders of a stored
    /// object (`StorageEngine.fetch`) — or nil for the usual transfer. nil: always the usual.
    @exclusivity(unchecked) public var inputSource: ((_ task: Int, _ device: Int) -> Double?)?
    /// Stored objects tasks read (`readInputs(from:objectKinds:)`): fetched from their
    /// holders, as flows when the network is shared (`WorkEngine+Fetch.swift`).
    @exclusivity(unchecked) var storedInputs: (storage: StorageEngine, locality: StorageLocality)?
    let configuration: Configuration
    @exclusivity(unchecked) var availability: FleetAvailability
    // Per device: whether it lies. Per slot (`TaskLifecycle.slots(of:)`: a device's own, or a
    // Kubernetes node's pod slot): its attempt's phase and pending event.
    @exclusivity(unchecked) var adversarial: [Bool]
    /// Where attempts' compute-time factors are drawn (`Configuration.computeSpread`).
    let spreadStreams: RandomStreams
    @exclusivity(unchecked) var phase: [AttemptPhase]
    @exclusivity(unchecked) var phaseEvent: [EventHandle?]
    /// Per class: the last kernel costed on it and its seconds (`computeTime`).
    @exclusivity(unchecked) var bestSeconds: [(kernel: TensorKernel, seconds: Double)?]
    /// Pods computing on shared nodes (nil when no device runs pods): `WorkEngine+Pods.swift`.
    @exclusivity(unchecked) var podCompute: PodCompute?
    /// The shared network, when transfers are flows (`Configuration.network`).
    @exclusivity(unchecked) var net: SharedTransfers?
    /// The elastic pools' state (nil: none), their event kinds, and whether the work is
    /// over while a pool still scales down (`WorkEngine+Elasticity.swift`).
    @exclusivity(unchecked) var elastic: ElasticPools?
    @exclusivity(unchecked) var poolKinds = (evaluate: EventKind(rawValue: 0), ready: EventKind(rawValue: 0))
    @exclusivity(unchecked) var workOver = false
    @exclusivity(unchecked) var kinds: (arrive: EventKind, change: EventKind, phase: EventKind, detect: EventKind, dispatch: EventKind, barrier: EventKind, flow: EventKind)
        = (EventKind(rawValue: 0), EventKind(rawValue: 0), EventKind(rawValue: 0), EventKind(rawValue: 0), EventKind(rawValue: 0), EventKind(rawValue: 0), EventKind(rawValue: 0))

    public init(fleet: Fleet, tasks: TaskTable, policy: any SchedulingPolicy, seed: UInt64,
                configuration: Configuration = Configuration(), sim: Simulation = Simulation()) {
        self.sim = sim
        self.configuration = configuration
        self.availability = FleetAvailability(fleet: fleet, seed: seed)
        let n = fleet.count
        let streams = RandomStreams(seed: seed)
        spreadStreams = streams
        let fraction = configuration.trust.adversaryFraction
        adversarial = (0..<n).map { d in
            guard fraction > 0 else { return false }
            var g = streams.counterStream("adversary", entity: UInt64(d))
            return g.nextUnit() < fraction
        }
        lifecycle = TaskLifecycle(tasks: tasks, view: FleetView(fleet: fleet), policy: policy,
                                  validator: configuration.trust.makeValidator(devices: n, streams: streams),
                                  configuration: configuration.lifecycle)
        fleetView = lifecycle.view
        let slots = lifecycle.slotCount
        phase = [AttemptPhase](repeating: .idle, count: slots)
        phaseEvent = [EventHandle?](repeating: nil, count: slots)
        bestSeconds = Array(repeating: nil, count: fleet.classes.count)
        if lifecycle.view.hasPods { podCompute = PodCompute(slots: slots) }
        if let topology = configuration.network {
            precondition(topology.regions.count == fleet.regionNames.count, "the network's regions must be the fleet's")
            net = SharedTransfers(topology: topology, fleet: fleet, slots: slots, start: sim.now)
        }
        // Handlers reach the engine unretained: an `unowned` capture is retained and released
        // around every call (perf: swift_unownedRetainStrong + release per event). The engine
        // owns `sim` and runs it, so it outlives every event it handles.
        let me = Unmanaged.passUnretained(self)
        kinds.arrive = sim.register("task-arrive") { _ in me._withUnsafeGuaranteedRef { $0.arrive() } }
        kinds.change = sim.register("device-change") { e in me._withUnsafeGuaranteedRef { $0.changed(Int(e.target)) } }
        kinds.phase = sim.register("task-phase") { e in me._withUnsafeGuaranteedRef { $0.phaseDone(Int(e.target)) } }
        kinds.detect = sim.register("task-lost-detected") { e in me._withUnsafeGuaranteedRef { $0.lifecycle.lossDetected(task: Int(e.target)) } }
        kinds.dispatch = sim.register("dispatch") { _ in me._withUnsafeGuaranteedRef { $0.lifecycle.dispatch() } }
        kinds.barrier = sim.register("barrier-deadline") { e in me._withUnsafeGuaranteedRef { $0.lifecycle.barrierDeadline(Int(e.target)) } }
        kinds.flow = sim.register("flow-done") { _ in me._withUnsafeGuaranteedRef { $0.flowsDone() } }
        // A device change first reads the device's availability cursor: fetch it ahead.
        let cursors = availability.prefetchAddress
        sim.setPrefetch(kinds.change, base: cursors.base, stride: cursors.stride)
        prefetchSlotState()
        if !configuration.pools.isEmpty { startPools(configuration.pools, taskCount: tasks.count) }
        let first = lifecycle.attach(self)
        for d in 0..<n {
            let s = availability.state(of: d, at: sim.now)
            if s.available && elastic?.isUp(d) ?? true { lifecycle.deviceCameOnline(d) }
            if s.until != .distantFuture { sim.schedule(kinds.change, target: UInt32(d), at: s.until) }
        }
        if let first { sim.schedule(kinds.arrive, at: max(sim.now, first)) }
    }

    /// Cache hints for an attempt's phase events (target: its slot): the per-slot and
    /// per-device entries its handlers read, and starting an attempt reads (`willStart`). A
    /// 10⁶-device fleet misses the cache on each of them (perf: `current[s]` was 84% of `phaseDone`, `phase[s]` half of `advancePhase`,
    /// `attemptStart[s]` half of `attemptReturned`); fetched while earlier events run, they
    /// cost no wait. A slot below the device count is its device; a pod slot beyond it
    /// fetches a useless line. Addresses only: results never depend on them.
    func prefetchSlotState() {
        func hint<T>(_ array: [T]) {
            array.withUnsafeBufferPointer { b in
                guard let base = b.baseAddress else { return }
                let added = sim.addPrefetch(kinds.phase, base: UnsafeRawPointer(base), stride: MemoryLayout<T>.stride)
                assert(added, "more phase hints than EventQueue.hintsPerKind")
            }
        }
        hint(lifecycle.current)
        hint(phase)
        hint(phaseEvent)
        hint(lifecycle.attemptStart)
        hint(lifecycle.nextLive)
        hint(lifecycle.deviceBytes)
        hint(lifecycle.idleSince)
        hint(fleetView.fleet.regionOf)
        hint(fleetView.fleet.classOf)
        hint(fleetView.completed)
        hint(fleetView.running)
        hint(fleetView.position)
        hint(fleetView.onlineSince)
        hint(lifecycle.occupied)
        hint(lifecycle.blacklisted)
        hint(adversarial)
    }

    /// Adds `observer` after the one already set (several observers — the results recorder,
    /// the usage meter — watch one run).
    public func addObserver(_ observer: @escaping (Record) -> Void) {
        let previous = self.observer
        self.observer = { record in
            previous?(record)
            observer(record)
        }
    }

    /// Whether device `d` returns wrong results.
    public func isAdversarial(_ d: Int) -> Bool { adversarial[d] }

    /// Runs until every task is done (and every elastic pool is back at its minimum) or
    /// `until`; returns whether all tasks finished.
    @discardableResult
    public func run(until: SimTime = .distantFuture) -> Bool {
        if lifecycle.settled && elastic?.quiescent ?? true { return true }
        sim.run(until: until)
        lifecycle.closeIdle()
        return lifecycle.settled
    }

    func arrive() {
        if let next = lifecycle.arrive() { sim.schedule(kinds.arrive, at: next) }
    }

    // MARK: the life of an attempt

    /// Starts a transfer phase — the assignment with its input, or the result with its
    /// output: latency always (a message without data still crosses the network), then the
    /// bytes; with the shared network the bytes are a flow started once the latency is over.
    func beginTransfer(_ t: Int, _ s: Int, input: Bool) {
        let d = lifecycle.device(ofSlot: s)
        // The task table is read in place (a copy of it would retain every column).
        let bytes = input ? lifecycle.tasks.inputBytes[t] : lifecycle.tasks.outputBytes[t]
        let c = fleetView.rates(d)
        if input, beginFetch(t, s, d) { return }
        if input, let seconds = inputSource?(t, d) {
            phaseEvent[s] = sim.schedule(kinds.phase, target: UInt32(s), after: SimDuration(seconds: seconds))
            return
        }
        let latency = configuration.regionLatency(Int(lifecycle.tasks.dataRegion[t]), fleetView.region(d)) + c.accessLatency
        if net != nil && bytes > 0 {
            net!.awaiting[s] = true
            phaseEvent[s] = sim.schedule(kinds.phase, target: UInt32(s), after: SimDuration(seconds: latency))
        } else {
            let seconds = latency + bytes / (input ? c.downlink : c.uplink)
            phaseEvent[s] = sim.schedule(kinds.phase, target: UInt32(s), after: SimDuration(seconds: seconds))
        }
    }

    func computeTime(_ t: Int, _ d: Int) -> SimDuration {
        switch lifecycle.tasks.work[t] {
        case .seconds(let s): return SimDuration(seconds: s)
        case .kernel(let k):
            // The cost model is a function of (kernel, class): asked once per class and kernel
            // in a row (a `DeviceClass` copy and the roofline per attempt cost a tenth of a run).
            let c = fleetView.classID(d)
            let seconds: Double
            if let cached = bestSeconds[c], cached.kernel == k {
                seconds = cached.seconds
            } else {
                seconds = configuration.costModel.best(for: k, on: fleetView.deviceClass(d)).seconds
                bestSeconds[c] = (k, seconds)
            }
            let cv = configuration.kernelSpreads.isEmpty ? configuration.computeSpread
                : configuration.kernelSpreads[k.asFP32] ?? configuration.computeSpread
            guard cv > 0 else { return SimDuration(seconds: seconds) }
            return SimDuration(seconds: seconds * ComputeSpread.factor(relativeDeviation: cv,
                                                                       streams: spreadStreams, task: t, device: d,
                                                                       attempts: Int(lifecycle.tasks.attempts[t])))
        }
    }

    func phaseDone(_ s: Int) {
        let t = Int(lifecycle.current[s])
        if net?.awaiting[s] == true {
            // Latency has passed: the bytes now flow, sharing links with other transfers.
            net!.awaiting[s] = false
            phaseEvent[s] = nil
            startFlow(t, s, input: phase[s] == .transferIn)
            return
        }
        advancePhase(s)
    }

    /// Moves slot `s`'s attempt to its next phase.
    func advancePhase(_ s: Int) {
        let t = Int(lifecycle.current[s]), d = lifecycle.device(ofSlot: s)
        switch phase[s] {
        case .transferIn:
            lifecycle.moved(task: t, device: d, bytes: lifecycle.tasks.inputBytes[t])
            phase[s] = .computing
            observer?(.phase(task: TaskID(index: t), device: d, phase: .computing, at: sim.now))
            if podCompute != nil && fleetView.runsPods(d) {
                podCompute!.enter(s, at: sim.now.ticks)
                sharePods(on: d)
            } else {
                phaseEvent[s] = sim.schedule(kinds.phase, target: UInt32(s), after: computeTime(t, d))
            }
        case .computing:
            phase[s] = .transferOut
            phaseEvent[s] = nil
            if podCompute != nil && fleetView.runsPods(d) { podCompute!.leave(s); sharePods(on: d) }
            observer?(.phase(task: TaskID(index: t), device: d, phase: .transferOut, at: sim.now))
            beginTransfer(t, s, input: false)
        case .transferOut:
            lifecycle.moved(task: t, device: d, bytes: lifecycle.tasks.outputBytes[t])
            phase[s] = .idle
            phaseEvent[s] = nil
            lifecycle.attemptReturned(slot: s, result: configuration.trust.result(task: t, device: d, adversarial: adversarial[d]))
        case .idle:
            preconditionFailure("phase event on idle slot \(s) of device \(d)")
        }
    }

    // MARK: churn

    func changed(_ d: Int) {
        let s = availability.state(of: d, at: sim.now)
        if s.available && elastic?.isUp(d) ?? true { cameOnline(d) } else { wentOffline(d) }
        if s.until != .distantFuture { sim.schedule(kinds.change, target: UInt32(d), at: s.until) }
    }

    func cameOnline(_ d: Int) { lifecycle.deviceCameOnline(d) }

    /// Device `d` went offline: every attempt on it is lost (a Kubernetes node's every pod).
    func wentOffline(_ d: Int) {
        for s in lifecycle.slots(of: d) where lifecycle.current[s] >= 0 {
            stopAttempt(s)
            if let t = lifecycle.attemptLost(slot: s) {
                sim.schedule(kinds.detect, target: UInt32(t), after: configuration.heartbeatTimeout)
            }
        }
        lifecycle.deviceWentOffline(d)
    }

    /// Stops slot `s`'s attempt: its pending phase event and flow (and its share of a node).
    func stopAttempt(_ s: Int) {
        if let h = phaseEvent[s] { sim.cancel(h) }
        stopFlow(s)
        let wasComputing = phase[s] == .computing
        phase[s] = .idle
        phaseEvent[s] = nil
        if wasComputing, podCompute != nil {
            let d = lifecycle.device(ofSlot: s)
            if view.runsPods(d) { podCompute!.leave(s); sharePods(on: d) }
        }
    }
}

extension WorkEngine: LifecycleDriver {
    public var now: SimTime { sim.now }

    public func beginAttempt(task t: Int, device d: Int) { beginAttempt(task: t, device: d, slot: d) }

    public func beginAttempt(task t: Int, device d: Int, slot s: Int) {
        phase[s] = .transferIn
        beginTransfer(t, s, input: true)
    }

    public func cancelAttempt(task t: Int, device d: Int) { stopAttempt(d) }

    public func cancelAttempt(task t: Int, device d: Int, slot s: Int) { stopAttempt(s) }

    /// The device's state, as its attempt's phase events name it (`prefetchSlotState`).
    public func willStart(device d: Int) { sim.prefetch(kinds.phase, target: UInt32(d)) }

    public func wakeBarrier(_ task: Int, after delay: SimDuration) {
        sim.schedule(kinds.barrier, target: UInt32(task), after: delay)
    }

    public func requestDispatch(at time: SimTime?) {
        if let time { sim.schedule(kinds.dispatch, at: time) } else { sim.schedule(kinds.dispatch, after: .zero) }
    }

    public func record(_ r: LifecycleRecord) {
        if elastic != nil { elastic!.observe(r) }
        observer?(r)
    }

    public func lifecycleFinished() {
        // Pools still above their minimum scale down first (`WorkEngine+Elasticity.swift`).
        if let e = elastic, !e.quiescent { workOver = true } else { sim.stop() }
    }
}
