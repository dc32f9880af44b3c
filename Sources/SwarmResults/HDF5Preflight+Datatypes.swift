extension HDF5Walk {
    /// Checks a datatype message (§IV.A.2.d) at `t`, which must end by `end`; returns where it
    /// ends. HDF5 1.10 decodes the bit fields of numbers without checking them against the
    /// type's size and converts with them: a float whose precision or exponent lay past its
    /// 8 bytes made `H5T__conv_f_f` clear bits far outside the buffer (SIGSEGV, found by the
    /// `results` fuzz target). Each number's bit fields must lie inside its size, each member
    /// of a compound inside the compound, an array's elements fill it exactly.
    @discardableResult
    func datatype(at t: Int, end: Int, of where_: String, depth: Int = 0) throws(ResultsError) -> Int {
        func bad(_ what: String) -> ResultsError { fail(t, "the datatype of \(where_) \(what)") }
        guard depth < 16 else { throw bad("is nested more than 16 deep") }
        guard t + 8 <= end else { throw bad("runs past its message") }
        let typeClass = Int(bytes[t] & 0x0F), version = Int(bytes[t] >> 4)
        let bits = Int(bytes[t + 1]) | Int(bytes[t + 2]) << 8 | Int(bytes[t + 3]) << 16
        let size = u32(t + 4)
        let p = t + 8
        func need(_ n: Int) throws(ResultsError) { guard p + n <= end else { throw bad("runs past its message") } }
        /// `offset + precision` bits inside the type's `size` bytes, precision at least 1.
        func field(_ offset: Int, _ precision: Int) throws(ResultsError) {
            guard precision >= 1, offset + precision <= 8 * size else {
                throw bad("puts \(precision) bits at bit \(offset) of a \(size)-byte number")
            }
        }
        // HDF5 1.10 reads datatype versions 1 to 3. It refuses others itself, but inside an
        // attribute its error path then closes the half-built attribute (SIGSEGV in
        // H5A__close: a vlen string's base type of version 5, found by the `results` target).
        guard (1...3).contains(version) else { throw bad("has version \(version); HDF5 1.10 reads versions 1 to 3") }
        guard size >= 1 else { throw bad("has size 0") }
        switch typeClass {
        case 0, 4:   // integer, bit field: offset, precision
            try need(4)
            try field(u16(p), u16(p + 2))
            return p + 4
        case 1:   // floating point: offset, precision, exponent and mantissa places, bias
            try need(12)
            let offset = u16(p), precision = u16(p + 2)
            try field(offset, precision)
            let exponent = (at: Int(bytes[p + 4]), size: Int(bytes[p + 5]))
            let mantissa = (at: Int(bytes[p + 6]), size: Int(bytes[p + 7]))
            let sign = bits >> 8 & 0xFF
            guard (1...32).contains(exponent.size), mantissa.size >= 1,
                  exponent.at + exponent.size <= offset + precision, mantissa.at + mantissa.size <= offset + precision,
                  exponent.at >= offset, mantissa.at >= offset, sign < 8 * size else {
                throw bad("places its exponent (\(exponent.size) bits at \(exponent.at)), mantissa (\(mantissa.size) bits at \(mantissa.at)) or sign (bit \(sign)) outside its \(precision) bits at bit \(offset)")
            }
            return p + 12
        case 2:   // time: precision
            try need(2)
            try field(0, u16(p))
            return p + 2
        case 3, 7:   // string, reference
            return p
        case 5:   // opaque: a tag of (bits & 0xFF) bytes
            let tag = bits & 0xFF
            try need(tag)
            return p + tag
        case 6:   // compound
            let members = bits & 0xFFFF
            guard members >= 1 else { throw bad("is a compound of no members") }
            var q = p
            for _ in 0..<members {
                guard let nul = (q..<end).first(where: { bytes[$0] == 0 }) else { throw bad("has a member name that runs past its message") }
                let nameEnd = version >= 3 ? nul + 1 : q + ((nul - q + 1 + 7) & ~7)
                q = nameEnd
                let offset: Int
                var count = 1
                switch version {
                case 1:
                    // Offset (4), rank (1), reserved (3), permutation (4), reserved (4), 4 sizes (4 each).
                    guard q + 32 <= end else { throw bad("runs past its message") }
                    offset = u32(q)
                    let rank = Int(bytes[q + 4])
                    guard rank <= 4 else { throw bad("has a member of \(rank) dimensions (at most 4)") }
                    for d in 0..<rank {
                        let (c, overflow) = count.multipliedReportingOverflow(by: u32(q + 16 + 4 * d))
                        guard !overflow else { throw bad("has a member of too many elements") }
                        count = c
                    }
                    q += 32
                case 2:
                    guard q + 4 <= end else { throw bad("runs past its message") }
                    offset = u32(q); q += 4
                default:
                    // Version 3: the offset in as few bytes as the compound's size needs.
                    var width = 1
                    while width < 4 && size >> (8 * width) > 0 { width += 1 }
                    guard q + width <= end else { throw bad("runs past its message") }
                    offset = (0..<width).reduce(0) { $0 | Int(bytes[q + $1]) << (8 * $1) }
                    q += width
                }
                let member = q
                q = try datatype(at: member, end: end, of: where_, depth: depth + 1)
                let memberSize = u32(member + 4)
                let (span, overflow) = memberSize.multipliedReportingOverflow(by: count)
                guard !overflow, offset + span <= size else {
                    throw fail(member, "the datatype of \(where_) puts a member of \(span) bytes at byte \(offset) of a \(size)-byte compound")
                }
            }
            return q
        case 8:   // enumeration: base type, names, values
            let members = bits & 0xFFFF
            let base = p
            var q = try datatype(at: base, end: end, of: where_, depth: depth + 1)
            guard bytes[base] & 0x0F == 0 else { throw bad("is an enumeration whose base is not an integer") }
            for _ in 0..<members {
                guard let nul = (q..<end).first(where: { bytes[$0] == 0 }) else { throw bad("has a name that runs past its message") }
                q = version >= 3 ? nul + 1 : q + ((nul - q + 1 + 7) & ~7)
            }
            let (values, overflow) = members.multipliedReportingOverflow(by: u32(base + 4))
            guard !overflow, q + values <= end else { throw bad("runs past its message") }
            return q + values
        case 9:   // variable length: base type
            // Stored as a length (4) and a global heap reference (8-byte address, 4-byte
            // index): HDF5 1.10 copies 16 bytes per element whatever size the type claims (a
            // vlen string of size 1 was a heap-buffer-overflow in H5A__read).
            guard size == 16 else { throw bad("is variable-length with size \(size); it is stored in 16 bytes") }
            return try datatype(at: p, end: end, of: where_, depth: depth + 1)
        case 10:   // array: rank, dimensions (and, before version 3, a permutation), base type
            try need(4)
            let rank = Int(bytes[p])
            guard (1...32).contains(rank) else { throw bad("is an array of rank \(rank)") }
            let dims = version >= 3 ? p + 1 : p + 4
            let base = dims + 4 * rank * (version >= 3 ? 1 : 2)
            guard base <= end else { throw bad("runs past its message") }
            var count = 1
            for d in 0..<rank {
                let (c, overflow) = count.multipliedReportingOverflow(by: u32(dims + 4 * d))
                guard !overflow else { throw bad("is an array of too many elements") }
                count = c
            }
            let q = try datatype(at: base, end: end, of: where_, depth: depth + 1)
            let (span, overflow) = count.multipliedReportingOverflow(by: u32(base + 4))
            guard !overflow, span == size else { throw bad("is an array of \(count) elements of \(u32(base + 4)) bytes in \(size) bytes") }
            return q
        default:
            throw bad("has class \(typeClass), which HDF5 does not define")
        }
    }
}
