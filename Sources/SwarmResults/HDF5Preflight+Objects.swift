/// The walk of `HDF5Preflight` through the superblock, symbol tables, object headers and
/// attribute messages (HDF5 file format specification, version 2.0: §II.A superblock,
/// §III.A.1 B-tree v1, §III.B symbol table node, §III.D local heap, §IV.A.1.a object header
/// v1, §IV.A.2 messages). Only the parts HDF5 1.10 reads without checking are checked; what
/// the library refuses by itself (an unknown version, a read past the end of the file) is
/// left to it.
struct HDF5Walk {
    let bytes: UnsafeRawBufferPointer
    let path: String
    /// Global heap collections found by `HDF5Preflight`: address → (object index → size).
    let collections: [Int: [Int: UInt64]]
    var leafK = 4, internalK = 16
    var visitedHeaders: Set<Int> = []
    var visitedNodes: Set<Int> = []
    /// Object headers still to walk. Each header and node is walked once (a file made of
    /// cycles ends), so the walk is bounded by the file's size.
    var pending: [Int] = []

    func fail(_ at: Int, _ what: String) -> ResultsError {
        ResultsError("\(path): byte \(at): \(what): the file is corrupt")
    }
    func u16(_ at: Int) -> Int { Int(bytes[at]) | Int(bytes[at + 1]) << 8 }
    func u32(_ at: Int) -> Int { u16(at) | u16(at + 2) << 16 }
    func u64(_ at: Int) -> UInt64 { HDF5Preflight.u64(bytes, at) }
    /// An address or length read from the file, as an offset when it lies inside the file.
    func inside(_ v: UInt64) -> Int? { v < UInt64(bytes.count) ? Int(v) : nil }
    func signature(_ at: Int, _ s: StaticString) -> Bool {
        guard at >= 0, at + 4 <= bytes.count else { return false }
        let p = s.utf8Start
        return (0..<4).allSatisfy { bytes[at + $0] == p[$0] }
    }

    mutating func run() throws(ResultsError) {
        // The superblock is at 0, 512, 1024, 2048, …; Swarmlab's files have it at 0.
        var base = 0
        while base + 8 <= bytes.count, !(bytes[base] == 0x89 && bytes[base + 1] == 0x48 && bytes[base + 2] == 0x44 && bytes[base + 3] == 0x46) {
            base = base == 0 ? 512 : base * 2
        }
        guard base + 96 <= bytes.count else { return }
        let version = Int(bytes[base + 8])
        guard version <= 1 else { return }   // 2 and 3 carry a checksum
        guard bytes[base + 13] == 8, bytes[base + 14] == 8 else {
            throw fail(base + 13, "the superblock gives \(bytes[base + 13])-byte addresses and \(bytes[base + 14])-byte lengths; Swarmlab's files use 8 and 8")
        }
        leafK = u16(base + 16)
        internalK = u16(base + 18)
        guard leafK > 0, internalK > 0 else {
            throw fail(base + 16, "the superblock gives group B-tree ranks \(leafK) (leaf) and \(internalK) (internal); both must be positive")
        }
        // Version 1 adds the indexed-storage rank and 2 reserved bytes before the addresses.
        let addresses = base + 24 + (version == 1 ? 4 : 0)
        let root = addresses + 32   // base, free space, end of file, driver information
        guard root + 40 <= bytes.count else { return }
        try entry(at: root, heap: nil)
        while let header = pending.popLast() { try objectHeader(at: header) }
    }

    /// A symbol table entry (40 bytes): link name offset, object header address, cache type,
    /// reserved, scratch (for cache type 1: the group's B-tree and local heap, which HDF5 may use).
    mutating func entry(at e: Int, heap: (data: Int, size: Int)?) throws(ResultsError) {
        if let heap { try name(at: Int(clamping: u64(e)), in: heap, entry: e) }
        let address = u64(e + 8)
        guard let header = inside(address) else {
            throw fail(e + 8, "a symbol table entry points at byte \(address), past the end of the file (\(bytes.count) bytes)")
        }
        if !visitedHeaders.contains(header) { visitedHeaders.insert(header); pending.append(header) }
        if u32(e + 16) == 1 { try group(tree: u64(e + 24), heap: u64(e + 32), at: e + 24) }
    }

