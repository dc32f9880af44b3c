/// Buffers of event-list entries given back by drained buckets, kept by size for buckets
/// that grow: in a steady state the buckets take turns holding most events, and handing one
/// the buffer another gave back avoids an allocation per refill. Size class c holds buffers
/// of 16·2^c entries, at most `depth` of them; the pool never holds more room than the limit
/// it is given back with (the pending count), so it costs at most that much memory.
struct BufferPool: ~Copyable {
    typealias Entry = EventQueue.Entry
    static let classes = 40, depth = 8

    private let slots: UnsafeMutablePointer<UnsafeMutablePointer<Entry>?>
    private let counts: UnsafeMutablePointer<Int>
    /// Entries the pooled buffers hold room for.
    private(set) var room = 0

    init() {
        slots = .allocate(capacity: BufferPool.classes * BufferPool.depth)
        slots.initialize(repeating: nil, count: BufferPool.classes * BufferPool.depth)
        counts = .allocate(capacity: BufferPool.classes)
        counts.initialize(repeating: 0, count: BufferPool.classes)
    }

    deinit {
        for c in 0..<BufferPool.classes {
            for j in 0..<counts[c] { slots[c * BufferPool.depth + j]?.deallocate() }
        }
        slots.deallocate()
        counts.deallocate()
    }

    private static func sizeClass(_ n: Int) -> Int { (n >> 4).trailingZeroBitCount }

    /// A pooled buffer of `n` (16·2^c) entries, or nil: the caller allocates.
    mutating func take(_ n: Int) -> UnsafeMutablePointer<Entry>? {
        let c = BufferPool.sizeClass(n)
        guard counts[c] > 0 else { return nil }
        counts[c] -= 1
        room -= n
        return slots[c * BufferPool.depth + counts[c]]
    }

    /// Keeps `buffer` of `n` entries while the pool holds room for at most `limit` entries
    /// and its class has a free place; frees it otherwise.
    mutating func giveBack(_ buffer: UnsafeMutablePointer<Entry>, _ n: Int, limit: Int) {
        let c = BufferPool.sizeClass(n)
        if counts[c] < BufferPool.depth && room + n <= limit {
            slots[c * BufferPool.depth + counts[c]] = buffer
            counts[c] += 1
            room += n
        } else {
            buffer.deallocate()
        }
    }
}

/// The event list's bucket buffers: appends, doubling through the pool.
extension EventQueue {
    /// A buffer for `n` entries: from the pool if it has one, else allocated.
    mutating func takeBuffer(_ n: Int) -> UnsafeMutablePointer<Entry> {
        if let buffer = pool.take(n) { return buffer }
        bufferAllocations += 1
        return .allocate(capacity: n)
    }

    /// Gives back a buffer of `n` entries: pooled up to the pending count's worth, else freed.
    mutating func giveBack(_ buffer: UnsafeMutablePointer<Entry>, _ n: Int) {
        pool.giveBack(buffer, n, limit: Swift.max(stored, 4096))
    }

    /// Appends to bucket `i`, its buffer doubled when full (from the pool if it can).
    @inline(__always)
    mutating func append(_ e: Entry, to i: Int) {
        let b = buckets + i
        if b.pointee.count == b.pointee.capacity { grow(b) }
        b.pointee.base![b.pointee.count] = e
        b.pointee.count += 1
    }

    /// Doubles bucket `b`'s buffer (16 entries at first), keeping its entries.
    mutating func grow(_ b: UnsafeMutablePointer<Bucket>) {
        let old = b.pointee.capacity
        let n = Swift.max(16, old * 2)
        let fresh = takeBuffer(n)
        if let base = b.pointee.base {
            fresh.update(from: base, count: b.pointee.count)
            giveBack(base, old)
        }
        b.pointee.base = fresh; b.pointee.capacity = n
        bucketCapacity += n - old
    }
}
