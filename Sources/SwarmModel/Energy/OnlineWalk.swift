import Foundation
import SwarmKernel

/// Each device's available seconds in [from, until) (`RunBill.onlineSeconds`), walked in
/// blocks of `RunBill.onlineBlock` devices by any number of threads: helpers started early
/// (`startHelper()`, e.g. on the second core while the engine runs) and the caller of
/// `finish()`, which joins in and returns the figures once every block is done.
///
/// Devices are independent — each has its own random streams and cursor — and each worker
/// walks its blocks with its own `FleetAvailability`, so every device's figure comes out of
/// the same steps whichever thread takes its block: the result is bit-identical to one
/// thread's. `cancel()` stops the helpers when the figures are not needed after all.
public final class OnlineWalk: @unchecked Sendable {
    let fleet: Fleet
    let seed: UInt64
    let from: SimTime, end: SimTime
    let blocks: Int
    private let seconds: UnsafeMutablePointer<Double>
    private let condition = NSCondition()
    // Guarded by `condition`: the next block to take, helpers still running, cancelled.
    private var next = 0
    private var helpers = 0
    private var cancelled = false
    private var collected = false

    public init(fleet: Fleet, seed: UInt64, from: SimTime = .zero, until end: SimTime) {
        self.fleet = fleet; self.seed = seed; self.from = from; self.end = end
        blocks = (fleet.count + RunBill.onlineBlock - 1) / RunBill.onlineBlock
        seconds = .allocate(capacity: max(1, fleet.count))
    }

    deinit { seconds.deallocate() }

    /// Starts one more thread taking blocks (it holds the walk until it ends).
    public func startHelper() {
        condition.lock(); helpers += 1; condition.unlock()
        let t = Thread { self.work(); self.condition.lock(); self.helpers -= 1; self.condition.broadcast(); self.condition.unlock() }
        t.name = "swarmlab-online-walk"
        t.start()
    }

    /// Walks the blocks left on the calling thread, waits for the helpers, and returns each
    /// device's online seconds.
    public func finish() -> [Double] {
        precondition(!collected, "OnlineWalk.finish() is called once")
        work()
        condition.lock()
        while helpers > 0 { condition.wait() }
        precondition(!cancelled, "a cancelled walk has no figures")
        collected = true
        condition.unlock()
        return Array(UnsafeBufferPointer(start: seconds, count: fleet.count))
    }

    /// Stops the helpers after the block each is walking, and waits for them.
    public func cancel() {
        condition.lock()
        cancelled = true
        while helpers > 0 { condition.wait() }
        condition.unlock()
    }

    /// Takes blocks until none is left (or the walk is cancelled).
    private func work() {
        var availability: FleetAvailability?
        while true {
            condition.lock()
            let b = next
            next += 1
            let stop = cancelled || b >= blocks
            condition.unlock()
            if stop { return }
            if availability == nil { availability = FleetAvailability(fleet: fleet, seed: seed) }
            for d in b * RunBill.onlineBlock..<min(fleet.count, (b + 1) * RunBill.onlineBlock) {
                seconds[d] = RunBill.onlineSeconds(&availability!, d, from: from, until: end)
            }
        }
    }
}