    /// A link name: a NUL-terminated string at `offset` in the local heap's data segment.
    func name(at offset: Int, in heap: (data: Int, size: Int), entry: Int) throws(ResultsError) {
        guard offset < heap.size, (heap.data + offset..<heap.data + heap.size).contains(where: { bytes[$0] == 0 }) else {
            throw fail(entry, "a link name at offset \(offset) of the local heap at byte \(heap.data) is not a string inside its \(heap.size) bytes")
        }
    }

    /// A group: its local heap, then its B-tree of symbol nodes.
    mutating func group(tree: UInt64, heap: UInt64, at message: Int) throws(ResultsError) {
        guard let h = inside(heap), h + 32 <= bytes.count, signature(h, "HEAP") else {
            throw fail(message, "a group's local heap address \(heap) does not lead to a local heap")
        }
        let size = u64(h + 8), data = u64(h + 24)
        guard let d = inside(data), size <= UInt64(bytes.count - d) else {
            throw fail(h, "the local heap claims \(size) bytes at byte \(data), past the end of the file (\(bytes.count) bytes)")
        }
        try node(at: tree, heap: (d, Int(size)), from: message, depth: 0)
    }

    /// A group B-tree node (`TREE`, type 0): children are nodes one level down, or symbol
    /// nodes at level 0; keys are name offsets in the group's local heap.
    mutating func node(at address: UInt64, heap: (data: Int, size: Int), from: Int, depth: Int) throws(ResultsError) {
        guard let n = inside(address), n + 24 <= bytes.count, signature(n, "TREE") else {
            throw fail(from, "a group's B-tree address \(address) does not lead to a B-tree node")
        }
        guard visitedNodes.insert(n).inserted else { return }
        let type = Int(bytes[n + 4]), level = Int(bytes[n + 5]), used = u16(n + 6)
        guard type == 0 else { throw fail(n + 4, "a group's B-tree node has type \(type), not 0 (group)") }
        guard used <= 2 * internalK, level < 64, depth < 64 else {
            throw fail(n + 6, "a group's B-tree node at level \(level) holds \(used) children; the superblock allows \(2 * internalK)")
        }
        guard n + 24 + 8 + used * 16 <= bytes.count else {
            throw fail(n, "a group's B-tree node of \(used) children runs past the end of the file")
        }
        for i in 0...used {
            let key = u64(n + 24 + i * 16)
            guard key < UInt64(max(heap.size, 1)) else {
                throw fail(n + 24 + i * 16, "a B-tree key names offset \(key) of a local heap of \(heap.size) bytes")
            }
        }
        for i in 0..<used {
            let child = u64(n + 32 + i * 16)
            if level > 0 {
                try node(at: child, heap: heap, from: n + 32 + i * 16, depth: depth + 1)
            } else {
                try symbols(at: child, heap: heap, from: n + 32 + i * 16)
            }
        }
    }

    /// A symbol node (`SNOD`): up to 2 × leaf rank entries.
    mutating func symbols(at address: UInt64, heap: (data: Int, size: Int), from: Int) throws(ResultsError) {
        guard let s = inside(address), s + 8 <= bytes.count, signature(s, "SNOD") else {
            throw fail(from, "a group's B-tree child \(address) does not lead to a symbol node")
        }
        guard visitedNodes.insert(s).inserted else { return }
        let count = u16(s + 6)
        guard count <= 2 * leafK, s + 8 + count * 40 <= bytes.count else {
            throw fail(s + 6, "a symbol node holds \(count) entries; the superblock allows \(2 * leafK) and the file has room for \((bytes.count - s - 8) / 40)")
        }
        for i in 0..<count { try entry(at: s + 8 + i * 40, heap: heap) }
    }

    /// Object header messages HDF5 1.10 decodes that Swarmlab never writes (§IV.A.2): external
    /// data files (HDF5 would open the files they name), bogus, object comment, old
    /// modification time, shared message table, B-tree 'K' values (superblock extension
    /// only), driver info, file space info. Types unknown to HDF5 it keeps undecoded, so they
    /// pass.
    static let unwrittenMessages: [Int: String] = [
        0x07: "external data files", 0x09: "bogus", 0x0D: "object comment", 0x0E: "old modification time",
        0x0F: "shared message table", 0x13: "B-tree 'K' values", 0x14: "driver info", 0x17: "file space info",
    ]

