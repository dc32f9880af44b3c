#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import SwarmModel

/// Reads host availability traces into an ``AvailabilityTrace``, reporting the first problem
/// as a ``TraceError`` with file, line and column.
///
/// Two formats (both described with examples in `docs/models/availability-fitting.md`):
///
/// - ``Format/csv``: a header `device,start,end`, then one ON interval per row, times in
///   seconds (decimal or exponent notation as Swift's `Double(_:)` reads it, finite, ≥ 0). Times are kept
///   as written (``Loaded/origin`` is 0).
/// - ``Format/fta``: the `event_trace.tab` table of the Failure Trace Archive (Kondo, Javadi,
///   Iosup and Epema, "The Failure Trace Archive: enabling comparative analysis of failures in
///   diverse distributed systems", CCGrid 2010): nine tab-separated columns `event_id,
///   component_id, node_id, platform_id, node_name, event_type, event_start_time,
///   event_stop_time, event_end_reason`; `event_type` 1 is an availability interval, 0 an
///   unavailability one. Hosts are keyed by `node_id` and named by `node_name` (or by
///   `node_id` when the name is empty or `\N`). Times are epoch seconds in the file and are
///   shifted so that the earliest `event_start_time` of any row becomes 0; that epoch time is
///   returned as ``Loaded/origin``.
///
/// Both formats allow blank lines and lines whose first non-blank character is `#`, `\r\n`
/// line ends, and blanks around fields. Fields are not quoted: a device name cannot contain
/// the separator. A host's rows may come in any order; they are sorted by start, and
/// intervals of one host that overlap are rejected (touching ones, `end == next start`, are
/// allowed). Hosts appear in the order of their first row.
///
/// - Complexity: O(n log n) for n rows in the worst case, O(n) when each host's rows are
///   already in order; one pass over the UTF-8 bytes, no per-line `String` except host names.
public enum AvailabilityTraceReader {
    public enum Format: String, Sendable, CaseIterable {
        /// `device,start,end` with a header.
        case csv
        /// The Failure Trace Archive's `event_trace.tab`.
        case fta
    }

    /// A trace as read, with the input time that trace time 0 stands for.
    public struct Loaded: Sendable, Equatable {
        public var trace: AvailabilityTrace
        /// Seconds in the file's clock at trace time 0: 0 for CSV, the earliest
        /// `event_start_time` for FTA. A file time t is trace time `t - origin`.
        public var origin: Double
        public init(trace: AvailabilityTrace, origin: Double) {
            self.trace = trace; self.origin = origin
        }
    }

    /// Reads the file at `path`; errors name `path` as the file.
    public static func read(path: String, format: Format) throws(TraceError) -> Loaded {
        let bytes = try readBytes(path: path, limit: TraceLimits.maxTraceBytes)
        return try bytes.withUnsafeBufferPointer { (buffer) throws(TraceError) -> Loaded in
            try parse(bytes: buffer, file: path, format: format)
        }
    }

    /// Parses `text` as if read from a file named `file` (used in error messages only).
    public static func parse(text: String, file: String, format: Format) throws(TraceError) -> Loaded {
        var text = text
        // `withUTF8` rethrows untyped errors: carry the typed one out in a Result.
        return try text.withUTF8 { buffer in
            Result { () throws(TraceError) -> Loaded in try parse(bytes: buffer, file: file, format: format) }
        }.get()
    }

    /// Parses UTF-8 bytes as if read from a file named `file`.
    public static func parse(bytes: UnsafeBufferPointer<UInt8>, file: String,
                             format: Format) throws(TraceError) -> Loaded {
        try parse(bytes: bytes, file: file, format: format, maxRows: TraceLimits.maxTraceRows)
    }

    /// `maxRows` is a parameter so tests can reach the limit with a small file.
    static func parse(bytes: UnsafeBufferPointer<UInt8>, file: String, format: Format,
                      maxRows: Int) throws(TraceError) -> Loaded {
        guard bytes.count <= TraceLimits.maxTraceBytes else {
            throw TraceLimits.tooBig(file: file, size: bytes.count, limit: TraceLimits.maxTraceBytes)
        }
        var parser = Parser(bytes: bytes, file: file, layout: format == .csv ? .csv : .fta)
        parser.maxRows = maxRows
        return try parser.run()
    }

    // MARK: - File input

