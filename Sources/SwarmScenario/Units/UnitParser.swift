/// A quantity in a scenario file that could not be read, with a message meant for the person
/// who wrote the file: what was found, what kind of quantity was expected, and, for a
/// near-miss unit, the spelling that was probably meant.
///
/// The message always starts with the input in quotes and the kind of quantity, e.g.
/// `"1.5 parsecs" is not a duration: expected a number and one of ns, µs, ms, s, min, h, d, w
/// (e.g. "90s", "1h30m")`. The scenario layer adds the file and line (see ``TraceError``).
public struct UnitError: Error, Equatable, CustomStringConvertible, Sendable {
    public var message: String

    public init(message: String) { self.message = message }

    public var description: String { message }
}

/// Reads quantities with units, as scenario files spell them (`"2h"`, `"4GiB"`,
/// `"100Mbit/s"`, `"19.5 TFLOP/s"`, `"5W"`, `"$0.34/h"`), into the model's SI vocabulary
/// (seconds, bytes, bytes per second, FLOP per second, watts, dollars per hour — see `Unit`).
///
/// Why: a bare `100` in a scenario file could be Mbit/s or MB/s, seconds or milliseconds,
/// and a factor-of-8 or factor-of-1000 slip goes unnoticed in a simulation's output. So units
/// are mandatory, spelled inside the value, and converted once, here at the edge; everything
/// past this point is SI `Double`s. The parser is strict on purpose — a spelling is either
/// exactly one of the listed units or an error that says what was expected — so nothing is
/// silently guessed.
///
/// Grammar, shared by every kind:
///
/// - The number is decimal digits with an optional fraction (`1.5`; digits are required on both
///   sides of the point) and an optional exponent (`1e6`, `2.5E-3`). No sign: a leading `-` is
///   rejected as negative, `+` as superfluous; `nan`, `inf` and values too large for a
///   `Double` are rejected.
/// - Blanks (spaces, tabs) are allowed around the value and between the number and its unit.
/// - The unit is mandatory and case-sensitive: SI prefixes are `k` (10³), `M` (10⁶), `G` (10⁹),
///   `T` (10¹²), `P` (10¹⁵), `E` (10¹⁸) and `m` (10⁻³, only in `mW`); binary ones are `Ki`, `Mi`,
///   `Gi`, `Ti`, `Pi` (powers of 1024). `B` is a byte, `b` and `bit` a bit. A unit that matches
///   only when case is ignored is rejected with a did-you-mean, or, when it could mean more than
///   one unit (`mb/s`: `Mb/s` or `MB/s`? `mw`: `mW` or `MW`?), rejected as ambiguous with
///   both readings. Other near misses (`secs`, `Mbit/sec`, `watts`) get a did-you-mean found
///   by edit distance over the units and their spelled-out names.
///
/// Precision: decimal prefixes are applied to the number's text (`"1.1kW"` is read as
/// `1.1e3`), so the result is the `Double` nearest the exact decimal value — `1100`, not
/// `1.1 * 1000 = 1100.0000000000002`. Other factors (1024ⁿ, 60, 3600, 1/8) are exact `Double`s,
/// applied with one multiplication.
public enum UnitParser {

    /// Seconds, from a duration such as `"90s"`, `"1.5 s"`, `"50ms"`, `"2h"`, `"1h30m"`.
    ///
    /// Units: `ns`, `µs` (also written `us`, or with the Greek `μ`), `ms`, `s`, `min` (also
    /// `m`), `h`, `d` (86 400 s), `w` (7 d). `m` always means minutes and `ms` milliseconds;
    /// there are no months or years (their length is not fixed).
    ///
    /// Combined forms add up components written from the largest unit to the smallest, each
    /// unit at most once, blanks between components allowed: `"1h30m"`, `"1h 30m"`,
    /// `"2d12h"`, `"1m30s"`. A component's number is not limited by the next unit up
    /// (`"1h90m"` is 9000 s).
    public static func duration(_ text: String) throws(UnitError) -> Double {
        let kind = Kind.duration
        let s = trimmed(text[...])
        var total = 0.0
        var rest = s
        var previous: Spelling?
        repeat {
            let (value, spelling, after) = try component(text, &rest, kind)
            if let previous, spelling.magnitude >= previous.magnitude {
                throw fail(text, kind, "in a combined duration the units must go from the largest to the smallest, each once (e.g. \"1h30m\")")
            }
            previous = spelling
            total += value
            rest = trimmed(after)
        } while !rest.isEmpty
        guard total.isFinite else { throw fail(text, kind, "the value is too large") }
        return total
    }