    /// An object header, version 1: version, reserved, message count (2), reference count (4),
    /// size of the first chunk (4), padding to 16; messages of type (2), size (2), flags (1),
    /// reserved (3) and data; continuation messages add chunks.
    mutating func objectHeader(at h: Int) throws(ResultsError) {
        guard h + 16 <= bytes.count else {
            throw fail(h, "an object header starts \(bytes.count - h) bytes before the end of the file")
        }
        guard bytes[h] == 1 else { return }   // version 2 ("OHDR") has a checksum; others HDF5 refuses
        var chunks = [(start: h + 16, size: UInt64(u32(h + 8)), from: h + 8)]
        var seen: Set<Int> = [h + 16]
        // A table's element count, element size and compact data, checked together at the end.
        var elements: UInt64?, elementSize: UInt64?, compact: (size: UInt64, at: Int)?, fill: (size: UInt64, at: Int)?
        var chunked: Chunking?, filtered = false
        var i = 0
        while i < chunks.count {
            let (start, size, from) = chunks[i]
            i += 1
            guard size <= UInt64(bytes.count - start) else {
                throw fail(from, "the object header at byte \(h) claims a chunk of \(size) bytes at byte \(start), past the end of the file (\(bytes.count) bytes)")
            }
            let end = start + Int(size)
            var p = start
            while p + 8 <= end {
                let type = u16(p), length = u16(p + 2), flags = Int(bytes[p + 4])
                let data = p + 8
                guard length <= end - data else {
                    throw fail(p, "a message of type \(type) in the object header at byte \(h) claims \(length) bytes; its chunk ends \(end - data) bytes on")
                }
                switch type {
                case 0x10 where length >= 16:   // continuation
                    let address = u64(data), more = u64(data + 8)
                    guard let c = inside(address) else {
                        throw fail(data, "the object header at byte \(h) continues at byte \(address), past the end of the file (\(bytes.count) bytes)")
                    }
                    guard chunks.count < 1024 else { throw fail(data, "the object header at byte \(h) has more than 1024 chunks") }
                    if seen.insert(c).inserted { chunks.append((c, more, data)) }
                case 0x11 where length >= 16:   // symbol table: a group
                    try group(tree: u64(data), heap: u64(data + 8), at: data)
                case 0x10, 0x11:
                    // HDF5 1.10 decodes an address and a length (or two addresses) whatever the
                    // message's size: a shorter one made it read the next message's bytes as the
                    // continuation's length and allocate 253 GB.
                    throw fail(p, "a \(type == 0x10 ? "continuation" : "symbol table") message in the object header at byte \(h) is \(length) bytes long; it needs 16")
                case 0x03:   // a dataset's datatype (a named datatype's, too)
                    if flags & 0x02 == 0 { try datatype(at: data, end: data + length, of: "the object at byte \(h)") }
                    if length >= 8 { elementSize = UInt64(u32(data + 4)) }
                case 0x08:   // a dataset's layout
                    (chunked, compact) = try layout(at: data, length: length, header: h)
                case 0x04, 0x05:   // a dataset's fill value (old and new messages)
                    fill = try fillValue(at: data, length: length, type: type, header: h)
                case 0x01:   // a dataset's dataspace
                    elements = try dataspace(at: data, length: length, flags: flags, header: h)
                case 0x0B:   // a dataset's filter pipeline
                    try filterPipeline(at: data, length: length, flags: flags, header: h)
                    filtered = length >= 2 && bytes[data + 1] > 0
                case 0x0C:
                    if flags & 0x02 != 0 { throw fail(p, "an attribute in the object header at byte \(h) is a shared message, which Swarmlab never writes") }
                    try attribute(at: data, length: length, header: h)
                case let other where Self.unwrittenMessages[other] != nil:
                    throw fail(p, "the object header at byte \(h) holds a message of type \(other) (\(Self.unwrittenMessages[other]!)), which Swarmlab never writes")
                default:
                    break
                }
                p = data + length
            }
        }
        // HDF5 1.10 copies a compact table's rows out of its stored data without checking that
        // the data holds them all (a heap-buffer-overflow in H5Dread, found by the fuzzer).
        // Nor that a fill value is one element: it copies the fill value over the rows no chunk
        // holds, an element's size at a time (a heap-buffer-overflow in H5Dread; later HDF5
        // versions refuse the mismatch).
        if let f = fill, let e = elementSize, f.size != e {
            throw fail(f.at, "the table at byte \(h) has a fill value of \(f.size) bytes for elements of \(e) bytes")
        }
        // A chunk's last dimension is its element's size: HDF5 1.10 sizes its buffers by one and
        // copies by the other (a compound grown from 16 to 1040 bytes in chunks of 16-byte
        // elements was a heap-buffer-overflow in H5Dread under merge).
        if let c = chunked, let e = elementSize, c.element != e {
            throw fail(c.elementAt, "the layout of the table at byte \(h) gives chunks of \(c.element)-byte elements; its datatype's elements are \(e) bytes")
        }
        if let c = chunked, c.tree != UInt64.max {   // undefined address: no chunk written yet
            try chunkTree(at: c.tree, rank: c.rank, chunkBytes: c.bytes, filtered: filtered, from: c.at, header: h)
        }
        if let c = compact, let n = elements, let e = elementSize {
            let (need, overflow) = n.multipliedReportingOverflow(by: e)
            guard !overflow, need <= c.size else {
                throw fail(c.at, "the table at byte \(h) stores \(c.size) bytes of compact data for \(n) elements of \(e) bytes")
            }
        }
    }

