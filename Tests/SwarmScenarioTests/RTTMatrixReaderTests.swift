import Testing
import SwarmModel
@testable import SwarmScenario

@Suite("RTTMatrix reader")
struct RTTMatrixReaderTests {
    static func fixture(_ name: String) -> String {
        let here = "\(#filePath)"
        return here[..<here.lastIndex(of: "/")!] + "/Fixtures/" + name
    }

    /// The error `body` throws (nil if none).
    static func error(_ body: () throws(TraceError) -> RTTMatrix) -> TraceError? {
        do { _ = try body(); return nil } catch { return error }
    }

    static func parse(_ text: String, known: [String]? = nil) -> TraceError? {
        error { () throws(TraceError) in
            try RTTMatrixReader.parse(text: text, file: "m.csv", defaultIntraRegionRTT: 0.001, knownRegions: known)
        }
    }

    @Test("a valid file: comments, blank lines, padding, a repeated equal row, symmetric fill")
    func valid() throws {
        let m = try RTTMatrixReader.read(path: Self.fixture("rtt-valid.csv"), defaultIntraRegionRTT: 0.002)
        #expect(m.names == ["eu-west", "us-east", "ap-south"])
        let eu = m.region(named: "eu-west")!, us = m.region(named: "us-east")!, ap = m.region(named: "ap-south")!
        #expect(m.rtt(from: eu, to: us) == 80 / 1000.0)
        #expect(m.rtt(from: us, to: eu) == 80 / 1000.0)
        #expect(m.rtt(from: us, to: ap) == 150 / 1000.0)
        #expect(m.rtt(from: ap, to: us) == 152 / 1000.0)
        #expect(m.rtt(from: ap, to: eu) == 230 / 1000.0)
        #expect(m.rtt(from: eu, to: eu) == 4 / 1000.0)
        #expect(m.rtt(from: ap, to: ap) == 0.002)
    }

    @Test("CRLF line ends; both directions given are both kept")
    func crlf() throws {
        let m = try RTTMatrixReader.read(path: Self.fixture("rtt-crlf-asymmetric.csv"), defaultIntraRegionRTT: 0)
        #expect(m.seconds == [0, 80 / 1000.0, 81 / 1000.0, 0])
    }

    @Test("known regions fix the order of region ids")
    func knownOrder() throws {
        let m = try RTTMatrixReader.parse(text: "from,to,rtt_ms\nb,a,10\n", file: "m.csv",
                                          defaultIntraRegionRTT: 0, knownRegions: ["a", "b"])
        #expect(m.region(named: "a") == RegionID(0))
        #expect(m.rtt(from: RegionID(0), to: RegionID(1)) == 10 / 1000.0)
    }

    @Test("a missing header names the file and line and shows what was expected")
    func missingHeader() {
        let path = Self.fixture("rtt-no-header.csv")
        let e = Self.error { () throws(TraceError) in try RTTMatrixReader.read(path: path, defaultIntraRegionRTT: 0) }
        #expect(e == TraceError(file: path, line: 1, column: 1,
                                message: "missing header: expected `from,to,rtt_ms`, found `eu,us,80`"))
        #expect(e?.description == "\(path):1:1: missing header: expected `from,to,rtt_ms`, found `eu,us,80`")
        #expect(Self.parse("") == TraceError(file: "m.csv", line: 1, message: "missing header: expected `from,to,rtt_ms`, found an empty file"))
    }

    @Test("a non-numeric rtt from a file: line and column of the field")
    func badNumberFile() {
        let path = Self.fixture("rtt-bad-number.csv")
        let e = Self.error { () throws(TraceError) in try RTTMatrixReader.read(path: path, defaultIntraRegionRTT: 0) }
        #expect(e == TraceError(file: path, line: 3, column: 7,
                                message: "`rtt_ms` must be a number of milliseconds, found `fast`"))
    }

    @Test("each kind of bad row is reported with file:line and what was expected")
    func rowErrors() {
        #expect(Self.parse("from,to,rtt_ms\na,b\n")
                == TraceError(file: "m.csv", line: 2, message: "expected 3 fields (from,to,rtt_ms), found 2"))
        #expect(Self.parse("from,to,rtt_ms\na,b,1,2\n")
                == TraceError(file: "m.csv", line: 2, message: "expected 3 fields (from,to,rtt_ms), found 4"))
        #expect(Self.parse("from,to,rtt_ms\na,b,-3\n")
                == TraceError(file: "m.csv", line: 2, column: 5, message: "`rtt_ms` must be ≥ 0, found `-3`"))
        #expect(Self.parse("from,to,rtt_ms\na,b,inf\n")
                == TraceError(file: "m.csv", line: 2, column: 5, message: "`rtt_ms` must be a number of milliseconds, found `inf`"))
        #expect(Self.parse("from,to,rtt_ms\n,b,3\n")
                == TraceError(file: "m.csv", line: 2, column: 1, message: "empty `from`: expected a region name"))
        #expect(Self.parse("from,to,rtt_ms\na,b,10\n# note\na,b,12\n")
                == TraceError(file: "m.csv", line: 4, column: 5,
                              message: "RTT a→b is 12 ms here but 10 ms on line 2; expected one value per direction"))
    }

    @Test("an unknown region suggests the nearest known one")
    func unknownRegion() {
        #expect(Self.parse("from,to,rtt_ms\neu-west,us-esat,80\n", known: ["eu-west", "us-east"])
                == TraceError(file: "m.csv", line: 2, column: 9,
                              message: "unknown region `us-esat` in `to`; did you mean `us-east`? (expected one of: eu-west, us-east)"))
    }

    @Test("a pair with no measurement in either direction")
    func missingPair() {
        #expect(Self.parse("from,to,rtt_ms\na,b,10\nb,c,20\n")
                == TraceError(file: "m.csv", line: 4,
                              message: "no RTT between `a` and `c`: expected a row `a,c,rtt_ms` (or the reverse)"))
        #expect(Self.parse("from,to,rtt_ms\na,b,10\n", known: ["a", "b", "c"])
                == TraceError(file: "m.csv", line: 3,
                              message: "no RTT between `a` and `c`: expected a row `a,c,rtt_ms` (or the reverse)"))
    }
}
