#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Checks a file's HDF5 global heap collections before the HDF5 library reads them.
///
/// Variable-length strings (the scenario text and other string attributes) live in global
/// heap collections (`GCOL`, HDF5 file format specification §III.E). HDF5 1.10 walks a
/// collection's objects by adding each object's size to its position; a free-space object
/// (index 0) of size 0 leaves the position where it was, and it loops forever — found by the
/// `results` fuzz target (Fuzz/regressions/results/). This walks every collection the same
/// way and refuses one whose walk would not move forward, naming the byte offset.
///
/// - Complexity: one `memchr` pass over the file (mapped, not read), then O(objects).
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
        // memchr for each `G`, then the other three letters (memmem is not in Glibc's module).
        while offset + 4 <= size, let hit = memchr(map + offset, 0x47, size - offset - 3) {
            let at = map.distance(to: hit)
            if bytes[at + 1] == 0x43 && bytes[at + 2] == 0x4F && bytes[at + 3] == 0x4C {   // "COL"
                try collection(bytes, at: at, path: path)
            }
            offset = at + 1
        }
    }

    /// Walks the collection at `at`: signature, version, 3 reserved bytes, its size (8 bytes,
    /// little-endian), then objects of index (2), reference count (2), reserved (4), size (8)
    /// and data padded to 8 bytes; index 0 is the free space, whose size counts its header.
    static func collection(_ bytes: UnsafeRawBufferPointer, at start: Int, path: String) throws(ResultsError) {
        let header = 16, objectHeader = 16
        guard start + header <= bytes.count, bytes[start + 4] == 1 else { return }   // HDF5 refuses other versions
        let declared = u64(bytes, start + 8)
        guard declared <= UInt64(bytes.count - start) else { return }   // HDF5's read past the end fails
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
            p += Int(need)
        }
    }

    static func u64(_ bytes: UnsafeRawBufferPointer, _ at: Int) -> UInt64 {
        var v: UInt64 = 0
        for i in (0..<8).reversed() { v = v << 8 | UInt64(bytes[at + i]) }
        return v
    }
}
