extension HDF5Walk {
    /// An attribute message (§IV.A.2.m): version 1 pads its name, datatype and dataspace to 8
    /// bytes; 2 does not; 3 adds a character-set byte. HDF5 1.10 copies `elements × element
    /// size` bytes of value from the message and, for a variable-length type, reads each
    /// element's global heap object into a buffer of the element's length.
    func attribute(at a: Int, length: Int, header: Int) throws(ResultsError) {
        guard length >= 8 else { return }
        let version = Int(bytes[a])
        // HDF5 refuses other versions, but a failed attribute decode ends in H5A__close on a
        // half-built attribute (SIGSEGV): refused here first, like every part below.
        guard (1...3).contains(version) else { throw fail(a, "an attribute in the object header at byte \(header) has version \(version); HDF5 1.10 reads versions 1 to 3") }
        let flags = version >= 2 ? Int(bytes[a + 1]) : 0
        let nameSize = u16(a + 2), typeSize = u16(a + 4), spaceSize = u16(a + 6)
        func pad(_ n: Int) -> Int { version == 1 ? (n + 7) & ~7 : n }
        let where_ = "the attribute at byte \(a) (object header at byte \(header))"
        guard flags & 0x03 == 0 else {
            throw fail(a + 1, "\(where_) has a shared datatype or dataspace, which Swarmlab never writes")
        }
        let type = a + (version == 3 ? 9 : 8) + pad(nameSize)
        let space = type + pad(typeSize)
        let value = space + pad(spaceSize)
        let end = a + length
        guard value <= end, typeSize >= 8, spaceSize >= 2 else {
            throw fail(a, "\(where_) has a name of \(nameSize), a datatype of \(typeSize) and a dataspace of \(spaceSize) bytes in a message of \(length)")
        }
        try datatype(at: type, end: type + typeSize, of: where_)
        // The name: `nameSize` bytes counting its NUL, and no NUL before. HDF5 1.10 refuses a
        // name of another length, but its error path then closes the attribute it did not
        // finish (SIGSEGV in H5A__close, found by the `results` fuzz target).
        let name = a + (version == 3 ? 9 : 8)
        guard nameSize >= 1, name + nameSize <= end,
              bytes[name + nameSize - 1] == 0, !(name..<name + nameSize - 1).contains(where: { bytes[$0] == 0 }) else {
            throw fail(name, "\(where_) has a name that is not a string of \(nameSize) bytes with its NUL")
        }
        let typeClass = Int(bytes[type] & 0x0F)
        let size = u32(type + 4)
        // A variable-length element is stored as its length (4), a collection address (8)
        // and an object index (4); HDF5 gives the type that size once it is in a file.
        let elementSize = typeClass == 9 ? 16 : size
        guard let count = try elements(at: space, size: spaceSize, of: where_) else {
            throw fail(space, "\(where_) has a dataspace of version \(bytes[space]), which HDF5 1.10 does not read")
        }
        let (total, overflow) = count.multipliedReportingOverflow(by: elementSize)
        guard !overflow, total <= end - value else {
            throw fail(value, "\(where_) holds \(count) elements of \(elementSize) bytes, but its message has \(end - value) bytes for them")
        }
        guard typeClass == 9 else { return }
        let base = type + 8
        guard typeSize >= 16, base + 8 <= bytes.count else {
            throw fail(type, "\(where_) has a variable-length datatype of \(typeSize) bytes, too short to hold its base type")
        }
        let baseSize = u32(base + 4)
        for i in 0..<count { try reference(at: value + i * 16, baseSize: baseSize, of: where_) }
    }

    /// The number of elements of a dataspace message (§IV.A.2.b); nil for a version HDF5 refuses.
    func elements(at s: Int, size: Int, of where_: String) throws(ResultsError) -> Int? {
        let version = Int(bytes[s]), rank = Int(bytes[s + 1])
        let dims: Int
        switch version {
        case 1: dims = s + 8
        case 2:
            guard size >= 4 else { return nil }
            switch bytes[s + 3] {
            case 0: return 1
            case 2: return 0
            default: dims = s + 4
            }
        default: return nil
        }
        guard rank <= 32, dims + rank * 8 <= s + size else {
            throw fail(s, "\(where_) has a dataspace of rank \(rank) in \(size) bytes")
        }
        var count = 1
        for d in 0..<rank {
            let (c, overflow) = count.multipliedReportingOverflow(by: Int(clamping: u64(dims + d * 8)))
            guard !overflow, c <= bytes.count else {
                throw fail(dims + d * 8, "\(where_) claims more elements than the file has bytes")
            }
            count = c
        }
        return count
    }

    /// One variable-length element: length, global heap collection address, object index.
    /// A zero length or address is an empty or null element, which HDF5 does not read.
    func reference(at e: Int, baseSize: Int, of where_: String) throws(ResultsError) {
        let length = u32(e), address = u64(e + 4), index = u32(e + 12)
        guard length > 0, address != 0 else { return }
        guard let objects = collections[Int(clamping: address)] else {
            throw fail(e, "\(where_) points at byte \(address) for its value, where there is no global heap collection")
        }
        guard index > 0, let size = objects[index] else {
            throw fail(e, "\(where_) names object \(index) of the global heap collection at byte \(address), which holds no such object")
        }
        let (want, overflow) = length.multipliedReportingOverflow(by: baseSize)
        guard !overflow, size == UInt64(want) else {
            throw fail(e, "\(where_) is \(length) × \(baseSize) bytes long, but object \(index) of the global heap collection at byte \(address) holds \(size) bytes")
        }
    }
}
