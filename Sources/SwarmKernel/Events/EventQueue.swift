internal import CKernelSupport

/// What a handler is told: when, which kind of event, and on which entity.
///
/// An event is plain integers. The kernel never sees model types: `kind` selects the handler
/// registered for it and `target` is an index the model gives meaning to (a device id, a
/// task id, a flow id).
public struct Event: Hashable, Sendable {
    public var time: SimTime
    public var kind: EventKind
    public var target: UInt32

    public init(time: SimTime, kind: EventKind, target: UInt32) {
        self.time = time; self.kind = kind; self.target = target
    }
}

/// The kind of an event: an index into the run loop's handler table.
public struct EventKind: Hashable, Sendable {
    public var rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }
}

/// Names one scheduled event so it can be cancelled. Stale handles (the event already ran or
/// was cancelled) are harmless: cancelling them does nothing.
public struct EventHandle: Hashable, Sendable {
    var slot: UInt32
    var generation: UInt32
    init(slot: UInt32, generation: UInt32) { self.slot = slot; self.generation = generation }
}

/// The future-event list: a radix heap of 24-byte `(time, target, kind, slot)` entries, plus
/// 4 bytes of generation and 2 bits of state per slot for cancellation.
///
/// - Radix heap (Ahuja, Mehlhorn, Orlin and Tarjan, "Faster algorithms for the shortest
///   path problem", JACM 1990), with hexadecimal digits: a DES pops times in non-decreasing
///   order, which is all a radix heap needs. An entry's bucket is the first hexadecimal
///   digit (of 16) in which its time differs from the last popped time, and its own value
///   of that digit; a push appends to its bucket, a pop takes from bucket 0 and, when it is
///   empty, moves the lowest non-empty bucket down. With binary digits (64 buckets) an entry
///   moved down about log₂ of the pending count times (perf: the moves were half of a
///   10⁵-device work run); with hexadecimal ones about a quarter of that. Every access is an append or
///   a sequential scan, so at 10⁶–10⁷ pending events it runs at memory bandwidth instead of
///   one cache miss per heap level: 1.5× a plain C 4-ary heap where the 4-ary heap this
///   replaced reached 0.85× (results/BENCHMARKS.md).
/// - An entry carries its kind and target, so a pop reads no per-slot table to know what to
///   run; the slot's generation (touched again when the next push reuses the slot) and the
///   model state a kind names (`setPrefetch`) are fetched into the cache when the entry is
///   moved into a small refill — a few events before it runs — so at 10⁶ devices neither
///   costs a cache miss on the critical path (perf showed the slot-table load and the
///   device's state as the two misses behind most of an event's time). A bucket 0 too long
///   for that (many events at one instant) is prefetched a few entries ahead as it is popped.
/// - Ties: equal times always share a bucket and buckets keep arrival order, so equal-time
///   events run in the order they were scheduled, on every machine.
/// - Cancellation marks the slot (O(1), handles carry a generation); cancelled entries are
///   skipped when they surface and compacted away when they outnumber live ones.
/// - Allocation is amortised, never per event: bucket buffers grow by doubling; a drained
///   buffer larger than half the pending count, or any drained buffer once the buckets hold
///   room for twice the pending count, is given back — to a pool of buffers by size (at most
///   the pending count's worth) that growing buckets take from, else freed.
///
/// Times must be ≥ 0 and no earlier than the last event popped (the run loop guarantees it).
///
/// - Complexity: `push` O(1); `pop` amortised O(log T) for a time range T (each entry moves
///   down at most 16 levels in its life, in practice a few); `cancel` O(1).
public struct EventQueue: ~Copyable {
    /// A pending event: its time, what to run (kind, target) and the slot that names it for
    /// cancellation. 20 bytes, stride 24.
    struct Entry: BitwiseCopyable {
        var time: Int64
        var target: UInt32
        var kind: UInt32
        var slot: UInt32
        init(time: Int64, target: UInt32, kind: UInt32, slot: UInt32) {
            self.time = time; self.target = target; self.kind = kind; self.slot = slot
        }
    }

    /// A slot's state, 2 bits in `states`: free, pending, or cancelled (its entry still
    /// stored until it surfaces or a compaction drops it).
    static let free: UInt64 = 0, pending: UInt64 = 1, cancelled: UInt64 = 2

    /// Most events pending at once (2²⁸ ≈ 268 million).
    public static let maxPending = 1 << 28

