import Foundation
import Testing
import SwarmModel
@testable import SwarmScenario

/// The limits on files a scenario names (`TraceLimits`, `DeviceProfile.maxBytes`): each
/// refusal names the file, where, what was found and the limit (docs/reliability.md).
@Suite("Trace and table limits")
struct TraceLimitTests {
    static func error<T>(_ body: () throws(TraceError) -> T) -> TraceError? {
        do { _ = try body(); return nil } catch { return error }
    }

    @Test("an availability trace over the row limit is refused at the first row past it")
    func traceRows() {
        // Header on line 1, then 4 rows on lines 2…5: the limit of 3 is passed on line 5.
        let text = "device,start,end\n" + (0..<4).map { "d\($0),0,1\n" }.joined()
        var bytes = Array(text.utf8)
        let e = bytes.withUnsafeMutableBufferPointer { b in
            Self.error { () throws(TraceError) in
                try AvailabilityTraceReader.parse(bytes: UnsafeBufferPointer(b), file: "t.csv", format: .csv, maxRows: 3)
            }
        }
        #expect(e == TraceError(file: "t.csv", line: 1 + 3 + 1, column: 1, message: "more than 3 rows; the limit is 3 rows"))
    }

    @Test("a trace line longer than 64 KiB is refused with its length and the limit")
    func traceLine() {
        let long = String(repeating: "x", count: TraceLimits.maxLineBytes + 1)
        for format in AvailabilityTraceReader.Format.allCases {
            let e = Self.error { () throws(TraceError) in
                // Line 1: the CSV header, or an FTA comment; line 2: the long one.
                let first = format == .csv ? "device,start,end" : "# event_trace.tab"
                return try AvailabilityTraceReader.parse(text: "\(first)\n\(long),0,1\n", file: "t", format: format)
            }
            let length = TraceLimits.maxLineBytes + 1 + ",0,1".utf8.count
            #expect(e?.line == 2)
            #expect(e?.message == "line is \(length) bytes long; the limit is 65536 bytes (64 KiB)")
        }
    }

    @Test("an RTT matrix naming more than 1,024 regions is refused at the region past the limit")
    func rttRegions() {
        // Self rows r0…r1024: region r1024 would be the 1,025th, on line 1 + 1024 + 1.
        let text = "from,to,rtt_ms\n" + (0...TraceLimits.maxRegions).map { "r\($0),r\($0),1\n" }.joined()
        let e = Self.error { () throws(TraceError) in
            try RTTMatrixReader.parse(text: text, file: "m.csv", defaultIntraRegionRTT: 0)
        }
        #expect(e?.file == "m.csv")
        #expect(e?.line == 1 + TraceLimits.maxRegions + 1)
        #expect(e?.column == 1)
        #expect(e?.message == "region `r1024` would be region 1025; the limit is 1024 regions (the matrix holds every pair)")
    }

    @Test("a region table of more than 1,024 regions is refused")
    func regionTable() {
        let text = "region,tz,utc_offset_hours\n" + (0...TraceLimits.maxRegions).map { "r\($0),UTC,0\n" }.joined()
        let e = Self.error { () throws(TraceError) in try RegionTableReader.parse(text: text, file: "regions.csv") }
        #expect(e?.line == 1 + TraceLimits.maxRegions + 1)
        #expect(e?.message == "region `r1024` would be region 1025; the limit is 1024 regions")
    }

    @Test("a small table over the row limit or with a line over 64 KiB is refused")
    func tableRows() {
        let rows = "arrival_s\n1\n2\n3\n"
        let e = Self.error { () throws(TraceError) in
            try CSVRows.forEach(text: rows, file: "a.csv", header: ["arrival_s"], maxRows: 2) { _ in }
        }
        #expect(e == TraceError(file: "a.csv", line: 4, column: 1, message: "more than 2 rows; the limit is 2 rows"))
        let long = "arrival_s\n" + String(repeating: "1", count: TraceLimits.maxLineBytes + 1) + "\n"
        let l = Self.error { () throws(TraceError) in try ArrivalTraceReader.parse(text: long, file: "a.csv") }
        #expect(l?.line == 2)
        #expect(l?.message == "line is 65537 bytes long; the limit is 65536 bytes (64 KiB)")
    }

    @Test("a file over its size limit is refused from its size, before it is read")
    func fileSize() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("trace-limit-\(getpid())").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        // A sparse file: its size says 256 MiB + 1 byte while no byte is written.
        let path = dir + "/big.csv"
        #expect(FileManager.default.createFile(atPath: path, contents: Data("region,tz,utc_offset_hours\n".utf8)))
        #expect(truncate(path, off_t(TraceLimits.maxTableBytes + 1)) == 0)
        let e = Self.error { () throws(TraceError) in try RegionTableReader.read(path: path) }
        #expect(e == TraceError(file: path, line: 0, message: "the file is \(TraceLimits.maxTableBytes + 1) bytes; the limit is 268435456 bytes (256 MiB)"))
        // A calibration profile over 1 MiB, the same way.
        let profile = dir + "/profile.json"
        #expect(FileManager.default.createFile(atPath: profile, contents: Data("{}".utf8)))
        #expect(truncate(profile, off_t(DeviceProfile.maxBytes + 1)) == 0)
        let refusal = #expect(throws: DeviceProfile.ReadError.self) { try DeviceProfile.read(path: profile) }
        #expect(refusal?.description == "\(profile): the file is \(DeviceProfile.maxBytes + 1) bytes; the limit is 1048576 bytes (1 MiB)")
    }
}

/// The fuzz harness's YAML dictionary (Fuzz/yaml.dict) gives libFuzzer the schema's keys;
/// a key missing from it is one the fuzzer is unlikely to write.
@Suite("Fuzz dictionary")
struct FuzzDictionaryTests {
    @Test("Fuzz/yaml.dict lists every key of ScenarioSchema.fields")
    func everyKey() throws {
        let dict = try String(contentsOfFile: shipped("Fuzz/yaml.dict"), encoding: .utf8)
        let entries = Set(dict.split(separator: "\n").filter { $0.hasPrefix("\"") })
        let missing = Set(ScenarioSchema.fields.map(\.key)).filter { !entries.contains("\"\($0):\"") }.sorted()
        #expect(missing == [], "add these to Fuzz/yaml.dict as \"key:\" lines")
    }
}
