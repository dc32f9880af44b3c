import SwarmKernel
import SwarmModel

/// Edge first, cloud fallback: each task goes to an idle edge or volunteer device (a class
/// with no `pricePerHour`) in its data's region if there is one, else to an idle cloud device
/// (`pricePerHour > 0`) in that region, else to any idle device its residency allows — edge
/// classes before cloud ones, fastest first within each. This is the cloudlet argument of
/// Satyanarayanan, Bahl, Cáceres and Davies ("The case for VM-based cloudlets in mobile
/// computing", IEEE Pervasive Computing 8(4), 2009) and the fog layer of Bonomi, Milito, Zhu
/// and Addepalli ("Fog computing and its role in the Internet of Things", MCC 2012): compute
/// near the data on devices already paid for, and rent the cloud only for what is left.
///
/// - Complexity: O(classes × regions) per task (one `FleetView.firstIdle` query).
public struct EdgeFirstPolicy: SchedulingPolicy {
    public static let name = "edge-first"
    public static let summary = "Edge/volunteer devices near the data first, then same-region cloud, then anywhere."
    /// Edge classes, then cloud classes, each fastest first.
    var order: [Int] = []

    public init(parameters: NoParameters, context: PolicyContext) {}

    public mutating func place(_ ready: ReadyTasks, on fleet: FleetView, into placements: inout Placements) {
        if order.isEmpty {
            let classes = fleet.fleet.classes
            order = fleet.classesBySpeed.filter { classes[$0].pricePerHour == 0 } + fleet.classesBySpeed.filter { classes[$0].pricePerHour > 0 }
        }
        for task in ready {
            if fleet.idleCount == 0 { return }
            // `preferring` visits the data's region in class order (edge, then cloud) before
            // any other region, which is exactly the three tiers above.
            if let d = fleet.firstIdle(in: task.residency, preferring: task.dataRegion, classOrder: order) {
                placements.assign(task, to: d)
            }
        }
    }
}