    /// Where the events of one kind keep their per-target state: `base + target × stride`
    /// (0 stride: no hint). Addresses only; never dereferenced.
    struct Hint: BitwiseCopyable {
        var base: UInt
        var stride: UInt
    }
    /// A refill that moves at most this many entries prefetches their state: they are the
    /// next events to run, and their lines (a few hundred KiB at most) stay cached until they
    /// do; a larger refill — the first after a big bucket empties — would evict its own early
    /// lines first. Measured with binary digits on churn at 10⁶ devices × 24 h (CPU seconds,
    /// 2026-12-01): 16 → 3.3 s, 64 → 2.7 s, 1024 → 2.5 s, 4096 → 2.6 s, every refill → 3.0 s.
    /// With hexadecimal digits a bucket shrinks 16-fold per level, so the last refill an
    /// entry passes through before it runs is often over 1024 (2026-12-02, wall seconds,
    /// binary list 1024 / hexadecimal 1024 / 4096 / 16384): churn 10⁶ × 24 h 4.0–4.2 / 7.8–8.4
    /// / 3.4 / 3.3 s; churn 10⁷ × 24 h 44.7 / — / 41.0 / 44.1 s; work 10⁵ 1.7 / 1.2–1.5 /
    /// 1.3 / 1.2 s.
    static let prefetchWindow = 4096
    /// Popping from a long bucket 0 prefetches the entry this many places ahead: far enough
    /// that its lines arrive before it runs, near enough that they are still cached then.
    static let popLookahead = 16

    /// Bucket 0 holds entries at exactly `last`, in scheduling order; bucket
    /// 1 + 16·L + d holds entries whose time first differs from `last` in hexadecimal digit L
    /// (bits 4L…4L+3), where theirs is d. Buckets in index order hold ever later times.
    var buckets: UnsafeMutablePointer<Bucket>
    /// Bit i of word i / 64 set ⇔ bucket i is not empty (bucket 0 tracked by its head/count).
    var occupied: UnsafeMutablePointer<UInt64>
    /// The biased time of the last event popped (the radix heap's reference point); starts
    /// at time 0, so keys of times ≥ 0 differ from it below bit 63: 16 digit levels suffice.
    var last: UInt64 = 1 << 63
    var stored = 0
    /// Per slot: the generation of its current (or last) event; a handle names a slot and
    /// a generation, so a stale handle never matches.
    var generations = FlatBuffer<UInt32>()
    /// Per slot, 2 bits (32 slots a word): `free`, `pending` or `cancelled`.
    var states = FlatBuffer<UInt64>()
    var freeSlots = FlatBuffer<UInt32>()
    /// Per kind: where its events' state lives (`setPrefetch`, `addPrefetch`), up to
    /// `hintsPerKind` records, kind k's at k × hintsPerKind…; a zero stride ends its list.
    var hints = FlatBuffer<Hint>()
    /// Records a kind may name: an attempt's phase event reads its slot's entries in a few
    /// per-slot tables of the engine and the lifecycle.
    public static let hintsPerKind = 16
    var cancelledInHeap = 0
    /// Bucket buffers allocated so far (growth and regrowth), for tests and tuning.
    var bufferAllocations = 0
    /// Entries the buckets' buffers hold room for (the pool not counted).
    var bucketCapacity = 0
    /// Buffers drained buckets gave back, for buckets that grow (`BufferPool`).
    var pool = BufferPool()

    /// A bucket's entries in a buffer managed by hand (the queue is non-copyable), read from
    /// `head`; `append(_:to:)` grows it (`BufferPool.swift`).
    struct Bucket {
        var base: UnsafeMutablePointer<Entry>? = nil
        var count = 0
        var capacity = 0
        var head = 0
    }

    /// Bits per digit of the radix: 16 levels of 16 buckets over the 64-bit keys, plus bucket 0.
    static let digitBits = 4
    static let bucketCount = 1 + (62 / digitBits + 1) << digitBits
    static let occupancyWords = (bucketCount + 63) / 64

    public init() {
        buckets = .allocate(capacity: EventQueue.bucketCount)
        buckets.initialize(repeating: Bucket(), count: EventQueue.bucketCount)
        occupied = .allocate(capacity: EventQueue.occupancyWords)
        occupied.initialize(repeating: 0, count: EventQueue.occupancyWords)
    }

    deinit {
        for i in 0..<EventQueue.bucketCount { buckets[i].base?.deallocate() }
        buckets.deallocate()
        occupied.deallocate()
    }

    /// Reserves room for `n` pending events in the slot table.
    public mutating func reserveCapacity(_ n: Int) {
        generations.reserve(n); freeSlots.reserve(n); states.reserve(n / 32 + 1)
    }

