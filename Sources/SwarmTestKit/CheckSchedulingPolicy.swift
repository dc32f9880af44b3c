import SwarmKernel
import SwarmModel

/// Runs a scheduling policy through `WorkEngine` on scripted fleets and returns what it did
/// wrong, one sentence per violation (empty when it passes) — a conformance checker in the
/// manner of swift-collections' `checkCollection`.
///
/// The scripted fleets are tiny on purpose, so every rule is exercised often: a churning mix
/// of CPU and GPU classes in three regions, one churning device with a queue of tasks, one
/// device per region with tasks pinned to each (residency islands), and a fleet that starts
/// entirely offline. Tasks mix fixed-seconds work with large GEMMs and elementwise kernels,
/// some with residency, deadlines and input data. For every scenario and seed it checks:
///
/// - no placement was refused (`metrics.refusedPlacements == 0`): the policy never assigned
///   an offline or busy device, a device outside the task's residency, or a task twice (and
///   the engine never offered a task twice in one call);
/// - every attempt starts on an online device that runs nothing else (never double-booked)
///   inside the task's residency;
/// - every task finishes exactly once within the horizon (30 simulated days).
///
/// `make` is called once per scenario and seed with a fresh `PolicyContext` seeded by the
/// seed, as a run would. Violations name the scenario and seed, at most five per kind.
public func checkSchedulingPolicy(_ make: (PolicyContext) -> any SchedulingPolicy, seeds: [UInt64]) -> [String] {
    var violations: [String] = []
    for seed in seeds {
        for scenario in ConformanceScenario.all {
            violations += scenario.check(make, seed: seed)
        }
    }
    return violations
}

/// One scripted fleet and the tasks thrown at it.
struct ConformanceScenario: Sendable {
    let name: String
    let build: @Sendable (inout Xoshiro256) -> (Fleet, TaskTable)

    static let horizon = SimTime.zero + .days(30)
    static let latency: @Sendable (Int, Int) -> Double = { a, b in a == b ? 0.005 : 0.08 }

    func check(_ make: (PolicyContext) -> any SchedulingPolicy, seed: UInt64) -> [String] {
        var g = RandomStreams(seed: seed).stream("conformance", entity: stableHash(name))
        let (fleet, tasks) = build(&g)
        let context = PolicyContext(streams: RandomStreams(seed: seed), latency: Self.latency)
        let audit = Audit()
        let engine = WorkEngine(fleet: fleet, tasks: tasks, policy: Audited(make(context), audit), seed: seed,
                                configuration: .init(heartbeatTimeout: .seconds(30), regionLatency: Self.latency))
        var found: [String: [String]] = [:]
        func report(_ kind: String, _ what: @autoclosure () -> String) {
            if found[kind, default: []].count < 5 { found[kind, default: []].append("\(name), seed \(seed): \(what())") }
        }
        var runningOn = [Int](repeating: -1, count: fleet.count)
        var doneCount = [Int](repeating: 0, count: tasks.count)
        let view = engine.view
        engine.observer = { record in
            switch record {
            case .started(let t, let d, _, let at):
                if !view.isOnline(d) { report("offline", "\(t) started on offline device \(d) at \(at)") }
                if runningOn[d] >= 0 { report("double", "\(t) started on device \(d) at \(at) while it runs task \(runningOn[d])") }
                runningOn[d] = t.index
                if !tasks.residency[t.index].contains(Int(fleet.regionOf[d])) {
                    report("residency", "\(t) started on device \(d) in \(fleet.regionNames[Int(fleet.regionOf[d])]), outside its residency")
                }
            case .lost(_, let d, _), .returned(_, let d, _), .cancelled(_, let d, _):
                runningOn[d] = -1
            case .done(let t, _, _, _):
                doneCount[t.index] += 1
            default:
                break
            }
        }
        engine.run(until: Self.horizon)
        if audit.refusedOnTheSpot > 0 {
            report("refused", "\(audit.refusedOnTheSpot) placements refused (device offline or busy, or outside the task's residency)")
        }
        for what in audit.offeredTwice { report("engine", what) }
        let byEngine = engine.metrics.refusedPlacements - audit.refusedOnTheSpot
        if byEngine > 0 {
            report("refused", "\(byEngine) placements refused by the engine (a task placed twice, or no longer queued)")
        }
        for what in audit.overPlaced { report("twice-placed", what) }
        let unfinished = doneCount.indices.filter { doneCount[$0] == 0 }
        if !unfinished.isEmpty {
            report("unfinished", "\(unfinished.count) of \(tasks.count) tasks not finished within \(Self.horizon) (first: \(unfinished.prefix(5).map { "task \($0)" }.joined(separator: ", ")))")
        }
        for (t, n) in doneCount.enumerated() where n > 1 { report("twice", "task \(t) finished \(n) times") }
        return found.keys.sorted().flatMap { found[$0]! }
    }

