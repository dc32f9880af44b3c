import SwarmKernel

/// What happened to tasks and devices, for observers (the HDF5 recorder is one; tests and
/// `validate` are others). The same records come from the simulator and the runtime.
public enum LifecycleRecord: Sendable, Equatable {
    case started(task: TaskID, device: Int, attempt: Int, at: SimTime)
    case lost(task: TaskID, device: Int, at: SimTime)
    case requeued(task: TaskID, at: SimTime)
    /// An attempt finished and returned its result.
    case returned(task: TaskID, device: Int, at: SimTime)
    /// The task was accepted (`correct`: its accepted result is the right one).
    case done(task: TaskID, device: Int, at: SimTime, correct: Bool)
    case blacklisted(device: Int, at: SimTime)
    /// An attempt cancelled because its task was dropped, or won by another attempt.
    case cancelled(task: TaskID, device: Int, at: SimTime)
    /// A straggler dropped by its barrier, or a task no device can hold.
    case dropped(task: TaskID, at: SimTime)
    /// The task is (again) waiting for attempts to be placed.
    case queued(task: TaskID, at: SimTime)
    /// The task has all the attempts it needs running (it leaves the queue).
    case running(task: TaskID, at: SimTime)
    /// The attempt of `task` on `device` entered `phase` (input transfer done → `.computing`;
    /// compute done → `.transferOut`). The task tells apart the pods of a Kubernetes node.
    case phase(task: TaskID, device: Int, phase: AttemptPhase, at: SimTime)
    /// A device came online / went offline (after `.lost` if it was running an attempt).
    case online(device: Int, at: SimTime)
    case offline(device: Int, at: SimTime)
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

/// The rules of a run's task lifecycle that are not the fleet's or the policy's.
public struct LifecycleConfiguration: Sendable {
    public var trust: TrustModel
    /// Who submits the tasks (a task's `tenant` indexes this list).
    public var tenants: [Tenant]
    /// Backup attempts for stragglers; nil = none.
    public var speculation: Speculation?
    /// Who owns which devices and to whom they are lent: a task runs only on devices its
    /// tenant may use (`DeviceOwnership.mayRun`).
    public var ownership: DeviceOwnership
    /// Per job: what its tasks request as pods on Kubernetes nodes (`PodSpec`); a job beyond
    /// the list asks `PodSpec.standard`.
    public var pods: [PodSpec]
    public init(trust: TrustModel = .honest, tenants: [Tenant] = Tenant.everyone, speculation: Speculation? = nil,
                ownership: DeviceOwnership = .none, pods: [PodSpec] = []) {
        precondition(!tenants.isEmpty, "a run needs at least one tenant")
        self.trust = trust; self.tenants = tenants; self.speculation = speculation; self.ownership = ownership
        self.pods = pods
    }
}

/// The clock and the hands of a `TaskLifecycle`: the simulator (`WorkEngine`, virtual time)
/// and the reference runtime's coordinator (wall time) are the two drivers. The lifecycle
/// decides — which attempt starts where, what a result means, what is cancelled — and the
/// driver carries it out and tells the lifecycle what happened.
public protocol LifecycleDriver: AnyObject {
    /// The time now, on the driver's clock, as simulated time.
    var now: SimTime { get }
    /// Start running attempt of `task` on `device` (assignment, input, compute, result).
    func beginAttempt(task: Int, device: Int)
    /// Stop the attempt of `task` running on `device` (already accounted as cancelled).
    func cancelAttempt(task: Int, device: Int)
    /// Call `TaskLifecycle.barrierDeadline(_:)` for `task` after `delay`.
    func wakeBarrier(_ task: Int, after delay: SimDuration)
    /// Call `TaskLifecycle.dispatch()` at `time`, or as soon as possible at this instant (nil).
    func requestDispatch(at time: SimTime?)
    /// Something happened (observers).
    func record(_ r: LifecycleRecord)
    /// Every task is settled and no attempt is out.
    func lifecycleFinished()
    /// Whether `result` is the right result of `task` (for the accepted-errors count).
    func isCorrect(task: Int, result: UInt64) -> Bool
    /// `beginAttempt` / `cancelAttempt` with the attempt's slot: a device's own id, or one of
    /// a Kubernetes node's further pod slots. Default: the device-only forms (a driver whose
    /// devices run one attempt at a time — the runtime's — needs nothing else).
    func beginAttempt(task: Int, device: Int, slot: Int)
    func cancelAttempt(task: Int, device: Int, slot: Int)
    /// A hint: an attempt will soon start on `device` (a dispatch round starts its
    /// placements in order), so the driver may fetch the device's state into the cache.
    /// Default: nothing.
    func willStart(device: Int)
}

extension LifecycleDriver {
    public func beginAttempt(task: Int, device: Int, slot: Int) {
        precondition(slot == device, "this driver runs one attempt per device; a Kubernetes node's pods (maxPods > 1) need a driver that knows slots (WorkEngine)")
        beginAttempt(task: task, device: device)
    }
    public func cancelAttempt(task: Int, device: Int, slot: Int) { cancelAttempt(task: task, device: device) }
    public func isCorrect(task: Int, result: UInt64) -> Bool { result == TrustModel.correctResult(task) }
    public func willStart(device: Int) {}
}
