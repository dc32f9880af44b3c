#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import Testing
import SwarmModel
@testable import SwarmScenario

/// The two availability trace readers: fixtures read into the intervals they hold, traces
/// round-trip through CSV, and every malformed input is rejected with its exact
/// `file:line:column: message`.
@Suite("AvailabilityTraceReader")
struct AvailabilityTraceReaderTests {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("Fixtures")

    static let ftaHeader = "event_id\tcomponent_id\tnode_id\tplatform_id\tnode_name\tevent_type\tevent_start_time\tevent_stop_time\tevent_end_reason\n"

    // MARK: - Good input

    @Test("the CSV fixture reads into sorted intervals per device, in order of first appearance")
    func csvFixture() throws {
        let path = Self.fixtures.appendingPathComponent("availability-sample.csv").path
        let loaded = try AvailabilityTraceReader.read(path: path, format: .csv)
        let expected = AvailabilityTrace(hosts: [
            ("laptop-07", [(0, 1200), (3600, 7200), (10_000, 15_000)]),
            ("lab pc 3", [(0, 1800.5), (1800.5, 2400)]),        // touching intervals are fine
            ("nœud-é", [(86_400, 90_000)]),
        ])
        #expect(loaded.trace == expected)
        #expect(loaded.origin == 0)
    }

    @Test("the FTA fixture keeps availability (type 1) rows, keyed by node_id, shifted to the earliest start")
    func ftaFixture() throws {
        let path = Self.fixtures.appendingPathComponent("availability-fta-sample.tab").path
        let loaded = try AvailabilityTraceReader.read(path: path, format: .fta)
        let origin = 1_136_070_000.0                             // event 5's start, a type-0 row
        #expect(loaded.origin == origin)
        let expected = AvailabilityTrace(hosts: [
            ("alpha", [(1_136_073_600 - origin, 1_136_080_800 - origin),
                       (1_136_084_400 - origin, 1_136_091_600.5 - origin)]),
            ("11", [(1_136_072_000 - origin, 1_136_075_000 - origin),   // event 7 sorts first
                    (1_136_077_200 - origin, 1_136_078_000 - origin)]),
            ("gamma", []),                                        // only ever unavailable
        ])
        #expect(loaded.trace == expected)
        #expect(loaded.trace.offDurations == [1_136_084_400 - 1_136_080_800, 1_136_077_200 - 1_136_075_000])
    }

    @Test("an FTA file without a header, with CRLF line ends, reads the same")
    func ftaWithoutHeader() throws {
        let text = "1\t0\t5\t1\tn5\t1\t100\t200\t1\r\n2\t0\t5\t1\tn5\t1\t300\t400\r\n"
        let loaded = try AvailabilityTraceReader.parse(text: text, file: "e.tab", format: .fta)
        #expect(loaded.origin == 100)
        #expect(loaded.trace == AvailabilityTrace(hosts: [("n5", [(0, 100), (200, 300)])]))
    }

    @Test("a trace written as CSV reads back equal", arguments: [1, 7, 42])
    func roundTrip(seed: Int) throws {
        // Deterministic pseudo-random intervals from the seed (no kernel stream needed).
        var state = UInt64(seed)
        func next() -> Double {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Double(state >> 11) / Double(1 << 53)
        }
        var hosts: [(name: String, intervals: [(start: Double, end: Double)])] = []
        for h in 0..<25 {
            var t = next() * 100, intervals: [(start: Double, end: Double)] = []
            for _ in 0..<(h % 6) {
                let on = 1 + next() * 1000
                intervals.append((t, t + on))
                t += on + next() * 500                           // may be 0: touching
            }
            hosts.append(("host \(h)", intervals))
        }
        let trace = AvailabilityTrace(hosts: hosts)
        let loaded = try AvailabilityTraceReader.parse(text: Self.csv(trace, shuffled: true), file: "rt.csv", format: .csv)
        // Hosts without intervals have no rows, so they are not in the CSV.
        let kept = AvailabilityTrace(hosts: hosts.filter { !$0.intervals.isEmpty })
        #expect(loaded.trace == kept)
    }

    /// `trace` as CSV; rows of each host reversed when `shuffled` (the reader sorts them).
    static func csv(_ trace: AvailabilityTrace, shuffled: Bool = false) -> String {
        var out = "device,start,end\n"
        for h in 0..<trace.hostCount {
            let rows = trace.intervals(ofHost: h)
            for iv in shuffled ? rows.reversed() : rows {
                out += "\(trace.hostNames[h]),\(iv.start),\(iv.end)\n"
            }
        }
        return out
    }

    @Test("200,000 rows parse into the right trace")
    func manyRows() throws {
        let hosts = 2_000, perHost = 100
        var text = "device,start,end\n"
        text.reserveCapacity(hosts * perHost * 24)
        for i in 0..<perHost {
            for h in 0..<hosts { text += "d\(h),\(i * 100),\(i * 100 + 60)\n" }
        }
        let clock = ContinuousClock()
        var loaded: AvailabilityTraceReader.Loaded?
        let elapsed = try clock.measure {
            loaded = try AvailabilityTraceReader.parse(text: text, file: "big.csv", format: .csv)
        }
        let trace = try #require(loaded).trace
        #expect(trace.hostCount == hosts && trace.intervalCount == hosts * perHost)
        #expect(trace.intervals(ofHost: 1999).last! == (Double((perHost - 1) * 100), Double((perHost - 1) * 100 + 60)))
        print("parsed \(hosts * perHost) CSV rows in \(elapsed)")
    }

    // MARK: - Bad input

    struct Bad: CustomTestStringConvertible, Sendable {
        let name: String
        let format: AvailabilityTraceReader.Format
        let text: String
        let error: String
        var testDescription: String { name }
    }

