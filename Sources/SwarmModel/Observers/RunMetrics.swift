import SwarmKernel

/// The figures of one run, defined as formulas (a = arrival, f = finish of a task; B = busy
/// seconds, I = idle-online seconds of a device):
///
/// - makespan = max f − min a; throughput = tasks done / makespan
/// - latency = f − a per task (mean, P50, P95, P99); SLO attainment = share with f ≤ deadline
/// - wasted work = seconds devices spent on attempts that were lost to churn; redundant work
///   = seconds spent on attempts beyond the one whose result was accepted (replication,
///   spot checks)
/// - accepted errors = tasks whose accepted result is wrong (adversaries won the vote)
/// - utilisation = Σ B / Σ (B + I) over devices
/// - energy = Σ busyWatts·B + idleWatts·I; money = Σ pricePerHour·B/3600 (cloud: the price
///   of the work done, not the bill — `RunBill` bills provisioned time, egress, volunteer
///   energy and carbon), volunteer credit = Σ B/3600 of devices with no price
public struct RunMetrics: Sendable {
    public internal(set) var tasksDone = 0
    public internal(set) var attemptsLost = 0
    public internal(set) var refusedPlacements = 0
    public internal(set) var firstArrival: Int64 = .max
    public internal(set) var lastFinish: Int64 = .min
    public internal(set) var latency = RunningStats()
    public internal(set) var p50 = P2Quantile(0.5), p95 = P2Quantile(0.95), p99 = P2Quantile(0.99)
    public internal(set) var withDeadline = 0, metDeadline = 0
    public internal(set) var busySeconds = 0.0, idleSeconds = 0.0, wastedSeconds = 0.0, redundantSeconds = 0.0
    public internal(set) var acceptedErrors = 0, spotChecks = 0, blacklisted = 0, backupAttempts = 0
    /// Per tenant: device-seconds used and tasks finished (fair-share reporting).
    public internal(set) var tenantBusySeconds: [Double] = [0]
    public internal(set) var tenantTasksDone: [Int] = [0]
    /// Stragglers dropped by quorum barriers, and the seconds their attempts had run.
    public internal(set) var tasksDropped = 0, droppedSeconds = 0.0
    /// Tasks dropped because no device of the fleet can hold their working set.
    public internal(set) var tasksUnplaceable = 0
    /// Bytes delivered by transfers (inputs and outputs), and those that crossed regions.
    public internal(set) var bytesMoved = 0.0, wanBytes = 0.0
    public internal(set) var energyJoules = 0.0
    public internal(set) var money = 0.0, volunteerHours = 0.0

    public init() {}

    public var makespan: Double { lastFinish >= firstArrival ? Double(lastFinish - firstArrival) / 1e9 : 0 }
    public var throughput: Double { makespan > 0 ? Double(tasksDone) / makespan : 0 }
    public var utilisation: Double { busySeconds + idleSeconds > 0 ? busySeconds / (busySeconds + idleSeconds) : 0 }
    public var sloAttainment: Double? { withDeadline > 0 ? Double(metDeadline) / Double(withDeadline) : nil }

    mutating func finished(arrival: Int64, finish: Int64, deadline: Int64) {
        tasksDone += 1
        firstArrival = min(firstArrival, arrival)
        lastFinish = max(lastFinish, finish)
        let l = Double(finish - arrival) / 1e9
        latency.add(l); p50.add(l); p95.add(l); p99.add(l)
        if deadline != .max {
            withDeadline += 1
            if finish <= deadline { metDeadline += 1 }
        }
    }

    mutating func busy(_ seconds: Double, on c: DeviceClass, tenant: Int = 0) {
        busy(seconds, rates: ClassRates(c), tenant: tenant)
    }

    /// `busy(_:on:tenant:)` from the class's flat scalars (the engine's hot path).
    mutating func busy(_ seconds: Double, rates c: ClassRates, tenant: Int) {
        busySeconds += seconds
        tenantBusySeconds[tenant] += seconds
        energyJoules += seconds * c.busyWatts
        if c.pricePerHour > 0 { money += seconds / 3600 * c.pricePerHour } else { volunteerHours += seconds / 3600 }
    }

    mutating func idle(_ seconds: Double, on c: DeviceClass) { idle(seconds, rates: ClassRates(c)) }

    /// `idle(_:on:)` from the class's flat scalars (the engine's hot path).
    mutating func idle(_ seconds: Double, rates c: ClassRates) {
        idleSeconds += seconds
        energyJoules += seconds * c.idleWatts
    }
}