    /// A fill value message (§IV.A.2.e, .f): the old one (type 4) is its size (4) and value;
    /// the new one (type 5), version 1 or 2, has allocation time, write time, defined (1 each),
    /// then size and value (version 2: only when defined); version 3 a flags byte, then size and
    /// value when flag 0x20 is set. Returns the value's size and where it is given (nil: none);
    /// a value past its message is refused.
    func fillValue(at f: Int, length: Int, type: Int, header: Int) throws(ResultsError) -> (size: UInt64, at: Int)? {
        let sizeAt: Int
        if type == 0x04 {
            sizeAt = f
        } else {
            guard length >= 1 else { return nil }
            switch bytes[f] {
            case 1: sizeAt = f + 4
            case 2:
                guard length >= 4, bytes[f + 3] != 0 else { return nil }
                sizeAt = f + 4
            case 3:
                guard length >= 2, bytes[f + 1] & 0x20 != 0 else { return nil }
                sizeAt = f + 2
            default: return nil   // HDF5 refuses other versions
            }
        }
        guard sizeAt + 4 <= f + length else {
            throw fail(f, "the fill value of the table at byte \(header) has no room for its size in a message of \(length) bytes")
        }
        let size = UInt64(u32(sizeAt))
        guard size <= UInt64(f + length - sizeAt - 4) else {
            throw fail(sizeAt, "the fill value of the table at byte \(header) claims \(size) bytes, past the end of its message")
        }
        return size == 0 ? nil : (size, sizeAt)
    }

    /// A chunked table's layout: its chunk B-tree, the number of chunk dimensions (the last
    /// one the element's size), a chunk's bytes, and where the B-tree address and the element's
    /// size are given.
    typealias Chunking = (tree: UInt64, rank: Int, bytes: UInt64, at: Int, element: UInt64, elementAt: Int)

    /// The largest chunk read: `ResultsFile` writes chunks of about 1 MiB (1,024 rows at least).
    static let maxChunkBytes: UInt64 = 64 << 20

