import SwarmModel

/// A region as a fleet needs it: its name and its offset from UTC.
public struct RegionEntry: Sendable, Equatable {
    public var name: String
    public var utcOffsetHours: Double
    public init(name: String, utcOffsetHours: Double) { self.name = name; self.utcOffsetHours = utcOffsetHours }
}

/// Region tables: `region,tz,utc_offset_hours` (tz is the IANA zone name, kept for people;
/// the offset is standard time, −12…+14 hours).
public enum RegionTableReader {
    public static let header = ["region", "tz", "utc_offset_hours"]

    public static func read(path: String) throws(TraceError) -> [RegionEntry] {
        let bytes = try AvailabilityTraceReader.readBytes(path: path)
        return try parse(text: String(decoding: bytes, as: UTF8.self), file: path)
    }

    public static func parse(text: String, file: String) throws(TraceError) -> [RegionEntry] {
        var regions: [RegionEntry] = []
        var firstLine: [String: Int] = [:]
        try CSVRows.forEach(text: text, file: file, header: header) { (row) throws(TraceError) in
            let name = String(row.fields[0])
            guard !name.isEmpty else {
                throw TraceError(file: file, line: row.line, column: row.column(0), message: "empty `region`: expected a region name")
            }
            if let earlier = firstLine[name] {
                throw TraceError(file: file, line: row.line, column: row.column(0),
                                 message: "region `\(name)` is listed twice (first on line \(earlier)); expected each region once")
            }
            guard let hours = Double(row.fields[2]), hours.isFinite, (-12...14).contains(hours) else {
                throw TraceError(file: file, line: row.line, column: row.column(2),
                                 message: "`utc_offset_hours` must be a number of hours in −12…14, found `\(row.fields[2])`")
            }
            guard regions.count < TraceLimits.maxRegions else {
                throw TraceError(file: file, line: row.line, column: row.column(0),
                                 message: "region `\(name)` would be region \(regions.count + 1); the limit is \(TraceLimits.maxRegions) regions")
            }
            firstLine[name] = row.line
            regions.append(RegionEntry(name: name, utcOffsetHours: hours))
        }
        return regions
    }
}

/// Device-profile files: how many devices of each class in each region,
/// `class,region,count`. Class and region names are checked against the ones given, with a
/// did-you-mean for typos.
public enum DeviceProfileReader {
    public static let header = ["class", "region", "count"]

    public static func read(path: String, classes: [String], regions: [String]) throws(TraceError) -> [Fleet.Share] {
        let bytes = try AvailabilityTraceReader.readBytes(path: path)
        return try parse(text: String(decoding: bytes, as: UTF8.self), file: path, classes: classes, regions: regions)
    }

    public static func parse(text: String, file: String, classes: [String], regions: [String]) throws(TraceError) -> [Fleet.Share] {
        var shares: [Fleet.Share] = []
        try CSVRows.forEach(text: text, file: file, header: header) { (row) throws(TraceError) in
            for (i, (what, known)) in [("class", classes), ("region", regions)].enumerated() {
                let name = String(row.fields[i])
                guard known.contains(name) else {
                    var message = "unknown \(what) `\(name)`"
                    if let near = NameSuggestion.nearest(to: name, in: known) { message += "; did you mean `\(near)`?" }
                    message += " (expected one of: \(known.joined(separator: ", ")))"
                    throw TraceError(file: file, line: row.line, column: row.column(i), message: message)
                }
            }
            guard let count = Int(row.fields[2]), count >= 0 else {
                throw TraceError(file: file, line: row.line, column: row.column(2),
                                 message: "`count` must be a whole number ≥ 0, found `\(row.fields[2])`")
            }
            shares.append(Fleet.Share(className: String(row.fields[0]), region: String(row.fields[1]), count: count))
        }
        return shares
    }
}

/// Request-arrival traces for online inference: one column `arrival_s`, seconds since the
/// trace's start (≥ 0, any order).
public enum ArrivalTraceReader {
    public static let header = ["arrival_s"]

    public static func read(path: String) throws(TraceError) -> [Double] {
        let bytes = try AvailabilityTraceReader.readBytes(path: path)
        return try parse(text: String(decoding: bytes, as: UTF8.self), file: path)
    }

    public static func parse(text: String, file: String) throws(TraceError) -> [Double] {
        var arrivals: [Double] = []
        try CSVRows.forEach(text: text, file: file, header: header) { (row) throws(TraceError) in
            guard let s = Double(row.fields[0]), s.isFinite, s >= 0 else {
                throw TraceError(file: file, line: row.line, column: row.column(0),
                                 message: "`arrival_s` must be a number of seconds ≥ 0, found `\(row.fields[0])`")
            }
            arrivals.append(s)
        }
        return arrivals
    }
}