    /// Events scheduled and not yet run or cancelled.
    public var count: Int { stored - cancelledInHeap }
    public var isEmpty: Bool { count == 0 }
    /// Entries including cancelled ones not yet dropped (for memory accounting).
    public var storedCount: Int { stored }

    static func biased(_ t: Int64) -> UInt64 { UInt64(bitPattern: t) ^ (1 << 63) }

    @inline(__always)
    func bucketIndex(_ key: UInt64) -> Int {
        if key == last { return 0 }
        let level = (63 &- (key ^ last).leadingZeroBitCount) / EventQueue.digitBits
        let digit = Int(truncatingIfNeeded: key >> UInt64(level * EventQueue.digitBits)) & (1 << EventQueue.digitBits - 1)
        return 1 &+ level << EventQueue.digitBits &+ digit
    }

    @inline(__always)
    func markOccupied(_ i: Int) { occupied[i >> 6] |= 1 << UInt64(i & 63) }

    @inline(__always)
    func markEmpty(_ i: Int) { occupied[i >> 6] &= ~(1 << UInt64(i & 63)) }

    func isOccupied(_ i: Int) -> Bool { (occupied[i >> 6] >> UInt64(i & 63)) & 1 == 1 }

    /// The lowest non-empty bucket, if any.
    @inline(__always)
    func lowestOccupied() -> Int? {
        for w in 0..<EventQueue.occupancyWords where occupied[w] != 0 {
            return w << 6 | occupied[w].trailingZeroBitCount
        }
        return nil
    }

    mutating func insert(_ e: Entry) {
        let key = EventQueue.biased(e.time)
        precondition(key >= last, "event at \(e.time) ticks is before the last popped event or before time 0")
        let i = bucketIndex(key)
        append(e, to: i)
        markOccupied(i)
        stored += 1
    }

    // MARK: slot states (2 bits each)

    func state(_ slot: Int) -> UInt64 {
        (states.start[slot >> 5] >> UInt64((slot & 31) << 1)) & 3
    }

    func setState(_ slot: Int, _ v: UInt64) {
        let shift = UInt64((slot & 31) << 1)
        let w = states.start + (slot >> 5)
        w.pointee = w.pointee & ~(3 << shift) | v << shift
    }

    /// Gives a slot whose entry left the heap back to the free list.
    mutating func release(_ slot: UInt32) {
        setState(Int(slot), EventQueue.free)
        freeSlots.append(slot)
    }

    /// Schedules an event; `time` may be any instant (the run loop checks causality).
    @discardableResult
    public mutating func push(time: SimTime, kind: EventKind, target: UInt32) -> EventHandle {
        let slot: UInt32
        let generation: UInt32
        if freeSlots.count > 0 {
            slot = freeSlots.removeLast()
            let g = generations.start + Int(slot)
            generation = g.pointee &+ 1
            g.pointee = generation
        } else {
            precondition(generations.count < EventQueue.maxPending, "more than \(EventQueue.maxPending) events pending")
            slot = UInt32(generations.count)
            generation = 0
            generations.append(0)
            if slot & 31 == 0 { states.append(0) }
        }
        setState(Int(slot), EventQueue.pending)
        insert(Entry(time: time.ticks, target: target, kind: kind.rawValue, slot: slot))
        return EventHandle(slot: slot, generation: generation)
    }

    /// Cancels a pending event. Returns false if it already ran or was already cancelled.
    @discardableResult
    public mutating func cancel(_ handle: EventHandle) -> Bool {
        guard isPending(handle) else { return false }
        setState(Int(handle.slot), EventQueue.cancelled)
        cancelledInHeap += 1
        if cancelledInHeap > 1024 && cancelledInHeap * 2 > stored { compact() }
        return true
    }

    /// True while the event named by `handle` is pending.
    public func isPending(_ handle: EventHandle) -> Bool {
        let i = Int(handle.slot)
        return i < generations.count && generations[i] == handle.generation && state(i) == EventQueue.pending
    }

    /// The time of the earliest pending event, if any.
    public mutating func peekTime() -> SimTime? {
        dropCancelledTop()
        return refill() ? SimTime(ticks: Int64(bitPattern: last ^ (1 << 63))) : nil
    }

    /// Removes and returns the earliest pending event.
    public mutating func pop() -> Event? { pop(notAfter: .distantFuture) }