    /// Bytes, from a data size such as `"64B"`, `"100kB"`, `"1.5GB"`, `"10KiB"`, `"4GiB"`,
    /// `"1e6 B"`.
    ///
    /// `kB`, `MB`, `GB`, `TB`, `PB` are powers of ten (data volumes, disk sizes);
    /// `KiB`, `MiB`, `GiB`, `TiB`, `PiB` powers of 1024 (memory). `KB` is rejected as
    /// ambiguous between the two; bits are not a data size here.
    public static func bytes(_ text: String) throws(UnitError) -> Double {
        try single(text, .bytes)
    }

    /// Bytes per second, from a bandwidth such as `"100Mbit/s"`, `"10 Gb/s"`, `"50Mbps"`,
    /// `"12.5MB/s"`, `"1GiB/s"`.
    ///
    /// Bits: `bit/s`, `b/s` or `bps` with prefix `k`, `M`, `G`, `T` (powers of ten, as links are
    /// quoted), divided by 8. Bytes: `B/s`, `kB/s` … `TB/s` and `KiB/s` … `TiB/s`. The `/s`
    /// is required: `"100Mbit"` is an amount, not a rate. `mb/s` and `mB/s` are rejected as
    /// ambiguous between `Mb/s` and `MB/s`.
    public static func bandwidth(_ text: String) throws(UnitError) -> Double {
        try single(text, .bandwidth)
    }

    /// FLOP per second, from a compute rate such as `"200GFLOP/s"`, `"1.5TFLOP/s"`,
    /// `"19.5 TFLOP/s"`, `"1.5 TFLOPS"`.
    ///
    /// `FLOP/s` or `FLOPS` with prefix `k`, `M`, `G`, `T`, `P`, `E` (powers of ten). `"1.5TFLOP"`
    /// without `/s` is rejected: it is an amount of work, not a rate.
    public static func flops(_ text: String) throws(UnitError) -> Double {
        try single(text, .flops)
    }

    /// Watts, from a power such as `"5W"`, `"0.5 W"`, `"1.2kW"`; also `mW` and `MW`
    /// (`mw` and `Mw` are rejected as ambiguous between the two).
    public static func power(_ text: String) throws(UnitError) -> Double {
        try single(text, .power)
    }

    /// US dollars per hour, from an hourly price such as `"$0.34/h"` or `"4.10 USD/h"` (the
    /// way cloud instances are priced). The `/h` is required; no other currency is read,
    /// since the model has no exchange rates.
    public static func money(_ text: String) throws(UnitError) -> Double {
        let s = trimmed(text[...])
        if s.first == "$" {
            return try single(text, .dollars, body: trimmed(s.dropFirst()))
        }
        return try single(text, .usd)
    }

    /// US dollars per kilowatt-hour of electricity: `"$0.15/kWh"`, `"0.15 USD/kWh"`, or per
    /// megawatt-hour (`"$80/MWh"`). Returns $/kWh.
    public static func energyPrice(_ text: String) throws(UnitError) -> Double {
        let s = trimmed(text[...])
        if s.first == "$" { return try single(text, .dollarsPerEnergy, body: trimmed(s.dropFirst())) }
        return try single(text, .usdPerEnergy)
    }

    /// US dollars per gigabyte (10⁹ bytes) moved: `"$0.09/GB"`, `"0.09 USD/GB"`, or per
    /// terabyte (`"$90/TB"`). Returns $/GB.
    public static func dataPrice(_ text: String) throws(UnitError) -> Double {
        let s = trimmed(text[...])
        if s.first == "$" { return try single(text, .dollarsPerData, body: trimmed(s.dropFirst())) }
        return try single(text, .usdPerData)
    }

    /// Grams of CO₂ per kilowatt-hour: `"480 g/kWh"`, `"0.48 kg/kWh"`, `"480 kg/MWh"`.
    /// Returns g/kWh.
    public static func carbonIntensity(_ text: String) throws(UnitError) -> Double {
        try single(text, .carbon)
    }
}

