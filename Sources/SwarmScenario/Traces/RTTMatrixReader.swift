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
        let lastLine = try CSVRows.forEach(text: text, file: file, header: ["from", "to", "rtt_ms"]) { (row) throws(TraceError) in
            let fields = row.fields, lineNumber = row.line
            var endpoints: [RegionID] = []
            for i in 0..<2 {
                let name = String(fields[i])
                let what = i == 0 ? "from" : "to"
                guard !name.isEmpty else { throw fail(lineNumber, row.column(i), "empty `\(what)`: expected a region name") }
                if let id = ids[name] { endpoints.append(id); continue }
                if let known = knownRegions {
                    var message = "unknown region `\(name)` in `\(what)`"
                    if let near = NameSuggestion.nearest(to: name, in: known) { message += "; did you mean `\(near)`?" }
                    message += " (expected one of: \(known.joined(separator: ", ")))"
                    throw fail(lineNumber, row.column(i), message)
                }
                guard names.count < TraceLimits.maxRegions else {
                    throw fail(lineNumber, row.column(i), "region `\(name)` would be region \(names.count + 1); the limit is \(TraceLimits.maxRegions) regions (the matrix holds every pair)")
                }
                let id = RegionID(index: names.count)
                names.append(name); ids[name] = id
                endpoints.append(id)
            }
            guard let ms = Double(fields[2]), ms.isFinite else {
                throw fail(lineNumber, row.column(2), "`rtt_ms` must be a number of milliseconds, found `\(fields[2])`")
            }
            guard ms >= 0 else {
                throw fail(lineNumber, row.column(2), "`rtt_ms` must be ≥ 0, found `\(fields[2])`")
            }
            let seconds = ms / 1000
            let pair = Pair(from: endpoints[0], to: endpoints[1])
            if let earlier = seen[pair] {
                if earlier.seconds != seconds {
                    throw fail(lineNumber, row.column(2),
                               "RTT \(fields[0])→\(fields[1]) is \(fields[2]) ms here but \(earlier.text) ms on line \(earlier.line); expected one value per direction")
                }
                return
            }
            seen[pair] = (seconds, fields[2], lineNumber)
            measurements.append((endpoints[0], endpoints[1], seconds))
        }
        let lineNumber = lastLine

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
}
