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

/// The future-event list: a 4-ary min-heap of 16-byte entries ordered by (time, sequence).
///
/// - The heap holds only `(time, order)` pairs, `order = sequence << 28 | slot`; the kind and
///   target live in a slot table, so sift loops move 16 bytes per step. A 4-ary heap halves
///   the depth of a binary one and keeps the four children on one cache line; LaMarca and
///   Ladner (1996, "The influence of caches on the performance of heaps") measured the gain.
/// - Ties are broken by `sequence`, the insertion count: equal-time events run in the order
///   they were scheduled, on every machine.
/// - Cancellation marks the slot (O(1)); the heap entry is skipped when it surfaces, and the
///   heap is compacted when cancelled entries outnumber live ones.
/// - Nothing is allocated per event once the arrays have grown to the peak pending count.
///
/// - Complexity: `push` and `pop` are O(log₄ n); `cancel` is O(1).
public struct EventQueue: ~Copyable {
    /// One heap entry as a single 128-bit key, (time with its sign bit flipped) << 64 |
    /// order, so that (time, order) order is one unsigned compare the compiler can turn into
    /// branch-free selects: the child to follow is unpredictable, a branch would miss half
    /// the time.
    struct Entry: BitwiseCopyable {
        var key: UInt128
        init(time: Int64, order: UInt64) {
            key = UInt128(UInt64(bitPattern: time) ^ (1 << 63)) << 64 | UInt128(order)
        }
        var time: Int64 { Int64(bitPattern: UInt64(truncatingIfNeeded: key >> 64) ^ (1 << 63)) }
        var order: UInt64 { UInt64(truncatingIfNeeded: key) }
        func precedes(_ o: Entry) -> Bool { key < o.key }
    }

    struct Slot: BitwiseCopyable {
        var kind: UInt32
        var target: UInt32
        var generation: UInt32
        var state: UInt32   // 0 free, 1 pending, 2 cancelled
        init(kind: UInt32, target: UInt32, generation: UInt32, state: UInt32) {
            self.kind = kind; self.target = target; self.generation = generation; self.state = state
        }
    }

    /// log₂ of the heap's arity (children per node); `siftDown` is written for four.
    static let arityShift = 2
    static let slotBits: UInt64 = 28
    static let slotMask: UInt64 = (1 << slotBits) - 1
    /// Most events pending at once (2²⁸ ≈ 268 million).
    public static let maxPending = Int(slotMask) + 1
    /// Most events one run may schedule (2³⁶ ≈ 68.7 billion).
    public static let maxScheduled: UInt64 = 1 << (64 - slotBits)

    /// Heap entries; 3 leading pads put the children 4k+1…4k+4 of every node on one
    /// 64-byte line.
    var heap = FlatBuffer<Entry>(leading: 3)
    var slots = FlatBuffer<Slot>()
    var freeSlots = FlatBuffer<UInt32>()
    var nextSequence: UInt64 = 0
    var cancelledInHeap = 0
    /// The new root's slot state, read right after each pop: a software prefetch, so the
    /// slot's cache miss overlaps the handler's work instead of the next pop's.
    var prefetchSink: UInt32 = 0

    public init() {}

    /// Reserves room for `n` pending events so that growing to them allocates once.
    public mutating func reserveCapacity(_ n: Int) {
        heap.reserve(n); slots.reserve(n); freeSlots.reserve(n)
    }

    /// Events scheduled and not yet run or cancelled.
    public var count: Int { heap.count - cancelledInHeap }
    public var isEmpty: Bool { count == 0 }
    /// Heap entries including cancelled ones not yet dropped (for memory accounting).
    public var storedCount: Int { heap.count }

    /// Schedules an event; `time` may be any instant (the run loop checks causality).
    @discardableResult
    public mutating func push(time: SimTime, kind: EventKind, target: UInt32) -> EventHandle {
        let slot: UInt32
        if freeSlots.count > 0 {
            slot = freeSlots.removeLast()
            let p = slots.start + Int(slot)
            p.pointee = Slot(kind: kind.rawValue, target: target, generation: p.pointee.generation &+ 1, state: 1)
        } else {
            precondition(slots.count < EventQueue.maxPending, "more than \(EventQueue.maxPending) events pending")
            slot = UInt32(slots.count)
            slots.append(Slot(kind: kind.rawValue, target: target, generation: 0, state: 1))
        }
        precondition(nextSequence < EventQueue.maxScheduled, "more than 2^36 events scheduled in one run")
        let entry = Entry(time: time.ticks, order: nextSequence << EventQueue.slotBits | UInt64(slot))
        nextSequence &+= 1
        heap.append(entry)
        siftUp(from: heap.count - 1, entry)
        return EventHandle(slot: slot, generation: slots[Int(slot)].generation)
    }

    /// Cancels a pending event. Returns false if it already ran or was already cancelled.
    @discardableResult
    public mutating func cancel(_ handle: EventHandle) -> Bool {
        let i = Int(handle.slot)
        guard i < slots.count, slots[i].generation == handle.generation, slots[i].state == 1 else { return false }
        slots.start[i].state = 2
        cancelledInHeap += 1
        if cancelledInHeap > 1024 && cancelledInHeap * 2 > heap.count { compact() }
        return true
    }

