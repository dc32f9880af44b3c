extension HDF5Walk {
    /// HDF5's own filters (deflate 1, shuffle 2, fletcher32 3, szip 4, n-bit 5, scale-offset
    /// 6). Swarmlab writes shuffle and deflate. For any other id HDF5 1.10 searches its plugin
    /// folder and loads shared libraries from it: a results file must not make it do that.
    static let knownFilters: ClosedRange<Int> = 1...6

    /// A table's dataspace message (§IV.A.2.b), version 1 or 2: rank, flags, then `rank`
    /// dimension sizes (8 bytes each) and, when flag 0x01 is set, as many maximum sizes.
    /// HDF5 1.10 decodes the sizes without checking them against the message's length, and
    /// multiplies them into an element count without checking for overflow. Refused: a rank
    /// past 32 (`H5S_MAX_RANK`), sizes past the message, a size larger than its maximum (not
    /// unlimited), an element count past 2⁶⁴; a shared dataspace, which Swarmlab never writes.
    /// Returns the element count (nil for a scalar or null dataspace, or a version HDF5 refuses).
    @discardableResult
    func dataspace(at s: Int, length: Int, flags: Int, header: Int) throws(ResultsError) -> UInt64? {
        let where_ = "the dataspace of the table at byte \(header)"
        guard flags & 0x02 == 0 else { throw fail(s, "\(where_) is a shared message, which Swarmlab never writes") }
        guard length >= 4 else { throw fail(s, "\(where_) is \(length) bytes long, too short for its header") }
        let version = Int(bytes[s]), rank = Int(bytes[s + 1]), spaceFlags = Int(bytes[s + 2])
        let dims: Int
        switch version {
        case 1: dims = s + 8
        case 2:
            guard bytes[s + 3] == 1 else { return nil }   // scalar (0) and null (2) have no sizes; others HDF5 refuses
            dims = s + 4
        default: return nil   // HDF5 refuses other versions
        }
        guard rank <= 32 else { throw fail(s + 1, "\(where_) has rank \(rank); HDF5 allows at most 32") }
        let hasMax = spaceFlags & 0x01 != 0
        let need = dims + rank * 8 * (hasMax ? 2 : 1) - s
        guard need <= length else {
            throw fail(s, "\(where_) has rank \(rank)\(hasMax ? " with maximum sizes" : ""), which needs \(need) bytes; its message has \(length)")
        }
        var count: UInt64 = 1
        for d in 0..<rank {
            let size = u64(dims + d * 8)
            if hasMax {
                let max = u64(dims + (rank + d) * 8)
                guard max == UInt64.max || size <= max else {
                    throw fail(dims + d * 8, "\(where_) gives dimension \(d) size \(size), past its maximum \(max)")
                }
            }
            let (c, overflow) = count.multipliedReportingOverflow(by: size)
            guard !overflow else { throw fail(dims + d * 8, "\(where_) holds more than 2⁶⁴ elements") }
            count = c
        }
        return count
    }

    /// A filter pipeline message (§IV.A.2.l), version 1 or 2: the number of filters, then per
    /// filter its id, a name length (version 1, or an id of 256 or more), flags, the number
    /// of client values, the name (NUL-terminated, padded to 8 in version 1) and the values
    /// (4 bytes each; version 1 pads an odd count). HDF5 1.10 measures the name with `strlen`
    /// and decodes the values without checking them against the message's length. Refused: more
    /// than 32 filters (`H5Z_MAX_NFILTERS`), a filter that is not one of HDF5's own (a plugin
    /// would be loaded), a name without its NUL inside its length, a name or values past the
    /// message; a shared pipeline, which Swarmlab never writes.
    func filterPipeline(at f: Int, length: Int, flags: Int, header: Int) throws(ResultsError) {
        let where_ = "the filter pipeline of the table at byte \(header)"
        guard flags & 0x02 == 0 else { throw fail(f, "\(where_) is a shared message, which Swarmlab never writes") }
        guard length >= 2 else { throw fail(f, "\(where_) is \(length) bytes long, too short for its header") }
        let version = Int(bytes[f]), count = Int(bytes[f + 1])
        guard version == 1 || version == 2 else { return }   // HDF5 refuses other versions
        guard count <= 32 else { throw fail(f + 1, "\(where_) has \(count) filters; HDF5 allows at most 32") }
        let end = f + length
        var p = f + (version == 1 ? 8 : 2)
        for i in 0..<count {
            let filter = "\(where_): filter \(i)"
            guard p + 2 <= end else { throw fail(p, "\(filter) starts past the end of its message (byte \(end))") }
            let id = u16(p)
            guard Self.knownFilters.contains(id) else {
                throw fail(p, "\(filter) has id \(id), not one of HDF5's own filters (\(Self.knownFilters.lowerBound)–\(Self.knownFilters.upperBound)); HDF5 would look for a plugin to load")
            }
            let named = version == 1   // an id of 256 or more would carry a name in version 2 too
            let fixed = named ? 8 : 6
            guard p + fixed <= end else { throw fail(p, "\(filter) runs past the end of its message (byte \(end))") }
            let nameLength = named ? u16(p + 2) : 0
            let values = u16(p + fixed - 2)
            let name = p + fixed
            guard name + nameLength <= end else {
                throw fail(p + 2, "\(filter) has a name of \(nameLength) bytes, past the end of its message (byte \(end))")
            }
            if nameLength > 0, !(name..<name + nameLength).contains(where: { bytes[$0] == 0 }) {
                throw fail(name, "\(filter) has a name without its NUL inside its \(nameLength) bytes")
            }
            let valueBytes = 4 * (values + (version == 1 ? values % 2 : 0))
            guard name + nameLength + valueBytes <= end else {
                throw fail(p + fixed - 2, "\(filter) has \(values) client values, past the end of its message (byte \(end))")
            }
            p = name + nameLength + valueBytes
        }
    }
}
