import SwarmKernel

/// Watches a `WorkEngine` for what the bill needs and the engine does not keep per device:
/// each device's online seconds (from its `.online` / `.offline` records: the engine follows
/// every device's availability, so this costs O(1) per change it already handles), its busy
/// seconds (every attempt, whatever its outcome — lost and redundant work burn energy too; a
/// Kubernetes node is busy while any pod runs on it) and the bytes that left each region.
///
/// Bytes: an attempt's input moves from its task's data region to the device's region once
/// the input transfer is done (`.phase(.computing)`), its output back when it returns
/// (`.returned`); bytes crossing between two different regions count as leaving the sender.
/// Inputs are served by the data's store (a provider bucket) and billed; an output is billed
/// only when its sender is a priced device (a volunteer's upload is not on the provider's
/// bill). A transfer cut by churn counts nothing. Another source of byte counts (per-task
/// counters in the engine) plugs in through `moved(bytes:from:to:billed:)`.
///
/// - Complexity: O(1) per record; 34 bytes per device, 8 per region.
public final class UsageMeter {
    public let fleet: Fleet
    /// Online and busy seconds per device (closed stretches; `finish` closes open ones).
    public private(set) var onlineSeconds: [Double]
    public private(set) var busySeconds: [Double]
    /// Bytes that left each region for another, indexed by region id: all of them, and the
    /// part on the provider's bill (the egress the bill prices).
    public private(set) var bytesLeaving: [Double]
    public private(set) var billedBytesLeaving: [Double]
    var busySince: [Int64]
    var onlineSince: [Int64]
    /// Per device: attempts running (several only on a Kubernetes node).
    var running: [UInt16]
    let inputBytes: [Double], outputBytes: [Double], dataRegion: [UInt16]

    /// Starts watching `engine` (before it runs), keeping any observer already set.
    public init(engine: WorkEngine) {
        fleet = engine.view.fleet
        let n = fleet.count
        busySeconds = [Double](repeating: 0, count: n)
        bytesLeaving = [Double](repeating: 0, count: fleet.regionNames.count)
        billedBytesLeaving = bytesLeaving
        busySince = [Int64](repeating: -1, count: n)
        onlineSeconds = [Double](repeating: 0, count: n)
        // The engine brought its first devices online before anyone could observe it.
        let now = engine.sim.now.ticks
        onlineSince = (0..<n).map { engine.view.isOnline($0) ? now : -1 }
        running = [UInt16](repeating: 0, count: n)
        inputBytes = engine.tasks.inputBytes
        outputBytes = engine.tasks.outputBytes
        dataRegion = engine.tasks.dataRegion
        engine.addObserver { record in self.record(record) }
    }

    /// Applies one engine record.
    public func record(_ r: WorkEngine.Record) {
        switch r {
        case .started(_, let d, _, let at):
            if running[d] == 0 { busySince[d] = at.ticks }
            running[d] += 1
        case .phase(let task, let d, let phase, _):
            if phase == .computing {
                moved(bytes: inputBytes[task.index], from: Int(dataRegion[task.index]), to: Int(fleet.regionOf[d]), billed: true)
            }
        case .returned(let task, let d, let at):
            moved(bytes: outputBytes[task.index], from: Int(fleet.regionOf[d]), to: Int(dataRegion[task.index]),
                  billed: fleet.classes[Int(fleet.classOf[d])].pricePerHour > 0)
            attemptEnded(d, at.ticks)
        case .lost(_, let d, let at), .cancelled(_, let d, let at):
            attemptEnded(d, at.ticks)
        case .online(let d, let at):
            if onlineSince[d] < 0 { onlineSince[d] = at.ticks }
        case .offline(let d, let at):
            endOnline(d, at.ticks)
        default:
            break
        }
    }

    /// Counts `bytes` moved from region `from` to region `to` (nothing when they are the
    /// same); `billed`: the sender is on the provider's bill.
    public func moved(bytes: Double, from: Int, to: Int, billed: Bool) {
        guard from != to else { return }
        bytesLeaving[from] += bytes
        if billed { billedBytesLeaving[from] += bytes }
    }

    /// Closes the attempts still running and the online stretches still open at `end`, the
    /// time the run stopped. (A run stopped before its horizon leaves the rest of the period
    /// to `RunBill.onlineSeconds`: the whole [0, horizon] timeline, the same for every policy.)
    public func finish(at end: SimTime) {
        for d in busySince.indices {
            endBusy(d, end.ticks)
            endOnline(d, end.ticks)
        }
    }

    func endOnline(_ d: Int, _ t: Int64) {
        guard onlineSince[d] >= 0 else { return }
        onlineSeconds[d] += Double(t - onlineSince[d]) / 1e9
        onlineSince[d] = -1
    }

    /// An attempt on `d` ended: the device's busy stretch ends with its last one.
    func attemptEnded(_ d: Int, _ t: Int64) {
        if running[d] > 0 { running[d] -= 1 }
        if running[d] == 0 { endBusy(d, t) }
    }

    func endBusy(_ d: Int, _ t: Int64) {
        guard busySince[d] >= 0 else { return }
        busySeconds[d] += Double(t - busySince[d]) / 1e9
        busySince[d] = -1
    }
}
