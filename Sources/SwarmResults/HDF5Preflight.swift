#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Checks the parts of an HDF5 file that HDF5 1.10 reads without checking, before the
/// library opens it.
///
/// The `results` fuzz target found HDF5 1.10 crashing, hanging or allocating gigabytes on
/// corrupt results files (Fuzz/regressions/results/, docs/reliability.md). Newer HDF5
/// releases check most of these; 1.10 (Debian 12's) does not. This walks what the library
/// would read, the same way it reads it, and refuses — naming the byte offset and what is
/// wrong — before any of it reaches the library:
///
/// - the global heap collections (`GCOL`, where variable-length strings live): a walk that
///   would not move forward (a free-space object of size 0: HDF5 looped forever) or leave the
///   collection;
/// - the superblock (versions 0 and 1, which carry no checksum): sizes of addresses and
///   lengths, the B-tree ranks, the root group's entry;
/// - every object header (version 1; version 2 carries a checksum) reachable from the root
///   group through the symbol tables (B-tree nodes, symbol nodes, local heaps): its size and
///   each message's size against the file and its chunk, continuation chunks, B-tree and
///   symbol-node entry counts against the ranks, link names inside their heap (a header of
///   4 GiB made `H5Fopen` allocate 4 GiB);
/// - every attribute message: its parts inside the message, its value's bytes (element count
///   × size) inside the message (HDF5 copies that many bytes), and every variable-length
///   element's global heap reference: a collection at that address holding that object index
///   with exactly the element's length (HDF5 1.10 reads an unused index, or copies a larger
///   object into a buffer of the element's length: crashes in `H5HG_read`). A shared
///   (committed) datatype or dataspace in an attribute, which Swarmlab never writes, is
///   refused too.
///
/// - every table's dataspace message (rank, sizes inside the message and under their
///   maximum) and filter pipeline message (at most 32 filters, only HDF5's own, names and
///   client values inside the message);
/// - the versions of attribute messages, datatypes and attribute dataspaces: HDF5 1.10
///   refuses another version, then crashes closing the half-built attribute.
/// - continuation and symbol table messages too short for what HDF5 decodes from them, and
///   message types HDF5 decodes but Swarmlab never writes (external files, driver info, …);
/// - every table's layout, fill value and chunk B-tree: chunks of at most 64 MiB, a fill
///   value of one element inside its message, compact data holding the rows, unfiltered
///   chunks stored at their full size, every chunk inside the file.
///
/// Formats this does not walk (superblock 2+, object header 2) are checksummed, so HDF5
/// itself refuses a corrupted one.
///
/// - Complexity: one `memchr` pass over the file (mapped, not read), then O(objects + messages).
enum HDF5Preflight {
    static func check(path: String) throws(ResultsError) {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { return }   // the HDF5 open names the problem
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0, st.st_size > 0 else { return }
        let size = Int(st.st_size)
        guard let map = mmap(nil, size, PROT_READ, MAP_PRIVATE, fd, 0), map != MAP_FAILED else { return }
        defer { munmap(map, size) }
        let bytes = UnsafeRawBufferPointer(start: map, count: size)
        var offset = 0
        var collections: [Int: [Int: UInt64]] = [:]
        // memchr for each `G`, then the other three letters (memmem is not in Glibc's module).
        while offset + 4 <= size, let hit = memchr(map + offset, 0x47, size - offset - 3) {
            let at = map.distance(to: hit)
            if bytes[at + 1] == 0x43 && bytes[at + 2] == 0x4F && bytes[at + 3] == 0x4C {   // "COL"
                if let objects = try collection(bytes, at: at, path: path) { collections[at] = objects }
            }
            offset = at + 1
        }
        var walk = HDF5Walk(bytes: bytes, path: path, collections: collections)
        try walk.run()
    }

    /// Walks the collection at `at`: signature, version, 3 reserved bytes, its size (8 bytes,
    /// little-endian), then objects of index (2), reference count (2), reserved (4), size (8)
    /// and data padded to 8 bytes; index 0 is the free space, whose size counts its header.
    /// Returns the collection's objects (index → size), nil for one HDF5 refuses by itself.
    static func collection(_ bytes: UnsafeRawBufferPointer, at start: Int, path: String) throws(ResultsError) -> [Int: UInt64]? {
        let header = 16, objectHeader = 16
        guard start + header <= bytes.count, bytes[start + 4] == 1 else { return nil }   // HDF5 refuses other versions
        let declared = u64(bytes, start + 8)
        guard declared <= UInt64(bytes.count - start) else { return nil }   // HDF5's read past the end fails
        var objects: [Int: UInt64] = [:]
        let end = start + Int(declared)
        var p = start + header
        while p < end {
            if p + objectHeader > end { break }   // too small for an object: free space
            let index = Int(bytes[p]) | Int(bytes[p + 1]) << 8
            let size = u64(bytes, p + 8)
            let need = index > 0 ? UInt64(objectHeader) &+ ((size &+ 7) & ~7) : size
            let object = "\(path): byte \(p): object \(index) of the HDF5 global heap collection at byte \(start)"
            guard need > 0 else {
                throw ResultsError("\(object) has size 0, where the next object would start: the file is corrupt (HDF5 1.10 loops forever on it)")
            }
            guard need <= UInt64(end - p) else {
                throw ResultsError("\(object) has size \(size), past the collection's end at byte \(end): the file is corrupt")
            }
            if index > 0 { objects[index] = size }
            p += Int(need)
        }
        return objects
    }

    static func u64(_ bytes: UnsafeRawBufferPointer, _ at: Int) -> UInt64 {
        var v: UInt64 = 0
        for i in (0..<8).reversed() { v = v << 8 | UInt64(bytes[at + i]) }
        return v
    }
}
