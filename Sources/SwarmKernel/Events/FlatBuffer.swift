#if canImport(Glibc)
import Glibc
#endif

/// A growable array of trivial values in one cache-line-aligned allocation, without
/// copy-on-write, uniqueness or (in release builds) bounds checks: the storage under the
/// event list's hot loops. Non-copyable, so two owners can never alias one buffer.
struct FlatBuffer<Element: BitwiseCopyable>: ~Copyable {
    var base: UnsafeMutablePointer<Element>
    var count: Int
    var capacity: Int
    init(capacity: Int = 16) {
        self.count = 0
        self.capacity = Swift.max(capacity, 16)
        self.base = FlatBuffer.allocate(self.capacity)
    }

    deinit { UnsafeMutableRawPointer(base).deallocate() }

    static func allocate(_ n: Int) -> UnsafeMutablePointer<Element> {
        let bytes = n * MemoryLayout<Element>.stride
        let raw = UnsafeMutableRawPointer.allocate(byteCount: bytes, alignment: 64)
        #if canImport(Glibc)
        // Large event lists are walked at random: ask for transparent huge pages so a sift
        // costs cache misses, not TLB misses too (a hint; ignored where THP is off).
        if bytes >= 4 << 20 {
            let page = 4096
            let start = (Int(bitPattern: raw) + page - 1) & ~(page - 1)
            let end = (Int(bitPattern: raw) + bytes) & ~(page - 1)
            if end > start { _ = madvise(UnsafeMutableRawPointer(bitPattern: start), end - start, MADV_HUGEPAGE) }
        }
        #endif
        return raw.bindMemory(to: Element.self, capacity: n)
    }

    /// The element at `i`.
    subscript(i: Int) -> Element {
        get { assert(i >= 0 && i < count, "FlatBuffer index out of range"); return base[i] }
        nonmutating set { assert(i >= 0 && i < count, "FlatBuffer index out of range"); base[i] = newValue }
    }

    /// A pointer to element 0.
    var start: UnsafeMutablePointer<Element> { base }

    mutating func append(_ e: Element) {
        if count == capacity { grow(to: capacity * 2) }
        base[count] = e
        count += 1
    }

    mutating func removeLast() -> Element {
        assert(count > 0, "removeLast on an empty FlatBuffer")
        count -= 1
        return base[count]
    }

    mutating func reserve(_ n: Int) { if n > capacity { grow(to: n) } }

    mutating func grow(to n: Int) {
        let fresh = FlatBuffer.allocate(n)
        fresh.update(from: base, count: count)
        UnsafeMutableRawPointer(base).deallocate()
        base = fresh
        capacity = n
    }
}