    /// Removes and returns the earliest pending event if it is due at or before `limit`.
    public mutating func pop(notAfter limit: SimTime) -> Event? {
        while refill() {
            let b0 = buckets
            let top = b0[0].base![b0[0].head]
            guard top.time <= limit.ticks else { return nil }
            b0[0].head += 1
            // Many events due at one instant (identical devices finishing identical work)
            // fill bucket 0 in a refill too large to prefetch: fetch ahead as they are popped.
            let ahead = b0[0].head &+ EventQueue.popLookahead
            if ahead < b0[0].count { prefetch(b0[0].base![ahead]) }
            stored -= 1
            let live = state(Int(top.slot)) == EventQueue.pending
            release(top.slot)
            if live {
                return Event(time: SimTime(ticks: top.time), kind: EventKind(rawValue: top.kind), target: top.target)
            }
            cancelledInHeap -= 1
        }
        return nil
    }

    // MARK: radix-heap internals

    /// Makes bucket 0 non-empty if any entry is stored: the lowest non-empty bucket's least
    /// time becomes `last` and its entries move down to lower digit levels (each entry moves
    /// at most 16 times in its life, in practice a few). Entries keep their order, so equal
    /// times stay FIFO.
    mutating func refill() -> Bool {
        let b = buckets
        if b[0].head < b[0].count { return true }
        b[0].head = 0; b[0].count = 0
        markEmpty(0)
        guard let i = lowestOccupied() else { return false }
        let src = b[i].base!, n = b[i].count
        var least = EventQueue.biased(src[0].time)
        for j in 1..<max(n, 1) { least = min(least, EventQueue.biased(src[j].time)) }
        last = least
        b[i].count = 0
        markEmpty(i)
        // A small refill holds the next events to run (all of them precede every other
        // bucket): fetch their state now, while the ones before them run.
        let fetch = n <= EventQueue.prefetchWindow
        for j in 0..<n {
            let e = src[j]
            if fetch { prefetch(e) }
            let k = bucketIndex(EventQueue.biased(e.time))
            append(e, to: k)
            markOccupied(k)
        }
        // Every bucket takes its turn holding most events; keeping all those buffers would
        // cost a multiple of the pending count, so a drained buffer larger than half of what
        // is stored, or any drained buffer once the buckets hold room for twice what is
        // stored, is given back (to the pool, which growing buckets take from). In a steady
        // state no refill allocates.
        if b[i].capacity > 1024 && (b[i].capacity > stored / 2 || bucketCapacity > 2 * stored) {
            bucketCapacity -= b[i].capacity
            giveBack(b[i].base!, b[i].capacity)
            b[i].base = nil; b[i].capacity = 0; b[i].count = 0; b[i].head = 0
        }
        return true
    }

    mutating func dropCancelledTop() {
        while refill() {
            let top = buckets[0].base![buckets[0].head]
            guard state(Int(top.slot)) == EventQueue.cancelled else { return }
            buckets[0].head += 1
            stored -= 1
            release(top.slot)
            cancelledInHeap -= 1
        }
    }

    /// Drops cancelled entries from every bucket, keeping the order of the rest.
    mutating func compact() {
        for b in 0..<EventQueue.bucketCount {
            guard let base = buckets[b].base else { continue }
            var kept = 0
            for j in buckets[b].head..<buckets[b].count {
                let e = base[j]
                if state(Int(e.slot)) == EventQueue.cancelled {
                    release(e.slot)
                    stored -= 1
                } else {
                    base[kept] = e
                    kept += 1
                }
            }
            buckets[b].head = 0
            buckets[b].count = kept
            if kept == 0 && b > 0 { markEmpty(b) }
        }
        cancelledInHeap = 0
    }

    /// Checks bucket placement and the slot bookkeeping; for tests (O(n)).
    public func checkInvariants() {
        var pending = 0, cancelled = 0, total = 0
        for b in 0..<EventQueue.bucketCount {
            let bucket = buckets[b]
            precondition((b == 0) || isOccupied(b) == (bucket.count > 0), "occupancy bit \(b) wrong")
            for j in bucket.head..<bucket.count {
                let e = bucket.base![j]
                precondition(bucketIndex(EventQueue.biased(e.time)) == b, "entry in the wrong bucket")
                total += 1
                switch state(Int(e.slot)) {
                case EventQueue.pending: pending += 1
                case EventQueue.cancelled: cancelled += 1
                default: preconditionFailure("entry points at a free slot")
                }
            }
        }
        precondition(total == stored, "stored count drifted")
        precondition(cancelled == cancelledInHeap, "cancelled count drifted")
        precondition(pending + cancelled + freeSlots.count == generations.count, "slot leak")
        for j in 0..<freeSlots.count { precondition(state(Int(freeSlots[j])) == EventQueue.free, "a free-listed slot is in use") }
    }
}