// MARK: - Unit tables

/// One way of writing a unit: accepted, or a spelled-out alias kept only to suggest the
/// accepted spelling it stands for (`secs` → `s`).
struct Spelling {
    /// As written in the file.
    let symbol: String
    /// The accepted spelling this one means (itself when accepted).
    let canonical: String
    /// Power of ten applied to the number's text.
    let decimalExponent: Int
    /// Exact multiplier applied after the decimal exponent (1024ⁿ, 60, 1/8, …).
    let factor: Double
    /// In words, for ambiguity messages ("megabits per second").
    let name: String
    let accepted: Bool
    /// Shown in the "expected one of" list.
    let listed: Bool

    /// The size of one unit, to order the components of a combined duration.
    var magnitude: Double {
        var m = factor
        if decimalExponent >= 0 { for _ in 0..<decimalExponent { m *= 10 } } else { for _ in 0..<(-decimalExponent) { m /= 10 } }
        return m
    }

    static func unit(_ symbol: String, _ exponent: Int = 0, _ factor: Double = 1, _ name: String, listed: Bool = true) -> Spelling {
        Spelling(symbol: symbol, canonical: symbol, decimalExponent: exponent, factor: factor,
                 name: name, accepted: true, listed: listed)
    }

    /// An accepted spelling that means the same as `canonical` but is not listed (`us` for `µs`).
    static func variant(_ symbol: String, of canonical: Spelling) -> Spelling {
        Spelling(symbol: symbol, canonical: canonical.symbol, decimalExponent: canonical.decimalExponent,
                 factor: canonical.factor, name: canonical.name, accepted: true, listed: false)
    }

    /// Not accepted; only suggests `canonical`.
    static func aliases(_ symbols: [String], for canonical: String) -> [Spelling] {
        symbols.map {
            Spelling(symbol: $0, canonical: canonical, decimalExponent: 0, factor: 1, name: "",
                     accepted: false, listed: false)
        }
    }
}

/// A kind of quantity: its units, how the error messages name it, and the rate suffix
/// (`/s`, `/h`) whose absence gets its own message.
struct Kind {
    /// "a duration", with the article, as in `is not a duration`.
    let noun: String
    let spellings: [Spelling]
    /// The tail of an error message: what a valid value looks like.
    let expected: String
    /// A suffix that makes an amount a rate, and the units that are missing it
    /// (`Mbit` → `Mbit/s`).
    let rateSuffix: (suffix: String, missingFrom: Set<String>)?
    /// Spellings ambiguous for reasons case-folding does not show (`KB`: `kB` or `KiB`?).
    let confusions: [String: [String]]

    let bySymbol: [String: Spelling]

