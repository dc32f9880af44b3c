internal import CKernelSupport

/// Cache hints: where the model state an event's handler reads lives, per kind, fetched
/// into the cache a few events before it runs (`EventQueue`'s refill and pop) or when a
/// model asks. Addresses only, never read through: results never depend on them.
extension EventQueue {
    /// A hint for the events of `kind`: their handler reads `stride` bytes at `base + target ×
    /// stride` (a model's per-device record). The queue fetches that line into the cache when
    /// the event is a few events from running. `base` is only an address, never read through
    /// by the queue: a stale one (the array moved) costs a useless fetch, nothing else.
    public mutating func setPrefetch(kind: EventKind, base: UnsafeRawPointer?, stride: Int) {
        precondition(stride >= 0, "prefetch stride must be ≥ 0")
        let k = hintList(kind)
        for i in 0..<EventQueue.hintsPerKind { hints.start[k + i] = Hint(base: 0, stride: 0) }
        if let base, stride > 0 { addPrefetch(kind: kind, base: base, stride: stride) }
    }

    /// One more record for `kind`'s events (`setPrefetch` keeps one and drops the others);
    /// returns false, adding nothing, when the kind already names `hintsPerKind`.
    @discardableResult
    public mutating func addPrefetch(kind: EventKind, base: UnsafeRawPointer, stride: Int) -> Bool {
        precondition(stride > 0, "prefetch stride must be > 0")
        let k = hintList(kind)
        for i in 0..<EventQueue.hintsPerKind where hints.start[k + i].stride == 0 {
            hints.start[k + i] = Hint(base: UInt(bitPattern: base), stride: UInt(stride))
            return true
        }
        return false
    }

    /// Where `kind`'s hints start in `hints`, made room for (empty) if the kind had none.
    mutating func hintList(_ kind: EventKind) -> Int {
        let k = Int(kind.rawValue) * EventQueue.hintsPerKind
        while hints.count < k + EventQueue.hintsPerKind { hints.append(Hint(base: 0, stride: 0)) }
        return k
    }

    /// Fetches the records `kind`'s hints name for `target`, as if an event of that kind on
    /// that target were about to run (a model about to touch them for another reason).
    public func prefetch(kind: EventKind, target: UInt32) {
        prefetchHints(kind: kind.rawValue, target: target)
    }

    @inline(__always)
    func prefetchHints(kind: UInt32, target: UInt32) {
        var k = Int(kind) &* EventQueue.hintsPerKind
        let end = Swift.min(k &+ EventQueue.hintsPerKind, hints.count)
        while k < end {
            let h = hints.start[k]
            if h.stride == 0 { break }
            swarm_prefetch(UnsafeRawPointer(bitPattern: h.base &+ UInt(target) &* h.stride))
            k &+= 1
        }
    }

    /// Fetches what running `e` will touch: its slot's generation and state (the next push
    /// reuses the slot) and the kind's per-target records, if the model gave hints.
    @inline(__always)
    func prefetch(_ e: Entry) {
        swarm_prefetch(generations.start + Int(e.slot))
        swarm_prefetch(states.start + Int(e.slot >> 5))
        prefetchHints(kind: e.kind, target: e.target)
    }
}