    /// A layout message, version 3 (§IV.A.2.i): compact data inside the message; chunk
    /// dimensions of at least 1 (HDF5 divides by them; 1.10.8 refuses a 0 itself, with a less
    /// precise message), at most 32 + 1, and a chunk (their product, the last dimension being
    /// the element's size) of at most `maxChunkBytes`.
    /// Returns the chunking of a chunked table, or the size of a compact table's data and
    /// where it is given.
    func layout(at l: Int, length: Int, header: Int) throws(ResultsError) -> (chunked: Chunking?, compact: (size: UInt64, at: Int)?) {
        let where_ = "the layout of the table at byte \(header)"
        guard length >= 2 else { throw fail(l, "\(where_) is \(length) bytes long") }
        // Versions 1 and 2 are HDF5 1.6's, never written here; 1.10 decodes them on other
        // rules (a version 2 made it divide by a chunk size of 0).
        guard bytes[l] == 3 else { throw fail(l, "\(where_) has version \(bytes[l]); Swarmlab writes version 3") }
        switch bytes[l + 1] {
        case 0:   // compact: size (2) and the data
            guard length >= 4, 4 + u16(l + 2) <= length else { throw fail(l, "\(where_) holds more compact data than its message") }
            return (nil, (UInt64(u16(l + 2)), l + 2))
        case 2:   // chunked: rank, B-tree address, sizes (4 bytes each; the last is the element's)
            let rank = length >= 3 ? Int(bytes[l + 2]) : 0
            guard (2...33).contains(rank), 11 + 4 * rank <= length else {
                throw fail(l, "\(where_) gives chunks \(rank) dimensions in a message of \(length) bytes")
            }
            var chunkBytes: UInt64 = 1
            for d in 0..<rank {
                let size = UInt64(u32(l + 11 + 4 * d))
                guard size > 0 else { throw fail(l + 11 + 4 * d, "\(where_) gives chunk dimension \(d) size 0") }
                let (product, overflow) = chunkBytes.multipliedReportingOverflow(by: size)
                chunkBytes = overflow ? .max : product
            }
            // HDF5 allocates a whole chunk to read any row of it (a 3 GB chunk took 3 GB and
            // minutes for `inspect`); Swarmlab writes chunks of about 1 MiB.
            guard chunkBytes <= Self.maxChunkBytes else {
                throw fail(l + 11, "\(where_) gives chunks of \(chunkBytes) bytes; Swarmlab writes chunks of about 1 MiB, and reads none over \(Self.maxChunkBytes >> 20) MiB")
            }
            let element = l + 11 + 4 * (rank - 1)
            return ((u64(l + 3), rank, chunkBytes, l + 3, UInt64(u32(element)), element), nil)
        default:
            break
        }
        return (nil, nil)
    }

    /// A table's chunk B-tree (`TREE`, type 1): keys of the stored size (4), filter mask (4)
    /// and `rank` offsets (8 each); children are nodes one level down, or chunks at level 0.
    /// HDF5 1.10 reads a chunk of its stored size and, with no filter to undo, copies a whole
    /// chunk's rows out of it: an unfiltered chunk must be stored at its full size (a shorter
    /// one was a heap-buffer-overflow in H5Dread), and every chunk must lie inside the file.
    mutating func chunkTree(at address: UInt64, rank: Int, chunkBytes: UInt64, filtered: Bool,
                            from: Int, header: Int, depth: Int = 0) throws(ResultsError) {
        let where_ = "the chunk B-tree of the table at byte \(header)"
        guard let n = inside(address), n + 24 <= bytes.count, signature(n, "TREE") else {
            throw fail(from, "\(where_): address \(address) does not lead to a B-tree node")
        }
        guard visitedNodes.insert(n).inserted else { return }
        let type = Int(bytes[n + 4]), level = Int(bytes[n + 5]), used = u16(n + 6)
        guard type == 1 else { throw fail(n + 4, "\(where_): a node has type \(type), not 1 (chunks)") }
        let keySize = 8 + 8 * rank
        guard used <= 1024, level < 64, depth < 64, n + 24 + used * (keySize + 8) + keySize <= bytes.count else {
            throw fail(n + 6, "\(where_): a node at level \(level) holds \(used) children, past the end of the file or past 1,024")
        }
        for i in 0..<used {
            let key = n + 24 + i * (keySize + 8), child = u64(key + keySize)
            if level > 0 {
                try chunkTree(at: child, rank: rank, chunkBytes: chunkBytes, filtered: filtered, from: key + keySize, header: header, depth: depth + 1)
                continue
            }
            let stored = UInt64(u32(key))
            guard let c = inside(child), stored <= UInt64(bytes.count - c) else {
                throw fail(key + keySize, "\(where_): a chunk of \(stored) bytes at byte \(child) runs past the end of the file (\(bytes.count) bytes)")
            }
            guard filtered || stored == chunkBytes else {
                throw fail(key, "\(where_): an unfiltered chunk is stored in \(stored) bytes; a chunk is \(chunkBytes)")
            }
        }
    }
}