    init(noun: String, spellings: [Spelling], note: String = "", examples: [String],
         expected: String? = nil, rateSuffix: (String, Set<String>)? = nil,
         confusions: [String: [String]] = [:]) {
        self.noun = noun
        self.spellings = spellings
        let listed = spellings.filter(\.listed).map(\.symbol).joined(separator: ", ")
        self.expected = expected
            ?? "expected a number and one of \(listed)\(note) (e.g. \(examples.map { "\"\($0)\"" }.joined(separator: ", ")))"
        self.rateSuffix = rateSuffix
        self.confusions = confusions
        var bySymbol: [String: Spelling] = [:]
        for s in spellings { bySymbol[s.symbol] = s }
        self.bySymbol = bySymbol
    }

    func accepted(_ symbol: Substring) -> Spelling? {
        guard let s = bySymbol[String(symbol)], s.accepted else { return nil }
        return s
    }

    static let decimalPrefixes: [(symbol: String, name: String, exponent: Int)] = [
        ("k", "kilo", 3), ("M", "mega", 6), ("G", "giga", 9), ("T", "tera", 12), ("P", "peta", 15), ("E", "exa", 18),
    ]
    static let binaryPrefixes: [(symbol: String, name: String, power: Int)] = [
        ("Ki", "kibi", 1), ("Mi", "mebi", 2), ("Gi", "gibi", 3), ("Ti", "tebi", 4), ("Pi", "pebi", 5),
    ]
    static func pow1024(_ n: Int) -> Double { (0..<n).reduce(1.0) { r, _ in r * 1024 } }

    static let duration: Kind = {
        let micro = Spelling.unit("µs", -6, 1, "microseconds")
        let minute = Spelling.unit("min", 0, 60, "minutes")
        let spellings: [Spelling] = [
            .unit("ns", -9, 1, "nanoseconds"), micro, .variant("μs", of: micro), .variant("us", of: micro),
            .unit("ms", -3, 1, "milliseconds"), .unit("s", 0, 1, "seconds"),
            minute, .variant("m", of: minute),
            .unit("h", 0, 3600, "hours"), .unit("d", 0, 86_400, "days"), .unit("w", 0, 604_800, "weeks"),
        ]
            + Spelling.aliases(["nsec", "nsecs", "nanosec", "nanosecond", "nanoseconds"], for: "ns")
            + Spelling.aliases(["usec", "usecs", "µsec", "microsec", "microsecond", "microseconds"], for: "µs")
            + Spelling.aliases(["msec", "msecs", "millisec", "millisecond", "milliseconds"], for: "ms")
            + Spelling.aliases(["sec", "secs", "second", "seconds"], for: "s")
            + Spelling.aliases(["mins", "minute", "minutes"], for: "min")
            + Spelling.aliases(["hr", "hrs", "hour", "hours"], for: "h")
            + Spelling.aliases(["day", "days"], for: "d")
            + Spelling.aliases(["wk", "wks", "week", "weeks"], for: "w")
        return Kind(noun: "a duration", spellings: spellings, examples: ["90s", "1h30m"])
    }()

    static let bytes: Kind = {
        var spellings: [Spelling] = [.unit("B", 0, 1, "bytes")]
        for p in decimalPrefixes where p.symbol != "E" {
            spellings.append(.unit(p.symbol + "B", p.exponent, 1, p.name + "bytes"))
        }
        for p in binaryPrefixes {
            spellings.append(.unit(p.symbol + "B", 0, pow1024(p.power), p.name + "bytes"))
        }
        spellings += Spelling.aliases(["byte", "bytes"], for: "B")
        return Kind(noun: "a data size", spellings: spellings, examples: ["512MiB", "1.5GB"],
                    confusions: ["KB": ["kB", "KiB"]])
    }()

    static let bandwidth: Kind = {
        var spellings: [Spelling] = []
        var amounts: Set<String> = ["bit", "b", "B"]
        let bitPrefixes = [(symbol: "", name: "", exponent: 0)] + decimalPrefixes.filter { $0.exponent <= 12 }
        for (symbol, name, exponent) in bitPrefixes {
            spellings.append(.unit(symbol + "bit/s", exponent, 0.125, name + "bits per second"))
        }
        for p in decimalPrefixes where p.exponent <= 12 {
            amounts.formUnion([p.symbol + "bit", p.symbol + "b", p.symbol + "B"])
        }
        spellings.append(.unit("B/s", 0, 1, "bytes per second"))
        for p in decimalPrefixes where p.exponent <= 12 {
            spellings.append(.unit(p.symbol + "B/s", p.exponent, 1, p.name + "bytes per second"))
        }
        for p in binaryPrefixes where p.power <= 4 {
            spellings.append(.unit(p.symbol + "B/s", 0, pow1024(p.power), p.name + "bytes per second"))
            amounts.insert(p.symbol + "B")
        }
        // Shorter spellings of the bit rates, accepted but not listed.
        for (symbol, name, exponent) in bitPrefixes {
            spellings.append(.unit(symbol + "b/s", exponent, 0.125, name + "bits per second", listed: false))
            spellings.append(.unit(symbol + "bps", exponent, 0.125, name + "bits per second", listed: false))
        }
        // `MBps` is megabytes per second to some, a miscased `Mbps` to others.
        var confusions: [String: [String]] = [:]
        for p in decimalPrefixes where p.exponent <= 12 {
            confusions[p.symbol + "Bps"] = [p.symbol + "B/s", p.symbol + "bps"]
        }
        return Kind(noun: "a bandwidth", spellings: spellings, note: " (bits also as b/s, Mb/s, … or bps, Mbps, …)",
                    examples: ["100Mbit/s", "12.5MB/s"], rateSuffix: ("/s", amounts), confusions: confusions)
    }()

    static let flops: Kind = {
        var spellings: [Spelling] = [.unit("FLOP/s", 0, 1, "FLOP per second")]
        for p in decimalPrefixes {
            spellings.append(.unit(p.symbol + "FLOP/s", p.exponent, 1, p.name + "FLOP per second"))
        }
        spellings.append(.unit("FLOPS", 0, 1, "FLOP per second", listed: false))
        var amounts: Set<String> = ["FLOP"]
        for p in decimalPrefixes {
            spellings.append(.unit(p.symbol + "FLOPS", p.exponent, 1, p.name + "FLOP per second", listed: false))
            amounts.insert(p.symbol + "FLOP")
        }
        return Kind(noun: "a compute rate", spellings: spellings, note: " (or FLOPS, kFLOPS, …)",
                    examples: ["19.5TFLOP/s", "1.5 TFLOPS"], rateSuffix: ("/s", amounts))
    }()

    static let power: Kind = Kind(
        noun: "a power",
        spellings: [.unit("mW", -3, 1, "milliwatts"), .unit("W", 0, 1, "watts"),
                    .unit("kW", 3, 1, "kilowatts"), .unit("MW", 6, 1, "megawatts")]
            + Spelling.aliases(["watt", "watts"], for: "W")
            + Spelling.aliases(["kilowatt", "kilowatts"], for: "kW"),
        examples: ["5W", "1.2kW"])

    static let moneyExpected = "expected \"$\" and a number and \"/h\", or a number and \"USD/h\" (e.g. \"$0.34/h\", \"4.10 USD/h\")"

    /// `4.10 USD/h`.
    static let usd = Kind(
        noun: "an hourly price",
        spellings: [.unit("USD/h", 0, 1, "US dollars per hour")]
            + Spelling.aliases(["USD/hr", "USD/hour", "$/h"], for: "USD/h"),
        examples: [], expected: moneyExpected, rateSuffix: ("/h", ["USD", "$"]))

    /// `$0.34/h`: what follows the number once the `$` is taken off.
    static let dollars = Kind(
        noun: "an hourly price",
        spellings: [.unit("/h", 0, 1, "dollars per hour")] + Spelling.aliases(["/hr", "/hour"], for: "/h"),
        examples: [], expected: moneyExpected, rateSuffix: ("/h", [""]))
}