    // MARK: the scripted fleets

    static let flakyCPU = DeviceClass.cloudVM.named("flaky-cpu").churning(onMean: 120, offMean: 60)
    static let flakyGPU = DeviceClass.desktop.named("flaky-gpu").churning(onMean: 300, offMean: 60)
    static let vm = DeviceClass.cloudVM.named("vm").alwaysOn()
    static let gpuNode = DeviceClass.gpuServer.named("gpu-node").alwaysOn()
    static let late = DeviceClass.edgeBox.named("late").churning(onMean: 3600, offMean: 30, initialOnProbability: 0)

    /// A random task: half fixed seconds, the rest big GEMMs or elementwise kernels.
    static func addTask(to tasks: inout TaskTable, _ g: inout Xoshiro256, residency: RegionSet, arrivalWithin: Double) {
        let u = g.nextUnit()
        let work: TaskWork = u < 0.5 ? .seconds(Exponential(mean: 20).sample(using: &g))
            : u < 0.75 ? .kernel(.gemm(m: 2048, n: 2048, k: 1024 + g.nextIndex(below: 2048), dtype: .fp32))
            : .kernel(.elementwise(count: 1_000_000 * (1 + g.nextIndex(below: 10)), flopsPerElement: 4, dtype: .fp32))
        let arrival = SimTime(seconds: arrivalWithin * g.nextUnit())
        let deadline: SimTime? = g.nextUnit() < 0.4 ? arrival + .seconds(60 + 600 * g.nextUnit()) : nil
        tasks.add(work: work, inputBytes: Double(g.nextIndex(below: 2_000_000)), outputBytes: Double(g.nextIndex(below: 500_000)),
                  dataRegion: g.nextIndex(below: 3), residency: residency, arrival: arrival, deadline: deadline)
    }