    /// The file's bytes; refused before reading when `stat` says it is over `limit` bytes, and
    /// while reading when it grows past it (a pipe, a file being written).
    static func readBytes(path: String, limit: Int = TraceLimits.maxTableBytes) throws(TraceError) -> [UInt8] {
        try TraceLimits.checkSize(path: path, limit: limit)
        guard let f = fopen(path, "rb") else {
            throw TraceError(file: path, line: 0, message: "cannot open file: \(String(cString: strerror(errno)))")
        }
        defer { fclose(f) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 20)
        while true {
            let n = chunk.withUnsafeMutableBytes { fread($0.baseAddress, 1, $0.count, f) }
            if n > 0 { bytes.append(contentsOf: chunk[0..<n]) }
            if bytes.count > limit { throw TraceLimits.tooBig(file: path, size: bytes.count, limit: limit) }
            if n < chunk.count {
                if ferror(f) != 0 {
                    throw TraceError(file: path, line: 0, message: "cannot read file: \(String(cString: strerror(errno)))")
                }
                return bytes
            }
        }
    }
}

// MARK: - The parser

/// What differs between the two formats: separator, field names and positions.
struct TraceLayout {
    let separator: UInt8
    /// Field names in order, for messages.
    let fieldNames: [String]
    /// Accepted field counts.
    let minFields: Int, maxFields: Int
    let hostField: Int, startField: Int, endField: Int
    /// FTA only: the `event_type` and `node_name` columns.
    let typeField: Int?, nameField: Int?
    let hostWord: String

    static let csv = TraceLayout(
        separator: UInt8(ascii: ","), fieldNames: ["device", "start", "end"],
        minFields: 3, maxFields: 3, hostField: 0, startField: 1, endField: 2,
        typeField: nil, nameField: nil, hostWord: "device")
    static let fta = TraceLayout(
        separator: UInt8(ascii: "\t"),
        fieldNames: ["event_id", "component_id", "node_id", "platform_id", "node_name", "event_type",
                     "event_start_time", "event_stop_time", "event_end_reason"],
        minFields: 8, maxFields: 9, hostField: 2, startField: 6, endField: 7,
        typeField: 5, nameField: 4, hostWord: "node")

    var isCSV: Bool { typeField == nil }
}

struct Parser {
    let bytes: UnsafeBufferPointer<UInt8>
    let file: String
    let layout: TraceLayout
    /// Most rows read (`TraceLimits.maxTraceRows`; tests lower it).
    var maxRows = TraceLimits.maxTraceRows

    // Rows kept (availability intervals), in file order.
    var rowHost: [Int32] = []
    var rowStart: [Double] = []
    var rowEnd: [Double] = []
    var rowLine: [Int32] = []
    var rowOffset: [Int] = []          // byte offset of the row's line, to re-find columns
    var hostIndex: [String: Int32] = [:]
    var hostNames: [String] = []
    var origin = Double.infinity       // FTA: minimum start over every row

    /// Field byte ranges of the current line: (start, end) pairs, trimmed.
    var fields: [Int] = []
    var fieldCount = 0

    init(bytes: UnsafeBufferPointer<UInt8>, file: String, layout: TraceLayout) {
        self.bytes = bytes; self.file = file; self.layout = layout
        fields = [Int](repeating: 0, count: 2 * (layout.maxFields + 1))
    }

    mutating func run() throws(TraceError) -> AvailabilityTraceReader.Loaded {
        var lineNumber = 0
        var offset = 0
        var sawHeaderLine = false      // CSV: header seen; FTA: first content line seen
        var rows = 0
        let n = bytes.count
        while offset < n {
            lineNumber += 1
            let lineStart = offset
            var lineEnd = lineStart
            if let base = bytes.baseAddress, let hit = memchr(base + lineStart, 0x0A, n - lineStart) {
                lineEnd = base.distance(to: hit.assumingMemoryBound(to: UInt8.self))
                offset = lineEnd + 1
            } else {
                lineEnd = n
                offset = n
            }
            if lineEnd > lineStart && bytes[lineEnd - 1] == 0x0D { lineEnd -= 1 }
            if lineEnd - lineStart > TraceLimits.maxLineBytes {
                throw TraceLimits.lineTooLong(file: file, line: lineNumber, bytes: lineEnd - lineStart)
            }
            // Blank or comment?
            var p = lineStart
            while p < lineEnd && (bytes[p] == 0x20 || bytes[p] == 0x09) { p += 1 }
            if p == lineEnd || bytes[p] == UInt8(ascii: "#") { continue }
            split(lineStart, lineEnd)
            if !sawHeaderLine {
                sawHeaderLine = true
                if layout.isCSV {
                    try checkCSVHeader(line: lineNumber, lineStart: lineStart, lineEnd: lineEnd)
                    continue
                } else if text(0).lowercased() == "event_id" {
                    continue
                }
            }
            rows += 1
            if rows > maxRows { throw TraceLimits.tooManyRows(file: file, line: lineNumber, limit: maxRows) }
            try row(line: lineNumber, lineStart: lineStart, lineEnd: lineEnd)
        }
        if layout.isCSV && !sawHeaderLine {
            throw TraceError(file: file, line: max(lineNumber, 1), column: 1,
                             message: "expected header \"device,start,end\", found end of file")
        }
        return try assemble()
    }