extension Kind {
    static let energyPriceExpected = "expected \"$\" and a number and \"/kWh\", or a number and \"USD/kWh\" (e.g. \"$0.15/kWh\", \"80 USD/MWh\")"
    static let usdPerEnergy = Kind(
        noun: "an energy price",
        spellings: [.unit("USD/kWh", 0, 1, "US dollars per kilowatt-hour"), .unit("USD/MWh", -3, 1, "US dollars per megawatt-hour")],
        examples: [], expected: energyPriceExpected)
    static let dollarsPerEnergy = Kind(
        noun: "an energy price",
        spellings: [.unit("/kWh", 0, 1, "dollars per kilowatt-hour"), .unit("/MWh", -3, 1, "dollars per megawatt-hour")],
        examples: [], expected: energyPriceExpected)

    static let dataPriceExpected = "expected \"$\" and a number and \"/GB\", or a number and \"USD/GB\" (e.g. \"$0.09/GB\", \"90 USD/TB\")"
    static let usdPerData = Kind(
        noun: "a data price",
        spellings: [.unit("USD/GB", 0, 1, "US dollars per gigabyte"), .unit("USD/TB", -3, 1, "US dollars per terabyte")],
        examples: [], expected: dataPriceExpected)
    static let dollarsPerData = Kind(
        noun: "a data price",
        spellings: [.unit("/GB", 0, 1, "dollars per gigabyte"), .unit("/TB", -3, 1, "dollars per terabyte")],
        examples: [], expected: dataPriceExpected)

    static let carbon = Kind(
        noun: "a carbon intensity",
        spellings: [.unit("g/kWh", 0, 1, "grams per kilowatt-hour"), .unit("kg/kWh", 3, 1, "kilograms per kilowatt-hour"),
                    .unit("kg/MWh", 0, 1, "kilograms per megawatt-hour")],
        examples: ["480 g/kWh", "0.05 kg/kWh"])
}

// MARK: - Scanning

