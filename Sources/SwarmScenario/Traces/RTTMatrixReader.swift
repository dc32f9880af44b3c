import SwarmModel

/// Reads a region-to-region round-trip-time matrix from CSV.
///
/// Format: a header line `from,to,rtt_ms`, then one row per measured direction, e.g.
/// `eu-west,us-east,78.4` (milliseconds, as ping tools and cloud latency tables report them).
/// Blank lines and lines starting with `#` (provenance notes) are skipped; fields may be padded
/// with spaces. A row with `from == to` gives that region's intra-region RTT; regions without one
/// get `defaultIntraRegionRTT`. A pair measured in one direction only is used for both. Every
/// pair of distinct regions needs a row, and a direction given twice must agree.
///
/// Errors are `TraceError`s with file, line (and column where it helps) and what was expected:
/// missing header, wrong field count, empty region name, non-numeric or negative `rtt_ms`,
/// a duplicate row with a different value, a region outside `knownRegions`, a missing pair.
public enum RTTMatrixReader {
    /// The one accepted header.
    public static let header = "from,to,rtt_ms"

    /// Reads the file at `path`; errors name `path` as the file.
    ///
    /// - Parameters:
    ///   - defaultIntraRegionRTT: seconds, for regions without a `from == to` row.
    ///   - knownRegions: if given, the matrix's regions in this order (so `RegionID`s match the
    ///     caller's), and any other name in the file is an error; if nil, regions in order of
    ///     first appearance.
    public static func read(path: String, defaultIntraRegionRTT: Double,
                            knownRegions: [String]? = nil) throws(TraceError) -> RTTMatrix {
        let bytes = try AvailabilityTraceReader.readBytes(path: path)
        return try parse(text: String(decoding: bytes, as: UTF8.self), file: path,
                         defaultIntraRegionRTT: defaultIntraRegionRTT, knownRegions: knownRegions)
    }

    /// Parses `text` as if read from a file named `file` (used in error messages only).
    public static func parse(text: String, file: String, defaultIntraRegionRTT: Double,
                             knownRegions: [String]? = nil) throws(TraceError) -> RTTMatrix {
        precondition(defaultIntraRegionRTT.isFinite && defaultIntraRegionRTT >= 0,
                     "default intra-region RTT must be ≥ 0 seconds")
        func fail(_ line: Int, _ column: Int? = nil, _ message: String) -> TraceError {
            TraceError(file: file, line: line, column: column, message: message)
        }

        var names: [String] = knownRegions ?? []
        var ids: [String: RegionID] = [:]
        for (i, n) in names.enumerated() { ids[n] = RegionID(index: i) }
        /// (from, to) → (rtt seconds, rtt as written, line).
        var seen: [Pair: (seconds: Double, text: Substring, line: Int)] = [:]
        var measurements: [(from: RegionID, to: RegionID, rtt: Double)] = []
        var sawHeader = false
        var lineNumber = 0

        // "\r\n" is one Character in Swift, so it is a separator of its own.
        for line in text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" }) {
            lineNumber += 1
            let content = trimmed(line)
            if content.isEmpty || content.hasPrefix("#") { continue }
            let fields = line.split(separator: ",", omittingEmptySubsequences: false).map(trimmed)
            func column(_ i: Int) -> Int {
                line.unicodeScalars.distance(from: line.startIndex, to: fields[i].startIndex) + 1
            }

            if !sawHeader {
                guard fields.map(String.init) == ["from", "to", "rtt_ms"] else {
                    throw fail(lineNumber, 1, "missing header: expected `\(header)`, found `\(content)`")
                }
                sawHeader = true
                continue
            }

            guard fields.count == 3 else {
                throw fail(lineNumber, nil, "expected 3 fields (\(header)), found \(fields.count)")
            }
            var endpoints: [RegionID] = []
            for i in 0..<2 {
                let name = String(fields[i])
                let what = i == 0 ? "from" : "to"
                guard !name.isEmpty else { throw fail(lineNumber, column(i), "empty `\(what)`: expected a region name") }
                if let id = ids[name] { endpoints.append(id); continue }
                if let known = knownRegions {
                    var message = "unknown region `\(name)` in `\(what)`"
                    if let near = nearest(to: name, in: known) { message += "; did you mean `\(near)`?" }
                    message += " (expected one of: \(known.joined(separator: ", ")))"
                    throw fail(lineNumber, column(i), message)
                }
                guard names.count <= Int(UInt16.max) else { throw fail(lineNumber, column(i), "more than 65536 regions") }
                let id = RegionID(index: names.count)
                names.append(name); ids[name] = id
                endpoints.append(id)
            }
            guard let ms = Double(fields[2]), ms.isFinite else {
                throw fail(lineNumber, column(2), "`rtt_ms` must be a number of milliseconds, found `\(fields[2])`")
            }
            guard ms >= 0 else {
                throw fail(lineNumber, column(2), "`rtt_ms` must be ≥ 0, found `\(fields[2])`")
            }
            let seconds = ms / 1000
            let pair = Pair(from: endpoints[0], to: endpoints[1])
            if let earlier = seen[pair] {
                if earlier.seconds != seconds {
                    throw fail(lineNumber, column(2),
                               "RTT \(fields[0])→\(fields[1]) is \(fields[2]) ms here but \(earlier.text) ms on line \(earlier.line); expected one value per direction")
                }
                continue
            }
            seen[pair] = (seconds, fields[2], lineNumber)
            measurements.append((endpoints[0], endpoints[1], seconds))
        }

        guard sawHeader else {
            throw fail(max(lineNumber, 1), nil, "missing header: expected `\(header)`, found an empty file")
        }
        let n = names.count
        for a in 0..<n {
            for b in (a + 1)..<max(n, a + 1) {
                let ra = RegionID(index: a), rb = RegionID(index: b)
                if seen[Pair(from: ra, to: rb)] == nil && seen[Pair(from: rb, to: ra)] == nil {
                    throw fail(lineNumber, nil,
                               "no RTT between `\(names[a])` and `\(names[b])`: expected a row `\(names[a]),\(names[b]),rtt_ms` (or the reverse)")
                }
            }
        }
        return RTTMatrix(names: names, measurements: measurements, intraRegionDefault: defaultIntraRegionRTT)
    }

    private struct Pair: Hashable { var from: RegionID; var to: RegionID }

    private static func trimmed(_ s: Substring) -> Substring {
        var s = s
        while let c = s.first, c == " " || c == "\t" { s.removeFirst() }
        while let c = s.last, c == " " || c == "\t" { s.removeLast() }
        return s
    }

    /// The candidate closest to `name` by edit distance, if it is close enough to be a typo
    /// (at most a third of the name's length, and at least 1 edit allowed).
    static func nearest(to name: String, in candidates: [String]) -> String? {
        let a = Array(name.unicodeScalars)
        var best: (String, Int)?
        for c in candidates {
            let b = Array(c.unicodeScalars)
            var row = Array(0...b.count)   // Levenshtein, one row at a time
            for i in stride(from: 1, through: a.count, by: 1) {
                var previous = row[0]; row[0] = i
                for j in stride(from: 1, through: b.count, by: 1) {
                    let substitution = previous + (a[i - 1] == b[j - 1] ? 0 : 1)
                    previous = row[j]
                    row[j] = min(substitution, row[j] + 1, row[j - 1] + 1)
                }
            }
            let d = row[b.count]
            if best == nil || d < best!.1 { best = (c, d) }
        }
        guard let best, best.1 <= max(1, a.count / 3) else { return nil }
        return best.0
    }
}
