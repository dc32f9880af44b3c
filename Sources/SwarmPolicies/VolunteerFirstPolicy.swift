import SwarmKernel
import SwarmModel

/// Volunteers first, rented devices for the overflow and for what churn took: each task goes
/// to an idle volunteer (a class with no `pricePerHour`) — its data's region first, fastest
/// first — and to a rented device (`pricePerHour > 0`: an elastic pool's VMs, cloud nodes)
/// only when no volunteer it may use is idle; but a task that has lost an attempt because a
/// volunteer left goes to a rented device first, so work the volunteers' churn keeps
/// losing lands where it stays, while fresh work keeps costing nothing. With an elastic pool
/// whose rule tracks the queue, the pool grows as volunteers leave or are all busy and
/// shrinks as they come back. The hybrid of volunteer and cloud resources argued by Kondo,
/// Javadi, Malecot, Cappello and Anderson ("Cost-benefit analysis of cloud computing versus
/// desktop grids", IPDPS 2009) and the reliable-server fallback for tasks failing on
/// volunteer hosts of Anderson's BOINC ("BOINC: a platform for volunteer computing",
/// J. Grid Computing 18, 2020, §6.3, "reliable hosts" for retries).
///
/// - Complexity: O(classes × regions) per task (one `FleetView.firstIdle` query), O(1) per
///   lost attempt; memory: one entry per task still owed a retry.
public struct VolunteerFirstPolicy: SchedulingPolicy {
    public static let name = "volunteer-first"
    public static let summary = "Volunteers first; rented devices (an elastic pool) for the overflow and for tasks a volunteer's churn lost."
    /// Volunteer classes then rented ones, and the reverse, each fastest first.
    var volunteersFirst: [Int] = []
    var rentedFirst: [Int] = []
    /// Tasks whose last attempt was lost on a volunteer and not yet finished.
    var churned: Set<UInt32> = []

    public init(parameters: NoParameters, context: PolicyContext) {}

    public mutating func place(_ ready: ReadyTasks, on fleet: FleetView, into placements: inout Placements) {
        if volunteersFirst.isEmpty {
            let classes = fleet.fleet.classes
            let volunteers = fleet.classesBySpeed.filter { classes[$0].pricePerHour == 0 }
            let rented = fleet.classesBySpeed.filter { classes[$0].pricePerHour > 0 }
            volunteersFirst = volunteers + rented
            rentedFirst = rented + volunteers
        }
        for task in ready {
            if fleet.idleCount == 0 { return }
            let order = churned.contains(task.id.rawValue) ? rentedFirst : volunteersFirst
            if let d = fleet.firstIdle(in: task.residency, preferring: task.dataRegion, classOrder: order) {
                placements.assign(task, to: d)
            }
        }
    }

    public mutating func taskFailed(_ task: TaskID, on device: Int, fleet: FleetView) {
        if fleet.deviceClass(device).pricePerHour == 0 { churned.insert(task.rawValue) }
    }

    public mutating func taskFinished(_ task: TaskID, on device: Int, fleet: FleetView) {
        churned.remove(task.rawValue)
    }
}