    /// Splits [lineStart, lineEnd) at the separator, trimming blanks; records up to
    /// maxFields + 1 ranges and counts them all.
    mutating func split(_ lineStart: Int, _ lineEnd: Int) {
        fieldCount = 0
        var p = lineStart
        let sep = layout.separator
        let cap = layout.maxFields + 1
        while true {
            var e = p
            while e < lineEnd && bytes[e] != sep { e += 1 }
            if fieldCount < cap {
                var s = p, t = e
                while s < t && (bytes[s] == 0x20 || bytes[s] == 0x09) { s += 1 }
                while t > s && (bytes[t - 1] == 0x20 || bytes[t - 1] == 0x09) { t -= 1 }
                fields[2 * fieldCount] = s; fields[2 * fieldCount + 1] = t
            }
            fieldCount += 1
            if e >= lineEnd { break }
            p = e + 1
        }
    }

    func text(_ i: Int) -> String {
        String(decoding: UnsafeBufferPointer(rebasing: bytes[fields[2 * i]..<fields[2 * i + 1]]), as: UTF8.self)
    }

    func isEmpty(_ i: Int) -> Bool { fields[2 * i] == fields[2 * i + 1] }

    /// 1-based column (Unicode scalars) of byte `position` in the line starting at `lineStart`.
    func column(_ position: Int, lineStart: Int) -> Int {
        var c = 1
        for p in lineStart..<position where bytes[p] & 0xC0 != 0x80 { c += 1 }
        return c
    }

    func fail(_ line: Int, _ lineStart: Int, field i: Int, _ message: String) -> TraceError {
        TraceError(file: file, line: line, column: column(fields[2 * i], lineStart: lineStart), message: message)
    }

    /// The number in field `i`, or nil when it is not a finite number. `Double(_:)` parses in
    /// the C locale whatever the process locale (unlike `strtod`), and a short field is a
    /// small string (no allocation).
    func number(_ i: Int) -> Double? {
        let s = fields[2 * i], e = fields[2 * i + 1]
        guard e > s, let v = Double(String(decoding: UnsafeBufferPointer(rebasing: bytes[s..<e]), as: UTF8.self)),
              v.isFinite else { return nil }
        return v
    }

    mutating func checkCSVHeader(line: Int, lineStart: Int, lineEnd: Int) throws(TraceError) {
        let ok = fieldCount == 3 && text(0) == "device" && text(1) == "start" && text(2) == "end"
        if !ok {
            let found = String(decoding: UnsafeBufferPointer(rebasing: bytes[lineStart..<lineEnd]), as: UTF8.self)
            throw TraceError(file: file, line: line, column: 1,
                             message: "expected header \"device,start,end\", found \"\(found)\"")
        }
    }

    mutating func row(line: Int, lineStart: Int, lineEnd: Int) throws(TraceError) {
        let names = layout.fieldNames
        if fieldCount < layout.minFields || fieldCount > layout.maxFields {
            let expected = layout.isCSV
                ? "expected 3 fields (device,start,end)"
                : "expected 9 tab-separated fields (event_id … event_end_reason; the last may be omitted)"
            let col = fieldCount > layout.maxFields
                ? column(fields[2 * layout.maxFields], lineStart: lineStart)
                : column(lineEnd, lineStart: lineStart)
            throw TraceError(file: file, line: line, column: col, message: "\(expected), found \(fieldCount)")
        }
        let h = layout.hostField, si = layout.startField, ei = layout.endField
        if isEmpty(h) {
            throw fail(line, lineStart, field: h, layout.isCSV ? "device name is empty" : "node_id is empty")
        }
        var available = true
        if let ti = layout.typeField {
            let t = text(ti)
            if t == "1" { available = true } else if t == "0" { available = false } else {
                throw fail(line, lineStart, field: ti, "event_type \"\(t)\" is not 0 (unavailable) or 1 (available)")
            }
        }
        guard let start = number(si) else {
            throw fail(line, lineStart, field: si, "\(names[si]) \"\(text(si))\" is not a number of seconds")
        }
        guard let end = number(ei) else {
            throw fail(line, lineStart, field: ei, "\(names[ei]) \"\(text(ei))\" is not a number of seconds")
        }
        if start < 0 {
            throw fail(line, lineStart, field: si, "\(names[si]) \"\(text(si))\" is negative; expected seconds ≥ 0")
        }
        if end < 0 {
            throw fail(line, lineStart, field: ei, "\(names[ei]) \"\(text(ei))\" is negative; expected seconds ≥ 0")
        }
        // Real FTA traces record instantaneous events (start == stop, e.g. a failure noticed
        // and cleared within the clock's resolution): they carry no interval and are skipped.
        // CSV intervals are written by people and must have a length.
        let instantaneous = !layout.isCSV && start == end
        if !(start < end) && !instantaneous {
            throw fail(line, lineStart, field: ei, "\(names[ei]) \"\(text(ei))\" is not after \(names[si]) \"\(text(si))\"")
        }
        if start < origin { origin = start }
        // The host, created on first sight (FTA: also for hosts never available).
        let key = text(h)
        var host: Int32
        if let known = hostIndex[key] {
            host = known
        } else {
            host = Int32(hostNames.count)
            hostIndex[key] = host
            var name = key
            if let ni = layout.nameField, ni < fieldCount, !isEmpty(ni) {
                let given = text(ni)
                if given != "\\N" { name = given }
            }
            hostNames.append(name)
        }
        guard available && !instantaneous else { return }
        rowHost.append(host); rowStart.append(start); rowEnd.append(end)
        rowLine.append(Int32(truncatingIfNeeded: line)); rowOffset.append(lineStart)
    }

