import Testing
@testable import SwarmScenario

/// Accepted spellings are checked against values written as derivations from the unit's
/// definition; rejected ones against the whole message, so a changed wording, a lost
/// suggestion or a wrongly accepted input each fail.
@Suite("UnitParser")
struct UnitParserTests {
    /// The error `parse` throws for `text` (nil if it returns a value).
    static func error(_ parse: (String) throws(UnitError) -> Double, _ text: String) -> UnitError? {
        do { _ = try parse(text); return nil } catch { return error }
    }

    static let durationUnits = "expected a number and one of ns, µs, ms, s, min, h, d, w (e.g. \"90s\", \"1h30m\")"
    static let byteUnits = "expected a number and one of B, kB, MB, GB, TB, PB, KiB, MiB, GiB, TiB, PiB (e.g. \"512MiB\", \"1.5GB\")"
    static let bandwidthUnits = "expected a number and one of bit/s, kbit/s, Mbit/s, Gbit/s, Tbit/s, B/s, kB/s, MB/s, GB/s, TB/s, KiB/s, MiB/s, GiB/s, TiB/s (bits also as b/s, Mb/s, … or bps, Mbps, …) (e.g. \"100Mbit/s\", \"12.5MB/s\")"
    static let powerUnits = "expected a number and one of mW, W, kW, MW (e.g. \"5W\", \"1.2kW\")"
    static let moneyForms = "expected \"$\" and a number and \"/h\", or a number and \"USD/h\" (e.g. \"$0.34/h\", \"4.10 USD/h\")"

    static let KiB = 1024.0, MiB = 1024 * KiB, GiB = 1024 * MiB, TiB = 1024 * GiB, PiB = 1024 * TiB
    static let minute = 60.0, hour = 3600.0, day = 86_400.0

