import SwarmKernel

/// A task's index in its run's `TaskTable`.
public struct TaskID: Hashable, Sendable, Comparable, CustomStringConvertible {
    public var rawValue: UInt32
    public init(_ rawValue: UInt32) { self.rawValue = rawValue }
    public init(index: Int) { rawValue = UInt32(index) }
    public var index: Int { Int(rawValue) }
    public static func < (a: TaskID, b: TaskID) -> Bool { a.rawValue < b.rawValue }
    public var description: String { "task \(rawValue)" }
}

/// What a task computes: a tensor kernel (costed per device by the cost model) or a fixed
/// number of seconds on any device (synthetic work, for analytic checks and peer models).
public enum TaskWork: Hashable, Sendable {
    case kernel(TensorKernel)
    case seconds(Double)
}

/// Regions a task's data may be processed in (data residency); `.anywhere` by default.
/// A bit set over region ids 0..<64.
public struct RegionSet: Hashable, Sendable {
    public var bits: UInt64
    public static let anywhere = RegionSet(bits: .max)
    public init(bits: UInt64) { self.bits = bits }
    public init(_ regions: [Int]) {
        bits = 0
        for r in regions { precondition(r >= 0 && r < 64, "residency sets cover regions 0..<64"); bits |= 1 << UInt64(r) }
    }
    public func contains(_ region: Int) -> Bool { region < 64 && bits >> UInt64(region) & 1 == 1 }
    public var isAnywhere: Bool { bits == .max }
}

/// Where a task stands. Each attempt (replica) of a running task goes through its own
/// phases on its device — input transfer → compute → output transfer (`AttemptPhase`) — the
/// same in simulator and runtime.
public enum TaskState: UInt8, Sendable {
    /// Not arrived yet, waiting for its parents, or lost and not yet noticed.
    case waiting
    /// Needs more attempts placed.
    case queued
    /// Has all the attempts it needs running (or validating).
    case running
    case done
    /// A straggler whose barrier went ahead without it (`parentQuorum`): never finished.
    case dropped
}

/// The phase of one attempt on its device.
public enum AttemptPhase: UInt8, Sendable {
    case idle, transferIn, computing, transferOut
}

/// Every task of a run, as struct-of-arrays indexed by `TaskID`.
public struct TaskTable: Sendable {
    public private(set) var work: [TaskWork] = []
    public private(set) var inputBytes: [Double] = []
    public private(set) var outputBytes: [Double] = []
    /// Where the task's input lives; a child's becomes its last parent's region.
    public internal(set) var dataRegion: [UInt16] = []
    public private(set) var residency: [RegionSet] = []
    public private(set) var job: [UInt32] = []
    public private(set) var tenant: [UInt16] = []
    /// Arrival time, and the deadline (ticks; `.max` when none).
    public private(set) var arrival: [Int64] = []
    public private(set) var deadline: [Int64] = []
    /// Attempts run at once (replication) and matching results needed to accept (quorum).
    public private(set) var replication: [UInt8] = []
    public private(set) var quorum: [UInt8] = []
    /// Parents (DAG edges): `parents[parentOffsets[t]..<parentOffsets[t+1]]`.
    public private(set) var parentOffsets: [Int] = [0]
    public private(set) var parents: [UInt32] = []
    /// Parents that must finish before the task is ready (0: all). A barrier that waits for
    /// only the first q of its parents — stragglers dropped — as synchronous training with
    /// backup workers (Chen et al., "Revisiting distributed synchronous SGD", 2016) and
    /// federated rounds with a minimum reporting fraction (Bonawitz et al., MLSys 2019) do.
    public private(set) var parentQuorum: [UInt16] = []
    /// With a quorum barrier: how long after its first parent became ready the barrier waits
    /// for all parents before settling for the quorum (ticks; 0 = settle as soon as the quorum
    /// is reached). A federated round's reporting deadline.
    public private(set) var barrierTimeout: [Int64] = []
    /// The task's data never leaves its tenant's own devices (`DeviceOwnership.owner`): it
    /// runs only on a device its tenant owns.
    public private(set) var privateData: [Bool] = []
    public internal(set) var state: [TaskState] = []
    public internal(set) var attempts: [UInt16] = []
    /// When the task finished (ticks; −1 until done).
    public internal(set) var finished: [Int64] = []

    public init() {}

    public var count: Int { work.count }

    /// The parents of task `t`.
    public func parents(of t: TaskID) -> ArraySlice<UInt32> { parents[parentOffsets[t.index]..<parentOffsets[t.index + 1]] }

    /// Adds a task arriving at `arrival`.
    @discardableResult
    public mutating func add(work: TaskWork, inputBytes: Double = 0, outputBytes: Double = 0, dataRegion: Int = 0,
                             residency: RegionSet = .anywhere, job: Int = 0, tenant: Int = 0,
                             arrival: SimTime = .zero, deadline: SimTime? = nil,
                             replication: Int = 1, quorum: Int = 1, parents: [TaskID] = [],
                             parentQuorum: Int? = nil, barrierTimeout: SimDuration? = nil, privateData: Bool = false) -> TaskID {
        precondition(inputBytes >= 0 && outputBytes >= 0, "task bytes must be ≥ 0")
        precondition(replication >= 1 && replication <= 16 && quorum >= 1 && quorum <= replication,
                     "need 1 ≤ quorum ≤ replication ≤ 16")
        precondition(parents.allSatisfy { $0.index < count }, "a task's parents must be added before it")
        precondition(parentQuorum.map { $0 >= 1 && $0 <= parents.count } ?? true, "need 1 ≤ parentQuorum ≤ parents")
        precondition(barrierTimeout == nil || (parentQuorum != nil && barrierTimeout!.ticks > 0),
                     "a barrier timeout needs a parent quorum and a positive duration")
        if case .seconds(let s) = work { precondition(s >= 0 && s.isFinite, "task seconds must be finite and ≥ 0") }
        self.work.append(work); self.inputBytes.append(inputBytes); self.outputBytes.append(outputBytes)
        self.dataRegion.append(UInt16(dataRegion)); self.residency.append(residency)
        self.job.append(UInt32(job)); self.tenant.append(UInt16(tenant))
        self.arrival.append(arrival.ticks); self.deadline.append(deadline?.ticks ?? .max)
        self.replication.append(UInt8(replication)); self.quorum.append(UInt8(quorum))
        self.parents.append(contentsOf: parents.map(\.rawValue)); parentOffsets.append(self.parents.count)
        self.parentQuorum.append(UInt16(parentQuorum ?? 0))
        self.barrierTimeout.append(barrierTimeout?.ticks ?? 0)
        self.privateData.append(privateData)
        state.append(.waiting); attempts.append(0); finished.append(-1)
        return TaskID(index: count - 1)
    }
}
