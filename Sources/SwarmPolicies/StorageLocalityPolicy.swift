import SwarmKernel
import SwarmModel

/// Tasks placed near the stored object they read (`input_object`, docs/models/storage.md):
/// first an idle device that already holds the most of it — a cached copy (nothing to
/// fetch), else the most pieces or a replica (read locally) — then, when no holder is idle,
/// an idle device (fastest first) in the region whose live holders are nearest (the least
/// fetch latency, `StorageLocality.fetchLatency`), and otherwise — a task reading no object,
/// or an object none of whose holders is online — the fastest idle device, its data region
/// first. What it knows of the storage it reads through `FleetView.storage`, read-only.
/// The data-local placement of MapReduce (Dean and Ghemawat, OSDI 2004) and of Hadoop's
/// delay scheduling (Zaharia et al., EuroSys 2010), with the replicas or erasure-coded pieces
/// living on the compute devices themselves.
/// - Complexity: per task O(p² + regions × segments × n²) for an object of p pieces in
///   segments of n (no scan of the fleet); O(classes × regions) for a task reading none.
public struct StorageLocalityPolicy: SchedulingPolicy {
    public static let name = "storage-locality"
    public static let summary = "An idle holder of the task's stored input first, then the region nearest its live holders."

    public init(parameters: NoParameters, context: PolicyContext) {}

    public mutating func place(_ ready: ReadyTasks, on fleet: FleetView, into placements: inout Placements) {
        for task in ready {
            if fleet.idleCount == 0 { return }
            if let storage = fleet.storage, let o = storage.inputObject(of: task) {
                if let d = Self.idleHolder(of: o, for: task, storage, fleet), placements.assign(task, to: d) { continue }
                if let d = Self.nearestToHolders(of: o, for: task, storage, fleet), placements.assign(task, to: d) { continue }
            }
            if let d = fleet.firstIdle(in: task.residency, preferring: task.dataRegion) { placements.assign(task, to: d) }
        }
    }

    /// The idle device allowed for `task` with the most bytes of object o on it (ties: the
    /// lowest id), or nil when no holder is idle.
    static func idleHolder(of o: Int, for task: ReadyTask, _ storage: StorageLocality, _ fleet: FleetView) -> Int? {
        var best = -1, bestBytes = 0.0
        storage.forEachHolder(of: o) { d in
            guard d != best, fleet.isIdle(d), task.residency.contains(fleet.region(d)), fleet.admits(task, on: d) else { return }
            let bytes = storage.localBytes(of: o, on: d)
            if bytes > bestBytes || (bytes == bestBytes && bytes > 0 && d < best) { best = d; bestBytes = bytes }
        }
        return best >= 0 ? best : nil
    }

    /// The fastest idle device of the allowed region with the least fetch latency from o's
    /// live holders (ties: the task's data region, then the lowest region), or nil when o
    /// cannot be read now.
    static func nearestToHolders(of o: Int, for task: ReadyTask, _ storage: StorageLocality, _ fleet: FleetView) -> Int? {
        var best: (latency: Double, elsewhere: Int, region: Int, device: Int)?
        for r in 0..<min(fleet.regionCount, 64) where task.residency.contains(r) {
            guard let d = fleet.firstIdle(in: RegionSet(bits: 1 << UInt64(r))),
                  let latency = storage.fetchLatency(of: o, toRegion: r) else { continue }
            let elsewhere = r == task.dataRegion ? 0 : 1
            if let b = best, (b.latency, b.elsewhere, b.region) <= (latency, elsewhere, r) { continue }
            best = (latency, elsewhere, r, d)
        }
        return best?.device
    }
}