    static let csvHeader = "device,start,end\n"

    static let bad: [Bad] = [
        Bad(name: "CSV without a header", format: .csv, text: "a,0,10\n",
            error: #"t.csv:1:1: expected header "device,start,end", found "a,0,10""#),
        Bad(name: "empty CSV", format: .csv, text: "",
            error: #"t.csv:1:1: expected header "device,start,end", found end of file"#),
        Bad(name: "CSV row with two fields", format: .csv, text: csvHeader + "a,0\n",
            error: "t.csv:2:4: expected 3 fields (device,start,end), found 2"),
        Bad(name: "CSV row with four fields", format: .csv, text: csvHeader + "a,0,10,x\n",
            error: "t.csv:2:8: expected 3 fields (device,start,end), found 4"),
        Bad(name: "empty device", format: .csv, text: csvHeader + " ,0,10\n",
            error: "t.csv:2:2: device name is empty"),
        Bad(name: "end not a number", format: .csv, text: csvHeader + "a,0,abc\n",
            error: #"t.csv:2:5: end "abc" is not a number of seconds"#),
        Bad(name: "infinite start", format: .csv, text: csvHeader + "a,inf,5\n",
            error: #"t.csv:2:3: start "inf" is not a number of seconds"#),
        Bad(name: "negative start", format: .csv, text: csvHeader + "host-1,-5,10\n",
            error: #"t.csv:2:8: start "-5" is negative; expected seconds ≥ 0"#),
        Bad(name: "start after end", format: .csv, text: csvHeader + "a,20,10\n",
            error: #"t.csv:2:6: end "10" is not after start "20""#),
        Bad(name: "empty interval", format: .csv, text: csvHeader + "a,20,20\n",
            error: #"t.csv:2:6: end "20" is not after start "20""#),
        Bad(name: "overlap across unsorted rows", format: .csv,
            text: csvHeader + "a,100,200\nb,0,5\na,0,150\n",
            error: #"t.csv:4:3: interval [0, 150) of device "a" overlaps [100, 200) on line 2"#),
        Bad(name: "interval inside an earlier one", format: .csv,
            text: csvHeader + "a,0,1000\na,10,20\na,50,60\n",
            error: #"t.csv:3:3: interval [10, 20) of device "a" overlaps [0, 1000) on line 2"#),
        Bad(name: "column counted in characters, not bytes", format: .csv,
            text: csvHeader + "nœud-é,1,x\n",
            error: #"t.csv:2:10: end "x" is not a number of seconds"#),
        Bad(name: "comments and blank lines count as lines; CRLF", format: .csv,
            text: "# comment\r\n\r\ndevice,start,end\r\n  \r\na,1,x\r\n",
            error: #"t.csv:5:5: end "x" is not a number of seconds"#),
        Bad(name: "FTA event_type 2", format: .fta, text: "1\t0\t7\t1\thost7\t2\t1000\t2000\t0\n",
            error: #"e.tab:1:15: event_type "2" is not 0 (unavailable) or 1 (available)"#),
        Bad(name: "FTA row with seven fields", format: .fta, text: ftaHeader + "1\t0\t7\t1\thost7\t1\t1000\n",
            error: "e.tab:2:21: expected 9 tab-separated fields (event_id … event_end_reason; the last may be omitted), found 7"),
        Bad(name: "FTA stop before start (unavailability row)", format: .fta,
            text: "1\t0\t7\t1\thost7\t0\t3000\t2000\t0\n",
            error: #"e.tab:1:22: event_stop_time "2000" is not after event_start_time "3000""#),
        Bad(name: "FTA start not a number", format: .fta, text: "1\t0\t7\t1\thost7\t1\t12:00\t2000\t0\n",
            error: #"e.tab:1:17: event_start_time "12:00" is not a number of seconds"#),
        Bad(name: "FTA empty node_id", format: .fta, text: "1\t0\t\t1\thost7\t1\t1000\t2000\t0\n",
            error: "e.tab:1:5: node_id is empty"),
        Bad(name: "FTA overlapping availability", format: .fta,
            text: ftaHeader + "1\t0\t7\t1\thost7\t1\t1000\t2000\t1\n2\t0\t7\t1\thost7\t1\t1500\t2500\t1\n",
            error: #"e.tab:3:17: availability [1500, 2500) of node "host7" overlaps [1000, 2000) on line 2"#),
    ]

    @Test("malformed input is rejected with file:line:column: message", arguments: bad)
    func rejects(_ c: Bad) {
        let file = c.format == .csv ? "t.csv" : "e.tab"
        do {
            let loaded = try AvailabilityTraceReader.parse(text: c.text, file: file, format: c.format)
            Issue.record("accepted: \(loaded.trace)")
        } catch {
            #expect(error.description == c.error)
        }
    }

    @Test("a missing file is an error on line 0 of that file")
    func missingFile() {
        #expect(throws: TraceError.self) {
            try AvailabilityTraceReader.read(path: "/nonexistent/trace.csv", format: .csv)
        }
        do {
            _ = try AvailabilityTraceReader.read(path: "/nonexistent/trace.csv", format: .csv)
        } catch {
            #expect(error.file == "/nonexistent/trace.csv" && error.line == 0 && error.column == nil)
            #expect(error.description.hasPrefix("/nonexistent/trace.csv:0: cannot open file: "))
        }
    }

    @Test("TraceError prints like a compiler diagnostic")
    func traceErrorDescription() {
        #expect(TraceError(file: "a.csv", line: 3, column: 7, message: "m").description == "a.csv:3:7: m")
        #expect(TraceError(file: "a.csv", line: 3, message: "m").description == "a.csv:3: m")
    }
}