    /// Groups rows by host, sorts each host's rows by start, rejects overlaps, shifts FTA
    /// times to the origin.
    mutating func assemble() throws(TraceError) -> AvailabilityTraceReader.Loaded {
        let hosts = hostNames.count
        let rows = rowHost.count
        // Counting sort by host (stable: file order within a host).
        var offsets = [Int](repeating: 0, count: hosts + 1)
        for h in rowHost { offsets[Int(h) + 1] += 1 }
        for h in 0..<hosts { offsets[h + 1] += offsets[h] }
        var order = [Int](repeating: 0, count: rows)
        var next = offsets
        for r in 0..<rows {
            let h = Int(rowHost[r])
            order[next[h]] = r; next[h] += 1
        }
        // Per host: sort by (start, line) when needed, then scan for overlaps.
        var worst: (line: Int, row: Int, other: Int)? = nil
        for h in 0..<hosts {
            let range = offsets[h]..<offsets[h + 1]
            if range.isEmpty { continue }
            var sorted = true
            for k in range.dropFirst() where rowStart[order[k]] < rowStart[order[k - 1]] { sorted = false; break }
            if !sorted {
                let starts = rowStart
                order[range].sort { a, b in starts[a] < starts[b] || (starts[a] == starts[b] && a < b) }
            }
            var reach = order[range.lowerBound]        // the row ending latest so far
            for k in range.dropFirst() {
                let r = order[k]
                if rowStart[r] < rowEnd[reach] {
                    // Report on the later of the two lines, naming the earlier one.
                    let (late, early) = rowLine[r] > rowLine[reach] ? (r, reach) : (reach, r)
                    if worst == nil || Int(rowLine[late]) < worst!.line {
                        worst = (Int(rowLine[late]), late, early)
                    }
                }
                if rowEnd[r] > rowEnd[reach] { reach = r }
            }
        }
        if let w = worst { throw overlapError(row: w.row, other: w.other) }
        let shift = layout.isCSV || !origin.isFinite ? 0 : origin
        var list: [(name: String, intervals: [(start: Double, end: Double)])] = []
        list.reserveCapacity(hosts)
        for h in 0..<hosts {
            let intervals = order[offsets[h]..<offsets[h + 1]].map { r in
                (start: rowStart[r] - shift, end: rowEnd[r] - shift)
            }
            list.append((name: hostNames[h], intervals: intervals))
        }
        return .init(trace: AvailabilityTrace(hosts: list), origin: shift)
    }

    /// The overlap error for row `r` against row `o`, quoting both rows' numbers as written.
    mutating func overlapError(row r: Int, other o: Int) -> TraceError {
        let si = layout.startField, ei = layout.endField, n = bytes.count
        func reSplit(_ lineStart: Int) {
            var e = lineStart
            while e < n && bytes[e] != 0x0A { e += 1 }
            if e > lineStart && bytes[e - 1] == 0x0D { e -= 1 }
            split(lineStart, e)
        }
        reSplit(rowOffset[o])
        let other = "[\(text(si)), \(text(ei)))"
        reSplit(rowOffset[r])
        let host = hostNames[Int(rowHost[r])]
        let what = layout.isCSV ? "interval" : "availability"
        return fail(Int(rowLine[r]), rowOffset[r], field: si,
                    "\(what) [\(text(si)), \(text(ei))) of \(layout.hostWord) \"\(host)\" overlaps \(other) on line \(rowLine[o])")
    }
}