extension UnitParser {
    static func fail(_ text: String, _ kind: Kind, _ reason: String) -> UnitError {
        UnitError(message: "\"\(text)\" is not \(kind.noun): \(reason)")
    }

    static func isBlank(_ c: Character) -> Bool { c == " " || c == "\t" }
    static func isDigit(_ c: Character) -> Bool { c >= "0" && c <= "9" && c.isASCII }

    static func trimmed(_ s: Substring) -> Substring {
        var s = s
        while let c = s.first, isBlank(c) { s.removeFirst() }
        while let c = s.last, isBlank(c) { s.removeLast() }
        return s
    }

    /// A number and a whole-rest unit (every kind but durations). `body` is what remains
    /// after any leading symbol (`$`) was taken off; `text` is quoted in messages.
    static func single(_ text: String, _ kind: Kind, body: Substring? = nil) throws(UnitError) -> Double {
        var rest = body ?? trimmed(text[...])
        try checkSign(text, rest, kind)
        guard let number = scanNumber(&rest) else { throw fail(text, kind, kind.expected) }
        let unit = trimmed(rest)
        if unit.isEmpty, kind.rateSuffix?.missingFrom.contains("") != true {
            throw fail(text, kind, "a unit is required after \"\(number.text)\"; \(kind.expected)")
        }
        guard let spelling = kind.accepted(unit) else { throw unknownUnit(text, unit, kind) }
        return try value(text, number, spelling, kind)
    }

    /// One `number unit` component of a duration, taken off the front of `rest`.
    static func component(_ text: String, _ rest: inout Substring, _ kind: Kind) throws(UnitError) -> (Double, Spelling, Substring) {
        try checkSign(text, rest, kind)
        guard let number = scanNumber(&rest) else { throw fail(text, kind, kind.expected) }
        rest = rest.drop(while: isBlank)
        let unit = rest.prefix { !isDigit($0) && !isBlank($0) && $0 != "-" && $0 != "+" }
        if unit.isEmpty { throw fail(text, kind, "a unit is required after \"\(number.text)\"; \(kind.expected)") }
        guard let spelling = kind.accepted(unit) else { throw unknownUnit(text, unit, kind) }
        return (try value(text, number, spelling, kind), spelling, rest[unit.endIndex...])
    }

    /// Rejects signs and non-finite spellings before the number is scanned, with messages
    /// that say so rather than "expected a number".
    static func checkSign(_ text: String, _ s: Substring, _ kind: Kind) throws(UnitError) {
        var word = s.lowercased()[...]
        if word.first == "-" || word.first == "+" { word = word.dropFirst() }
        if word.hasPrefix("nan") || word.hasPrefix("inf") {
            throw fail(text, kind, "the number must be finite")
        }
        if s.first == "-" { throw fail(text, kind, "the value must not be negative") }
        if s.first == "+" { throw fail(text, kind, "write the number without \"+\"") }
    }

    struct Number {
        /// As written, for messages.
        let text: Substring
        /// Digits and fraction, without the exponent.
        let mantissa: Substring
        let exponent: Int
    }

    /// Takes a number off the front of `s`: digits, an optional `.digits`, an optional
    /// exponent `e`/`E` with optional sign and digits. An `E` not followed by digits is left
    /// for the unit (`5EB`, `1EFLOP/s`). Nil when `s` does not start with a digit.
    static func scanNumber(_ s: inout Substring) -> Number? {
        let start = s.startIndex
        var i = start
        while i < s.endIndex, isDigit(s[i]) { i = s.index(after: i) }
        guard i > start else { return nil }
        if i < s.endIndex, s[i] == "." {
            let j = s.index(after: i)
            if j < s.endIndex, isDigit(s[j]) {
                i = j
                while i < s.endIndex, isDigit(s[i]) { i = s.index(after: i) }
            }
        }
        let mantissa = s[start..<i]
        var exponent = 0
        if i < s.endIndex, s[i] == "e" || s[i] == "E" {
            var j = s.index(after: i)
            var negative = false
            if j < s.endIndex, s[j] == "+" || s[j] == "-" { negative = s[j] == "-"; j = s.index(after: j) }
            if j < s.endIndex, isDigit(s[j]) {
                var e = 0
                while j < s.endIndex, isDigit(s[j]) {
                    // Clamped: anything past ±10⁶ is out of Double's range either way.
                    e = min(e * 10 + Int(s[j].asciiValue! - 48), 1_000_000)
                    j = s.index(after: j)
                }
                exponent = negative ? -e : e
                i = j
            }
        }
        let number = Number(text: s[start..<i], mantissa: mantissa, exponent: exponent)
        s = s[i...]
        return number
    }

