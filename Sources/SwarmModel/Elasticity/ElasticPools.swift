import SwarmKernel

/// The state of a run's elastic pools, kept by `WorkEngine` (`WorkEngine+Elasticity.swift`):
/// per pool its counters, per slot (one per device of the pool, flat) its state and lease,
/// and the scale-event log the results file's `/elastic` table holds.
///
/// The queue length the rules read is counted from the engine's records (a task's
/// `.queued` until its `.running`, `.done` or `.dropped`, one flag per task), the busy
/// devices from `.started` / `.returned` / `.lost` / `.cancelled` on pool devices: O(1) per
/// record, nothing per evaluation but the rule.
public struct ElasticPools: Sendable {
    /// What happened at a scale event (the code in `/elastic.event`).
    public enum Event: UInt8, Sendable, CaseIterable {
        /// The rule asked for more: `devices` slots requested (booting).
        case scaleUp = 0
        /// A booting slot finished provisioning and came online.
        case ready = 1
        /// The rule asked for fewer: `devices` idle slots released.
        case scaleDown = 2

        /// The snake_case name written to the `event_names` attribute.
        public var name: String { ["scale_up", "ready", "scale_down"][Int(rawValue)] }
    }

    /// Slot states.
    static let off: UInt8 = 0, booting: UInt8 = 1, up: UInt8 = 2

    public let pools: [ElasticPool]
    /// The first pool device (pools' slots are contiguous from here, in pool order).
    let firstPoolDevice: Int
    // Per pool: size (booting + up), up devices, pool devices running an attempt, when the
    // last scale event was (ticks; .min: none), closed leases' seconds and billed seconds.
    var size: [Int], upCount: [Int], busy: [Int], lastScale: [Int64]
    var bills: [PoolBill]
    // Per slot (device − firstPoolDevice): state, lease start (ticks), when it came up
    // (ticks; −1: not up) and its closed up seconds.
    var slot: [UInt8]
    var leaseStart: [Int64]
    var upSince: [Int64]
    var upTotal: [Double]
    // Per task: whether it is queued (from the records); the count.
    var taskQueued: [Bool]
    public private(set) var queued = 0

    // MARK: the log (`/elastic`), one row per event
    public private(set) var eventTime: [Int64] = []
    public private(set) var eventPool: [UInt16] = []
    public private(set) var eventKind: [UInt8] = []
    /// Slots the event added, released or brought up.
    public private(set) var eventDevices: [UInt32] = []
    /// The pool's size (booting + up) and its up devices after the event.
    public private(set) var eventSize: [UInt32] = []
    public private(set) var eventUp: [UInt32] = []
    /// The size the rule asked for at a scale event (the size after, for `ready`).
    public private(set) var eventDesired: [UInt32] = []

    /// The pools of a fleet of `fleetCount` devices running `taskCount` tasks, their initial
    /// slots up (and leased) from `start` (ticks).
    init(pools: [ElasticPool], fleetCount: Int, taskCount: Int, start: Int64) {
        precondition(!pools.isEmpty, "no pools")
        var next = pools[0].firstDevice
        for p in pools {
            precondition(p.firstDevice == next, "pools' slots must be contiguous, in pool order")
            next += p.maxSize
        }
        precondition(next == fleetCount, "pools' slots must be the fleet's last devices")
        self.pools = pools
        firstPoolDevice = pools[0].firstDevice
        let slots = next - firstPoolDevice
        size = pools.map(\.initialSize)
        upCount = size
        busy = [Int](repeating: 0, count: pools.count)
        lastScale = [Int64](repeating: .min, count: pools.count)
        bills = pools.map { PoolBill(name: $0.name) }
        slot = [UInt8](repeating: ElasticPools.off, count: slots)
        leaseStart = [Int64](repeating: 0, count: slots)
        upSince = [Int64](repeating: -1, count: slots)
        upTotal = [Double](repeating: 0, count: slots)
        taskQueued = [Bool](repeating: false, count: taskCount)
        for (p, pool) in pools.enumerated() {
            bills[p].peakSize = pool.initialSize
            for d in pool.firstDevice..<(pool.firstDevice + pool.initialSize) {
                slot[d - firstPoolDevice] = ElasticPools.up
                leaseStart[d - firstPoolDevice] = start
                upSince[d - firstPoolDevice] = start
            }
        }
    }

    /// The pool device `d` belongs to, or nil.
    @inline(__always) func pool(of d: Int) -> Int? {
        guard d >= firstPoolDevice else { return nil }
        var p = 0
        while d >= pools[p].firstDevice + pools[p].maxSize { p += 1 }
        return p
    }

    /// Whether device `d` may be online: not a pool device, or an up one.
    @inline(__always) func isUp(_ d: Int) -> Bool { d < firstPoolDevice || slot[d - firstPoolDevice] == ElasticPools.up }

    /// Whether every pool is at its minimum with nothing booting (a finished run may stop).
    public var quiescent: Bool { pools.indices.allSatisfy { size[$0] == pools[$0].minSize && upCount[$0] == size[$0] } }

    /// Follows one engine record: the queue length and each pool's busy devices.
    mutating func observe(_ r: LifecycleRecord) {
        switch r {
        case .queued(let t, _):
            if !taskQueued[t.index] { taskQueued[t.index] = true; queued += 1 }
        case .running(let t, _), .done(let t, _, _, _), .dropped(let t, _):
            if taskQueued[t.index] { taskQueued[t.index] = false; queued -= 1 }
        case .started(_, let d, _, _):
            if let p = pool(of: d) { busy[p] += 1 }
        case .returned(_, let d, _), .lost(_, let d, _), .cancelled(_, let d, _):
            if let p = pool(of: d) { busy[p] -= 1 }
        default:
            break
        }
    }

    mutating func log(_ p: Int, _ kind: Event, devices: Int, desired: Int, at t: Int64) {
        eventTime.append(t); eventPool.append(UInt16(p)); eventKind.append(kind.rawValue)
        eventDevices.append(UInt32(devices)); eventSize.append(UInt32(size[p])); eventUp.append(UInt32(upCount[p]))
        eventDesired.append(UInt32(desired))
        bills[p].peakSize = max(bills[p].peakSize, size[p])
    }

    /// Ends slot `s`'s lease at `t`: its length and billed length go on its pool's bill.
    mutating func closeLease(_ s: Int, pool p: Int, at t: Int64) {
        let ticks = t - leaseStart[s]
        bills[p].provisionedSeconds += Double(ticks) / 1e9
        bills[p].billedSeconds += pools[p].billedSeconds(leaseTicks: ticks)
    }

    /// Each pool's bill with the leases still open closed at `end` (the end of the billing
    /// period: a run holds what it has provisioned until then, as it holds a fixed fleet).
    ///
    /// - Complexity: O(pool slots).
    public func bills(until end: SimTime) -> [PoolBill] {
        var copy = self
        for (p, pool) in pools.enumerated() {
            for d in pool.devices where copy.slot[d - firstPoolDevice] != ElasticPools.off {
                copy.closeLease(d - firstPoolDevice, pool: p, at: end.ticks)
            }
            copy.bills[p].usd = copy.bills[p].billedSeconds / 3600 * pool.pricePerHour
        }
        return copy.bills
    }

    /// Seconds each pool device (index: device − the first pool's `firstDevice`) was up, the
    /// stretches still open closed at `end`.
    public func upSeconds(until end: SimTime) -> [Double] {
        var out = upTotal
        for s in out.indices where upSince[s] >= 0 { out[s] += Double(end.ticks - upSince[s]) / 1e9 }
        return out
    }
}