    static let durationCases: [(String, Double)] = [
        ("2h", 2 * hour), ("90s", 90), ("1.5 s", 1.5), ("50ms", 50 / 1000.0),
        ("2d", 2 * day), ("1w", 7 * day), ("100ns", 100 / 1e9),
        ("250us", 250 / 1e6), ("250µs", 250 / 1e6), ("250μs", 250 / 1e6),  // micro sign, Greek mu
        ("3min", 3 * minute), ("3m", 3 * minute), ("1.5h", 1.5 * hour), ("0s", 0),
        ("2.5e-3 s", 2.5 / 1000), ("1e3ms", 1), ("1E2s", 100), ("\t 90s  ", 90), ("90\ts", 90),
    ]
    static let combinedCases: [(String, Double)] = [
        ("1h30m", hour + 30 * minute), ("1h 30m", hour + 30 * minute), ("1 h 30 m", hour + 30 * minute),
        ("2d12h", 2 * day + 12 * hour), ("1m30s", minute + 30), ("1min30s", minute + 30),
        ("1h30m15s", hour + 30 * minute + 15), ("1h90m", hour + 90 * minute), ("1w1d", 8 * day),
        ("1s500ms", 1.5), ("2h0.5m", 2 * hour + minute / 2),
    ]
    static let byteCases: [(String, Double)] = [
        ("4GiB", 4 * 1024 * 1024 * 1024), ("512MiB", 512 * MiB), ("10KiB", 10 * 1024),
        ("2PiB", 2 * PiB), ("1TiB", TiB),
        ("1.5GB", 1.5e9), ("100kB", 100e3), ("1TB", 1e12), ("3PB", 3e15), ("64B", 64),
        ("1e6 B", 1e6), ("0.5 MB", 500_000), ("2.5e3 kB", 2.5e6),
    ]
    static let bandwidthCases: [(String, Double)] = [
        ("100Mbit/s", 100e6 / 8), ("1Gbit/s", 1e9 / 8), ("10 Gb/s", 10e9 / 8), ("50Mbps", 50e6 / 8),
        ("8bit/s", 1), ("1kb/s", 1e3 / 8), ("2 kbps", 2e3 / 8), ("1 Tbps", 1e12 / 8), ("40bps", 5),
        ("12.5MB/s", 12.5e6), ("1GiB/s", GiB), ("100 B/s", 100), ("3kB/s", 3000),
        ("2 MiB/s", 2 * MiB), ("1TB/s", 1e12),
    ]
    static let flopsCases: [(String, Double)] = [
        ("1.5TFLOP/s", 1.5e12), ("1.5 TFLOPS", 1.5e12), ("200GFLOP/s", 200e9), ("19.5 TFLOP/s", 19.5e12),
        ("10 MFLOPS", 10e6), ("1EFLOP/s", 1e18), ("2 PFLOP/s", 2e15), ("300 FLOP/s", 300), ("4kFLOP/s", 4000),
    ]
    static let powerCases: [(String, Double)] = [
        ("5W", 5.0), ("0.5 W", 0.5), ("1.2kW", 1200), ("250mW", 0.25), ("2MW", 2e6),
    ]
    static let moneyCases: [(String, Double)] = [
        ("$0.34/h", 0.34), ("4.10 USD/h", 4.10), ("4.10USD/h", 4.10), ("$ 2/h", 2), (" $1.5 /h ", 1.5),
    ]
    static let rejectedCases: [(String, String, String)] = [
        // Durations.
        ("duration", "1.5 parsecs", "\"1.5 parsecs\" is not a duration: \(durationUnits)"),
        ("duration", "90", "\"90\" is not a duration: a unit is required after \"90\"; \(durationUnits)"),
        ("duration", "1h30", "\"1h30\" is not a duration: a unit is required after \"30\"; \(durationUnits)"),
        ("duration", "", "\"\" is not a duration: \(durationUnits)"),
        ("duration", "5 secs", "\"5 secs\" is not a duration: unknown unit \"secs\" (did you mean \"s\"?); \(durationUnits)"),
        ("duration", "2 hours", "\"2 hours\" is not a duration: unknown unit \"hours\" (did you mean \"h\"?); \(durationUnits)"),
        ("duration", "10 sek", "\"10 sek\" is not a duration: unknown unit \"sek\" (did you mean \"s\"?); \(durationUnits)"),
        ("duration", "1.5 S", "\"1.5 S\" is not a duration: unknown unit \"S\" (did you mean \"s\"?); \(durationUnits)"),
        ("duration", "3x", "\"3x\" is not a duration: \(durationUnits)"),
        ("duration", "-5s", "\"-5s\" is not a duration: the value must not be negative"),
        ("duration", "1h-30m", "\"1h-30m\" is not a duration: the value must not be negative"),
        ("duration", "+5s", "\"+5s\" is not a duration: write the number without \"+\""),
        ("duration", "nan s", "\"nan s\" is not a duration: the number must be finite"),
        ("duration", "-inf h", "\"-inf h\" is not a duration: the number must be finite"),
        ("duration", "1e400s", "\"1e400s\" is not a duration: the value is too large"),
        ("duration", ".5s", "\".5s\" is not a duration: \(durationUnits)"),
        ("duration", "30m1h", "\"30m1h\" is not a duration: in a combined duration the units must go from the largest to the smallest, each once (e.g. \"1h30m\")"),
        ("duration", "1m30min", "\"1m30min\" is not a duration: in a combined duration the units must go from the largest to the smallest, each once (e.g. \"1h30m\")"),
        // Data sizes.
        ("bytes", "4096", "\"4096\" is not a data size: a unit is required after \"4096\"; \(byteUnits)"),
        ("bytes", "4 KB", "\"4 KB\" is not a data size: the unit \"KB\" is ambiguous; write \"kB\" (kilobytes) or \"KiB\" (kibibytes)"),
        ("bytes", "4gb", "\"4gb\" is not a data size: unknown unit \"gb\" (did you mean \"GB\"?); \(byteUnits)"),
        ("bytes", "64 bytes", "\"64 bytes\" is not a data size: unknown unit \"bytes\" (did you mean \"B\"?); \(byteUnits)"),
        ("bytes", "1.5GB 3", "\"1.5GB 3\" is not a data size: \(byteUnits)"),
        // Bandwidths.
        ("bandwidth", "100Mbit", "\"100Mbit\" is not a bandwidth: a bandwidth needs \"/s\" (e.g. \"100Mbit/s\")"),
        ("bandwidth", "12.5 MB", "\"12.5 MB\" is not a bandwidth: a bandwidth needs \"/s\" (e.g. \"12.5 MB/s\")"),
        ("bandwidth", "100mb/s", "\"100mb/s\" is not a bandwidth: the unit \"mb/s\" is ambiguous; write \"MB/s\" (megabytes per second) or \"Mb/s\" (megabits per second)"),
        ("bandwidth", "100mB/s", "\"100mB/s\" is not a bandwidth: the unit \"mB/s\" is ambiguous; write \"MB/s\" (megabytes per second) or \"Mb/s\" (megabits per second)"),
        ("bandwidth", "50MBps", "\"50MBps\" is not a bandwidth: the unit \"MBps\" is ambiguous; write \"MB/s\" (megabytes per second) or \"Mbps\" (megabits per second)"),
        ("bandwidth", "10 Mbit/sec", "\"10 Mbit/sec\" is not a bandwidth: unknown unit \"Mbit/sec\" (did you mean \"Mbit/s\"?); \(bandwidthUnits)"),
        ("bandwidth", "50 mbps", "\"50 mbps\" is not a bandwidth: unknown unit \"mbps\" (did you mean \"Mbps\"?); \(bandwidthUnits)"),
        ("bandwidth", "100", "\"100\" is not a bandwidth: a unit is required after \"100\"; \(bandwidthUnits)"),
        // Compute rates, powers, prices.
        ("flops", "1.5TFLOP", "\"1.5TFLOP\" is not a compute rate: a compute rate needs \"/s\" (e.g. \"1.5TFLOP/s\")"),
        ("flops", "1.5 tflops", "\"1.5 tflops\" is not a compute rate: unknown unit \"tflops\" (did you mean \"TFLOPS\"?); expected a number and one of FLOP/s, kFLOP/s, MFLOP/s, GFLOP/s, TFLOP/s, PFLOP/s, EFLOP/s (or FLOPS, kFLOPS, …) (e.g. \"19.5TFLOP/s\", \"1.5 TFLOPS\")"),
        ("power", "5mw", "\"5mw\" is not a power: the unit \"mw\" is ambiguous; write \"mW\" (milliwatts) or \"MW\" (megawatts)"),
        ("power", "5 watts", "\"5 watts\" is not a power: unknown unit \"watts\" (did you mean \"W\"?); \(powerUnits)"),
        ("power", "12V", "\"12V\" is not a power: \(powerUnits)"),  // one letter off "W", but not a typo of it
        ("power", "-0.5W", "\"-0.5W\" is not a power: the value must not be negative"),
        ("money", "$0.34", "\"$0.34\" is not an hourly price: an hourly price needs \"/h\" (e.g. \"$0.34/h\")"),
        ("money", "4.10 USD", "\"4.10 USD\" is not an hourly price: an hourly price needs \"/h\" (e.g. \"4.10 USD/h\")"),
        ("money", "$0.34/hr", "\"$0.34/hr\" is not an hourly price: unknown unit \"/hr\" (did you mean \"/h\"?); \(moneyForms)"),
        ("money", "4.10 EUR/h", "\"4.10 EUR/h\" is not an hourly price: \(moneyForms)"),
        ("money", "0.34", "\"0.34\" is not an hourly price: a unit is required after \"0.34\"; \(moneyForms)"),
    ]

