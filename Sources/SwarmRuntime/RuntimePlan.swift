import SwarmModel

/// One device as the reference runtime emulates it with a worker process.
public struct EmulatedDevice: Sendable {
    /// Speed relative to this machine, 0 < speed ≤ 1, by duty-cycling.
    public var speed: Double
    /// One-way network latency, scenario seconds.
    public var latency: Double
    /// Access-link bandwidth to the device (its assignments' inputs), bytes per scenario second.
    public var bandwidth: Double
    /// Access-link bandwidth from the device (its results), bytes per scenario second.
    public var uplink: Double
    /// Scenario-second intervals during which the worker is stopped (SIGSTOP … SIGCONT).
    public var pauses: [(start: Double, end: Double)]
    /// Scenario second at which the worker is killed (SIGKILL); it is restarted at the end
    /// of its next pause starting at or after then, or never.
    public var killAt: Double?
    /// Returns corrupted checksums.
    public var adversarial: Bool

    /// `uplink` defaults to `bandwidth` (a symmetric link).
    public init(speed: Double = 1, latency: Double = 0, bandwidth: Double = .infinity, uplink: Double? = nil,
                pauses: [(start: Double, end: Double)] = [], killAt: Double? = nil, adversarial: Bool = false) {
        self.speed = speed; self.latency = latency; self.bandwidth = bandwidth; self.uplink = uplink ?? bandwidth
        self.pauses = pauses; self.killAt = killAt; self.adversarial = adversarial
    }
}

/// What the reference runtime runs: devices, the fleet the policy sees (class and region
/// per device, same order), the tasks, the policy, failure detection and the time scale.
public struct RuntimePlan {
    public var devices: [EmulatedDevice]
    public var fleet: Fleet
    public var tasks: TaskTable
    public var policy: any SchedulingPolicy
    /// Scenario seconds without a heartbeat after which a device's attempt is lost.
    public var heartbeatTimeout: Double
    /// Wall seconds per scenario second (0.1: ten times faster than the scenario).
    public var timeScale: Double
    /// The lifecycle's rules (trust and validation, tenants, speculation) — the scenario's,
    /// as the simulator gets them — and the seed of its random streams (spot checks).
    public var lifecycle: LifecycleConfiguration
    public var seed: UInt64

    public init(devices: [EmulatedDevice], fleet: Fleet, tasks: TaskTable, policy: any SchedulingPolicy,
                heartbeatTimeout: Double = 60, timeScale: Double = 1,
                lifecycle: LifecycleConfiguration = LifecycleConfiguration(), seed: UInt64 = 0) {
        self.devices = devices; self.fleet = fleet; self.tasks = tasks; self.policy = policy
        self.heartbeatTimeout = heartbeatTimeout; self.timeScale = timeScale
        self.lifecycle = lifecycle; self.seed = seed
    }

    /// Checks the plan; the first problem names the device or field and what was expected.
    public func validate() throws(RuntimeError) {
        guard devices.count == fleet.count else {
            throw .badPlan("devices: \(devices.count) emulated devices but the fleet has \(fleet.count); expected one per fleet device")
        }
        guard !devices.isEmpty else { throw .badPlan("devices: expected at least one") }
        guard timeScale > 0 && timeScale.isFinite else { throw .badPlan("timeScale: expected > 0 wall seconds per scenario second, got \(timeScale)") }
        guard heartbeatTimeout > 0 && heartbeatTimeout.isFinite else { throw .badPlan("heartbeatTimeout: expected > 0 seconds, got \(heartbeatTimeout)") }
        for (d, e) in devices.enumerated() {
            guard e.speed > 0 && e.speed <= 1 else { throw .badPlan("devices[\(d)].speed: expected 0 < speed ≤ 1, got \(e.speed)") }
            guard e.latency >= 0 && e.latency.isFinite else { throw .badPlan("devices[\(d)].latency: expected finite seconds ≥ 0, got \(e.latency)") }
            guard e.bandwidth > 0 else { throw .badPlan("devices[\(d)].bandwidth: expected > 0 bytes/s, got \(e.bandwidth)") }
            guard e.uplink > 0 else { throw .badPlan("devices[\(d)].uplink: expected > 0 bytes/s, got \(e.uplink)") }
            for (i, p) in e.pauses.enumerated() where !(p.start >= 0 && p.end > p.start) {
                throw .badPlan("devices[\(d)].pauses[\(i)]: expected 0 ≤ start < end, got \(p.start)..\(p.end)")
            }
            if let k = e.killAt, !(k >= 0) { throw .badPlan("devices[\(d)].killAt: expected seconds ≥ 0, got \(k)") }
        }
        for t in 0..<tasks.count where !(0..<fleet.count).contains(where: { tasks.residency[t].contains(Int(fleet.regionOf[$0])) }) {
            throw .badPlan("tasks[\(t)].residency: no device of the fleet lies in a region it allows")
        }
    }
}