    /// The SI value of `number` in `spelling`: the decimal exponent goes into the text that is
    /// converted (one correctly rounded conversion), then the exact factor.
    static func value(_ text: String, _ number: Number, _ spelling: Spelling, _ kind: Kind) throws(UnitError) -> Double {
        let scaled = Double("\(number.mantissa)e\(number.exponent + spelling.decimalExponent)") ?? .infinity
        let result = scaled * spelling.factor
        guard result.isFinite else { throw fail(text, kind, "the value is too large") }
        return result
    }

    // MARK: - Diagnostics for units that are not accepted

    /// The message for a unit that is not accepted: a missing rate suffix, an ambiguity, a
    /// did-you-mean, or the list of units.
    static func unknownUnit(_ text: String, _ unit: Substring, _ kind: Kind) -> UnitError {
        let u = String(unit)
        if let rate = kind.rateSuffix, rate.missingFrom.contains(u) {
            return fail(text, kind, "\(kind.noun) needs \"\(rate.suffix)\" (e.g. \"\(trimmed(text[...]))\(rate.suffix)\")")
        }
        let readings = kind.confusions[u] ?? caseInsensitiveMatches(u, kind)
        if readings.count > 1 {
            let named = readings.map { r in "\"\(r)\" (\(kind.bySymbol[r]!.name))" }
            let list = named.dropLast().joined(separator: ", ") + " or " + named.last!
            return fail(text, kind, "the unit \"\(u)\" is ambiguous; write \(list)")
        }
        if let suggestion = readings.first ?? nearest(u, kind) {
            return fail(text, kind, "unknown unit \"\(u)\" (did you mean \"\(suggestion)\"?); \(kind.expected)")
        }
        return fail(text, kind, kind.expected)
    }

    /// The accepted units `unit` could mean if case is ignored, in table order, each once.
    static func caseInsensitiveMatches(_ unit: String, _ kind: Kind) -> [String] {
        let folded = unit.lowercased()
        var found: [String] = []
        for s in kind.spellings where s.symbol.lowercased() == folded && !found.contains(s.canonical) {
            found.append(s.canonical)
        }
        return found
    }

    /// The accepted unit nearest to `unit` by edit distance over units and aliases, if it is
    /// a plausible typo (at most a third of the length, at least one edit allowed, fewer edits
    /// than either spelling has characters) and all the nearest spellings mean the same unit.
    static func nearest(_ unit: String, _ kind: Kind) -> String? {
        let a = Array(unit.unicodeScalars)
        var best = Int.max
        var meanings: Set<String> = []
        var first: String?
        for s in kind.spellings {
            let b = Array(s.symbol.unicodeScalars)
            let d = editDistance(a, b)
            guard d <= max(1, a.count / 3), d < a.count, d < b.count else { continue }
            if d < best { best = d; meanings = [s.canonical]; first = s.canonical }
            else if d == best { meanings.insert(s.canonical) }
        }
        return meanings.count == 1 ? first : nil
    }

    /// Optimal-string-alignment distance: insertions, deletions, substitutions and swaps of
    /// adjacent characters each cost 1.
    static func editDistance(_ a: [Unicode.Scalar], _ b: [Unicode.Scalar]) -> Int {
        if a.isEmpty || b.isEmpty { return max(a.count, b.count) }
        var d = [[Int]](repeating: [Int](repeating: 0, count: b.count + 1), count: a.count + 1)
        for i in 0...a.count { d[i][0] = i }
        for j in 0...b.count { d[0][j] = j }
        for i in 1...a.count {
            for j in 1...b.count {
                let cost = a[i - 1] == b[j - 1] ? 0 : 1
                d[i][j] = min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost)
                if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] {
                    d[i][j] = min(d[i][j], d[i - 2][j - 2] + 1)
                }
            }
        }
        return d[a.count][b.count]
    }
}