    // MARK: Accepted

    @Test("durations in seconds", arguments: durationCases)
    func durations(_ text: String, _ seconds: Double) throws {
        #expect(try UnitParser.duration(text) == seconds)
    }

    @Test("combined durations add up, largest unit first", arguments: combinedCases)
    func combinedDurations(_ text: String, _ seconds: Double) throws {
        #expect(try UnitParser.duration(text) == seconds)
    }

    @Test("data sizes in bytes: SI prefixes are powers of ten, binary ones of 1024", arguments: byteCases)
    func bytes(_ text: String, _ bytes: Double) throws {
        #expect(try UnitParser.bytes(text) == bytes)
    }

    @Test("bandwidths in bytes per second: bit rates are divided by 8", arguments: bandwidthCases)
    func bandwidths(_ text: String, _ bytesPerSecond: Double) throws {
        #expect(try UnitParser.bandwidth(text) == bytesPerSecond)
    }

    @Test("compute rates in FLOP/s, as FLOP/s or FLOPS", arguments: flopsCases)
    func flops(_ text: String, _ flopsPerSecond: Double) throws {
        #expect(try UnitParser.flops(text) == flopsPerSecond)
    }

    @Test("powers in watts", arguments: powerCases)
    func powers(_ text: String, _ watts: Double) throws {
        #expect(try UnitParser.power(text) == watts)
    }

    @Test("hourly prices in dollars", arguments: moneyCases)
    func money(_ text: String, _ dollars: Double) throws {
        #expect(try UnitParser.money(text) == dollars)
    }

    @Test("a decimal prefix is applied to the number's text, not by multiplying the rounded number")
    func decimalPrefixIsExact() throws {
        // The naive products are off by one ulp (`runtime` keeps the compiler from folding
        // them); the parser returns the Double nearest the decimal value.
        let runtime = { (x: Double) in x }
        #expect(runtime(8.2) * 1e6 != 8_200_000)
        #expect(try UnitParser.bandwidth("8.2MB/s") == 8_200_000)
        #expect(runtime(4.35) * 1e12 != 4_350_000_000_000)
        #expect(try UnitParser.flops("4.35TFLOP/s") == 4_350_000_000_000)
        #expect(runtime(8.2) / 1e3 != 0.0082)
        #expect(try UnitParser.duration("8.2ms") == 0.0082)
        #expect(try UnitParser.bytes("8.2GB") == 8_200_000_000)
    }

    // MARK: Rejected

    @Test("rejected inputs, each with its exact message", arguments: rejectedCases)
    func rejected(_ kind: String, _ text: String, _ message: String) {
        let parse: (String) throws(UnitError) -> Double = switch kind {
        case "duration": UnitParser.duration
        case "bytes": UnitParser.bytes
        case "bandwidth": UnitParser.bandwidth
        case "flops": UnitParser.flops
        case "power": UnitParser.power
        default: UnitParser.money
        }
        let error = Self.error(parse, text)
        #expect(error?.message == message)
        #expect(error?.description == message)
    }

    @Test("each kind rejects the other kinds' units")
    func kindsDoNotMix() {
        #expect(Self.error(UnitParser.duration, "5W") != nil)
        #expect(Self.error(UnitParser.bytes, "100Mbit/s") != nil)
        #expect(Self.error(UnitParser.bandwidth, "4GiB") != nil)
        #expect(Self.error(UnitParser.flops, "5kW") != nil)
        #expect(Self.error(UnitParser.power, "1.5TFLOP/s") != nil)
        #expect(Self.error(UnitParser.bytes, "1h") != nil)
    }
}