    /// True while the event named by `handle` is pending.
    public func isPending(_ handle: EventHandle) -> Bool {
        let i = Int(handle.slot)
        return i < slots.count && slots[i].generation == handle.generation && slots[i].state == 1
    }

    /// The time of the earliest pending event, if any.
    public mutating func peekTime() -> SimTime? {
        dropCancelledTop()
        return heap.count == 0 ? nil : SimTime(ticks: heap[0].time)
    }

    /// Removes and returns the earliest pending event.
    public mutating func pop() -> Event? { pop(notAfter: .distantFuture) }

    /// Removes and returns the earliest pending event if it is due at or before `limit`.
    public mutating func pop(notAfter limit: SimTime) -> Event? {
        while heap.count > 0, heap[0].time <= limit.ticks {
            let top = popEntry()
            let i = Int(top.order & EventQueue.slotMask)
            let slot = slots[i]
            slots.start[i].state = 0
            freeSlots.append(UInt32(i))
            if slot.state == 1 {
                return Event(time: SimTime(ticks: top.time), kind: EventKind(rawValue: slot.kind), target: slot.target)
            }
            cancelledInHeap -= 1
        }
        return nil
    }

    // MARK: heap internals

    mutating func dropCancelledTop() {
        while heap.count > 0, slots[Int(heap[0].order & EventQueue.slotMask)].state == 2 {
            let top = popEntry()
            let i = Int(top.order & EventQueue.slotMask)
            slots.start[i].state = 0
            freeSlots.append(UInt32(i))
            cancelledInHeap -= 1
        }
    }

    /// Removes the root; the heap must not be empty.
    mutating func popEntry() -> Entry {
        let last = heap.removeLast()
        if heap.count == 0 { return last }
        let top = heap[0]
        siftDown(from: 0, last)
        prefetchSink = slots[Int(heap[0].order & EventQueue.slotMask)].state
        return top
    }

    /// Moves a hole up from `index` until `entry` fits, then writes it once.
    mutating func siftUp(from index: Int, _ entry: Entry) {
        do {
            let h = heap.start
            var hole = index
            while hole > 0 {
                let parent = (hole - 1) >> EventQueue.arityShift
                let p = h[parent]
                guard entry.precedes(p) else { break }
                h[hole] = p
                hole = parent
            }
            h[hole] = entry
        }
    }

    /// Moves a hole down from `index` to where `entry` belongs, then writes it once.
    /// A node with all four children picks the least by a two-round tournament of
    /// branch-free selects (the winner is unpredictable; a branch would mispredict often).
    mutating func siftDown(from index: Int, _ entry: Entry) {
        let h = heap.start
        let n = heap.count
        var hole = index
        while true {
            let first = hole << EventQueue.arityShift + 1
            var best: Int
            var bestEntry: Entry
            if first + 3 < n {
                let e0 = h[first], e1 = h[first + 1], e2 = h[first + 2], e3 = h[first + 3]
                let b01 = e1.key < e0.key, b23 = e3.key < e2.key
                let i01 = b01 ? first + 1 : first, i23 = b23 ? first + 3 : first + 2
                let m01 = b01 ? e1 : e0, m23 = b23 ? e3 : e2
                let right = m23.key < m01.key
                best = right ? i23 : i01
                bestEntry = right ? m23 : m01
            } else if first < n {
                best = first
                bestEntry = h[first]
                var c = first + 1
                while c < n {
                    if h[c].key < bestEntry.key { best = c; bestEntry = h[c] }
                    c += 1
                }
            } else {
                break
            }
            guard bestEntry.key < entry.key else { break }
            h[hole] = bestEntry
            hole = best
        }
        h[hole] = entry
    }

    /// Drops cancelled entries and rebuilds the heap in O(n).
    mutating func compact() {
        var kept = 0
        for j in 0..<heap.count {
            let e = heap[j]
            let i = Int(e.order & EventQueue.slotMask)
            if slots[i].state == 2 {
                slots.start[i].state = 0
                freeSlots.append(UInt32(i))
            } else {
                heap.start[kept] = e
                kept += 1
            }
        }
        heap.count = kept
        cancelledInHeap = 0
        var i = (kept - 2) >> EventQueue.arityShift
        while i >= 0 { siftDown(from: i, heap[i]); i -= 1 }
    }

    /// Checks the heap order and the slot bookkeeping; for tests (O(n)).
    public func checkInvariants() {
        for i in 1..<max(heap.count, 1) {
            precondition(!heap[i].precedes(heap[(i - 1) >> EventQueue.arityShift]), "heap order violated at \(i)")
        }
        var pending = 0, cancelled = 0
        for j in 0..<heap.count {
            let e = heap[j]
            switch slots[Int(e.order & EventQueue.slotMask)].state {
            case 1: pending += 1
            case 2: cancelled += 1
            default: preconditionFailure("heap entry points at a free slot")
            }
        }
        precondition(cancelled == cancelledInHeap, "cancelled count drifted")
        precondition(pending + cancelled + freeSlots.count == slots.count, "slot leak")
    }
}