    static let all: [ConformanceScenario] = [
        // Churning CPU and GPU devices in every region, an always-on VM in one.
        ConformanceScenario(name: "tiny churning fleet") { g in
            let fleet = smallFleet((flakyCPU, "eu", 1), (flakyCPU, "us", 1), (flakyCPU, "asia", 1),
                                   (flakyGPU, "eu", 1), (flakyGPU, "asia", 1), (vm, "us", 1))
            var tasks = TaskTable()
            for _ in 0..<60 {
                addTask(to: &tasks, &g, residency: g.nextUnit() < 0.3 ? RegionSet([g.nextIndex(below: 3)]) : .anywhere, arrivalWithin: 600)
            }
            return (fleet, tasks)
        },
        // One churning device and a burst: every placement but one per round must wait.
        ConformanceScenario(name: "one device, a burst of tasks") { g in
            let fleet = smallFleet((flakyCPU, "eu", 1))
            var tasks = TaskTable()
            for _ in 0..<20 { addTask(to: &tasks, &g, residency: g.nextUnit() < 0.5 ? RegionSet([0]) : .anywhere, arrivalWithin: 0) }
            return (fleet, tasks)
        },
        // One device per region, a different class in each; tasks pinned to one or two regions.
        ConformanceScenario(name: "residency islands") { g in
            let fleet = smallFleet((gpuNode, "eu", 1), (vm, "us", 1), (late, "asia", 1))
            var tasks = TaskTable()
            for i in 0..<45 {
                let residency = i % 3 == 2 ? RegionSet([1, 2]) : RegionSet([i % 3])
                addTask(to: &tasks, &g, residency: residency, arrivalWithin: 120)
            }
            return (fleet, tasks)
        },
        // Everything starts offline, GPU and CPU devices join later and churn.
        ConformanceScenario(name: "cold start") { g in
            let fleet = smallFleet((late, "eu", 2), (flakyCPU.churning(onMean: 120, offMean: 60, initialOnProbability: 0), "us", 2),
                                   (flakyGPU.churning(onMean: 300, offMean: 60, initialOnProbability: 0), "asia", 1))
            var tasks = TaskTable()
            for _ in 0..<40 {
                addTask(to: &tasks, &g, residency: g.nextUnit() < 0.3 ? RegionSet([g.nextIndex(below: 3)]) : .anywhere, arrivalWithin: 60)
            }
            return (fleet, tasks)
        },
    ]
}

/// What the checker learns by watching each `place` call.
final class Audit {
    /// Assignments `Placements.assign` refused (device not idle, or outside residency).
    var refusedOnTheSpot = 0
    /// Tasks the engine offered more than once in one call (an engine bug if ever seen).
    var offeredTwice: [String] = []
    /// Tasks assigned more often in one call than they were offered.
    var overPlaced: [String] = []
}

/// The policy under test, unchanged, with every `place` call audited.
struct Audited: SchedulingPolicy {
    static let name = "audited"
    static let summary = "The policy under test, watched by checkSchedulingPolicy."
    var inner: any SchedulingPolicy
    let audit: Audit
    var offered: [TaskID: Int] = [:]
    var placed: [TaskID: Int] = [:]

    init(_ inner: any SchedulingPolicy, _ audit: Audit) { self.inner = inner; self.audit = audit }
    init(parameters: NoParameters, context: PolicyContext) { preconditionFailure("Audited wraps a policy: use init(_:_:)") }

    mutating func place(_ ready: ReadyTasks, on fleet: FleetView, into placements: inout Placements) {
        offered.removeAll(keepingCapacity: true)
        placed.removeAll(keepingCapacity: true)
        for task in ready { offered[task.id, default: 0] += 1 }
        for (t, k) in offered where k > 1 { audit.offeredTwice.append("\(t) offered \(k) times in one call at \(fleet.now)") }
        let before = placements.assignments.count, refusedBefore = placements.refused
        inner.place(ready, on: fleet, into: &placements)
        audit.refusedOnTheSpot += placements.refused - refusedBefore
        for a in placements.assignments[before...] { placed[a.task, default: 0] += 1 }
        for (t, n) in placed {
            let k = offered[t] ?? 0
            if n > k {
                audit.overPlaced.append(k == 0 ? "\(t) placed at \(fleet.now) although it was not offered"
                                               : "\(t) placed \(n) times at \(fleet.now), offered \(k)")
            }
        }
    }

    mutating func taskFinished(_ task: TaskID, on device: Int, fleet: FleetView) { inner.taskFinished(task, on: device, fleet: fleet) }
    mutating func taskFailed(_ task: TaskID, on device: Int, fleet: FleetView) { inner.taskFailed(task, on: device, fleet: fleet) }
    mutating func deviceJoined(_ device: Int, fleet: FleetView) { inner.deviceJoined(device, fleet: fleet) }
    mutating func deviceLeft(_ device: Int, fleet: FleetView) { inner.deviceLeft(device, fleet: fleet) }
}