/// One attempt of a task on a device, as the coordinator saw it (scenario seconds since the
/// run's start; NaN for what never happened).
public struct AttemptRecord: Sendable, Equatable {
    public enum Outcome: String, Sendable {
        /// Its result came back to the coordinator in time.
        case returned
        /// Its device was stopped by the plan while holding it (lost then, as in the simulator,
        /// and noticed a heartbeat timeout later), or fell silent for longer than the timeout.
        case lost
        /// Cancelled by the lifecycle (its task was dropped by a barrier, or a backup attempt
        /// won), or still out when the run finished (a replica beyond what its task needed).
        case cancelled
    }
    public var task: Int
    public var device: Int
    /// 1 for a task's first attempt.
    public var attempt: Int
    public var assigned: Double
    public var computeStart: Double
    public var computeEnd: Double
    public var returned: Double
    public var outcome: Outcome
    public var checksum: UInt64
    /// When it was lost: the plan's stop, or when the silence was noticed (NaN unless `outcome`
    /// is `.lost`).
    public var lost: Double = .nan
    /// Wall CPU seconds the worker spent in the computation proper and in the whole attempt,
    /// as it reported them (NaN unless `outcome` is `.returned`).
    public var kernelCPUSeconds: Double = .nan
    public var attemptCPUSeconds: Double = .nan

    public init(task: Int, device: Int, attempt: Int, assigned: Double, computeStart: Double, computeEnd: Double,
                returned: Double, outcome: Outcome, checksum: UInt64) {
        self.task = task; self.device = device; self.attempt = attempt; self.assigned = assigned
        self.computeStart = computeStart; self.computeEnd = computeEnd; self.returned = returned
        self.outcome = outcome; self.checksum = checksum
    }
}

/// What a reference run measured.
public struct RuntimeReport: Sendable {
    public var attempts: [AttemptRecord]
    /// Acceptance time per task, scenario seconds (NaN if never accepted).
    public var taskFinish: [Double]
    /// The checksum each task was accepted with (by quorum vote), 0 if never accepted.
    public var acceptedChecksum: [UInt64]
    /// Last acceptance, scenario seconds.
    public var makespan: Double
    /// Scenario seconds of lost attempts: from assignment to the plan's stop, or to the last
    /// heartbeat of a device that fell silent.
    public var lostWorkSeconds: Double
    public var wallSeconds: Double
    /// Dropped frames, refused connections, churn applied, late results — in order.
    public var log: [String]

    public init(attempts: [AttemptRecord], taskFinish: [Double], acceptedChecksum: [UInt64], makespan: Double,
                lostWorkSeconds: Double, wallSeconds: Double, log: [String]) {
        self.attempts = attempts; self.taskFinish = taskFinish; self.acceptedChecksum = acceptedChecksum
        self.makespan = makespan; self.lostWorkSeconds = lostWorkSeconds; self.wallSeconds = wallSeconds; self.log = log
    }
}

/// Why a reference run could not be done.
public enum RuntimeError: Error, Equatable, CustomStringConvertible {
    case badPlan(String)
    case workerNotFound(tried: [String])
    case system(String)
    case timedOut(wallSeconds: Double, tasksDone: Int, tasks: Int)

    public var description: String {
        switch self {
        case .badPlan(let s): return "runtime plan: \(s)"
        case .workerNotFound(let tried):
            return "swarmlab-worker not found; tried \(tried.joined(separator: ", ")) (build it with `swift build`, or set SWARMLAB_WORKER)"
        case .system(let s): return "runtime: \(s)"
        case .timedOut(let w, let d, let n): return "runtime: gave up after \(w) wall seconds with \(d) of \(n) tasks done"
        }
    }
}
