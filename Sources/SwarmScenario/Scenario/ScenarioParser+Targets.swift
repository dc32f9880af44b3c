import Foundation
import SwarmModel
import Yams

extension Scenario {
    /// How `swarmlab size` searches (the `sizing:` section): the fields it varies, the
    /// replications per candidate, the confidence of each target's interval, the policy.
    public struct Sizing: Sendable {
        /// One whole-number field varied over `values` (ascending: min, min+step, …, max).
        public struct Axis: Sendable, Equatable {
            public var path: String
            public var values: [Int]
            /// USD per hour one more unit costs; nil: measured from the fleet's list price.
            /// The hook for fields that are not fleet counts (an elastic pool's maximum size).
            public var unitPrice: Double?
            public init(path: String, values: [Int], unitPrice: Double? = nil) {
                self.path = path; self.values = values; self.unitPrice = unitPrice
            }
        }
        public var axes: [Axis]
        public var replications: Int
        /// Most replications a candidate whose interval straddles a limit grows to (doubling
        /// from `replications`); nil: no more than `replications`.
        public var maxReplications: Int?
        /// Level of the two-sided Student-t interval, e.g. 0.95.
        public var confidence: Double
        /// A `policies` label; nil: the first.
        public var policy: String?
    }
}

extension ScenarioParser {
    /// `targets:`: each key a `RunTarget.Metric`, its value a limit with its unit.
    func targets(_ top: inout Section) throws(ScenarioError) -> [RunTarget] {
        guard let field = top["targets"] else { return [] }
        var f = try Section(field, "targets")
        var targets: [RunTarget] = []
        for metric in RunTarget.Metric.allCases {
            let parse: (String) throws(UnitError) -> Double
            switch metric {
            case .throughput: parse = parseRate
            case .latencyMean, .latencyP50, .latencyP95, .latencyP99, .makespan: parse = boundedDuration
            case .sloAttainment: parse = parseShare
            case .costPerDay: parse = parseDailyCost
            case .energy: parse = parseEnergy
            case .carbon: parse = parseCarbon
            }
            guard let limit = try f.quantity(metric.name, parse) else { continue }
            if metric != .sloAttainment && metric != .throughput, limit <= 0 {
                throw f[metric.name]!.fail("expected a limit > 0, found \(f[metric.name]!.kind)")
            }
            targets.append(RunTarget(metric: metric, limit: limit))
        }
        guard !targets.isEmpty else { throw field.fail("expected at least one target (\(RunTarget.Metric.allCases.map(\.name).joined(separator: ", ")))") }
        top.put("targets", f.node)
        return targets
    }

    /// `sizing:`: its axes must be field paths of the document (`root`) with whole-number ranges.
    func sizing(_ top: inout Section, root: Node) throws(ScenarioError) -> Scenario.Sizing? {
        guard let field = top["sizing"] else { return nil }
        var f = try Section(field, "sizing")
        var axes: [Scenario.Sizing.Axis] = []
        var out: [Node] = []
        let list = try f.read("axes") { x throws(ScenarioError) in try x.sequence() }!
        guard !list.isEmpty else { throw f["axes"]!.fail("expected at least one axis") }
        for a in list {
            var s = try Section(a, "sizing.axes[]")
            let path = try s.string("path")!
            guard let steps = DocumentPath.steps(path) else {
                throw s["path"]!.fail("`\(path)` is not a field path; expected keys and indices such as `fleet[0].count`")
            }
            guard ![.key("sizing"), .key("targets"), .key("sweep"), .key("version")].contains(steps.first!) else {
                throw s["path"]!.fail("`\(path)` cannot be a sizing axis: expected a whole-number field of the fleet")
            }
            if let problem = DocumentPath.problem(steps, in: root) { throw s["path"]!.fail("unknown field path: \(problem)") }
            guard !axes.contains(where: { $0.path == path }) else { throw s["path"]!.fail("`\(path)` is already an axis") }
            let lo = try s.int("min", min: 0)!
            let hi = try s.int("max", min: 0)!
            guard hi >= lo else { throw s["max"]!.fail("expected max ≥ min (\(lo)), found \(hi)") }
            let step = try s.int("step", min: 1)!
            var values = Array(stride(from: lo, through: hi, by: step))
            if values.last != hi { values.append(hi) }
            let price = try s.quantity("unit_price", UnitParser.money)
            // Only fleet entries and clusters add devices whose class price is known; any other
            // field (an elastic pool's size) must say what a unit costs.
            if price == nil, ![.key("fleet"), .key("clusters")].contains(steps.first!) {
                throw s["path"]!.fail("`\(path)` does not count fleet devices, so its price is not known: give `unit_price` (money per hour, e.g. `$0.34/h`)")
            }
            axes.append(.init(path: path, values: values, unitPrice: price))
            out.append(s.node)
        }
        // The search enumerates the mix of every axis but the last: keep it countable.
        let combinations = axes.dropLast().reduce(1.0) { $0 * Double($1.values.count) }
        guard combinations <= 100_000 else {
            throw f["axes"]!.fail("the axes but the last give \(Int(combinations)) combinations; expected at most 100000 (a larger `step`)")
        }
        f.put("axes", .sequence(Node.Sequence(out)))
        let replications = try f.int("replications", min: 2)!
        let most = try f.int("max_replications", min: 2)
        if let most, most < replications {
            throw f["max_replications"]!.fail("expected max_replications ≥ replications (\(replications)), found \(most)")
        }
        let confidence = try f.quantity("confidence", parseShare)!
        guard confidence > 0 && confidence < 1 else { throw f.valueField("confidence")!.fail("expected a level strictly between 0 and 100%, found \(f.valueField("confidence")!.kind)") }
        let policy = try f.string("policy")
        top.put("sizing", f.node)
        return .init(axes: axes, replications: replications, maxReplications: most, confidence: confidence, policy: policy)
    }
}

/// A share: `99%`, `99.9 %` or a fraction `0.99`; in 0…1.
func parseShare(_ text: String) throws(UnitError) -> Double {
    let t = text.trimmingCharacters(in: .whitespaces)
    let percent = t.hasSuffix("%")
    let number = percent ? String(t.dropLast()).trimmingCharacters(in: .whitespaces) : t
    guard let v = Double(number), v.isFinite else {
        throw UnitError(message: "\"\(text)\" is not a share: expected a percentage such as \"99%\" or a fraction such as 0.99")
    }
    let share = percent ? v / 100 : v
    guard (0...1).contains(share) else { throw UnitError(message: "\"\(text)\" is not a share: expected 0…100% (or 0…1)") }
    return share
}

/// US dollars per day: `$500/day`, `500 USD/d`, or an hourly rate (`$20/h`) times 24.
func parseDailyCost(_ text: String) throws(UnitError) -> Double {
    let t = text.trimmingCharacters(in: .whitespaces)
    for suffix in ["/day", "/d"] where t.hasSuffix(suffix) {
        do { return try UnitParser.money(String(t.dropLast(suffix.count)) + "/h") } catch {
            throw UnitError(message: "\"\(text)\" is not a cost per day: expected dollars such as \"$500/day\" or \"500 USD/day\"")
        }
    }
    do { return try UnitParser.money(t) * 24 } catch {
        throw UnitError(message: "\"\(text)\" is not a cost per day: expected \"$500/day\", \"500 USD/day\" or an hourly \"$20/h\"")
    }
}

/// Joules from `J`, `kJ`, `MJ`, `GJ`, `Wh`, `kWh`, `MWh`.
func parseEnergy(_ text: String) throws(UnitError) -> Double {
    try amount(text, ["J": 1, "kJ": 1e3, "MJ": 1e6, "GJ": 1e9, "Wh": 3600, "kWh": 3.6e6, "MWh": 3.6e9], "an energy", "\"50kWh\", \"3MJ\"")
}

/// Grams of CO₂ from `g`, `kg`, `t`.
func parseCarbon(_ text: String) throws(UnitError) -> Double {
    try amount(text, ["g": 1, "kg": 1e3, "t": 1e6], "a mass of CO₂", "\"20kg\", \"500g\", \"1.5t\"")
}

/// A number followed by one of `units` (a factor each), blanks allowed between; ≥ 0.
private func amount(_ text: String, _ units: [String: Double], _ noun: String, _ examples: String) throws(UnitError) -> Double {
    let t = text.trimmingCharacters(in: .whitespaces)
    guard let split = t.firstIndex(where: { $0.isLetter }) else {
        throw UnitError(message: "\"\(text)\" has no unit: expected \(noun) such as \(examples)")
    }
    let unit = String(t[split...]).trimmingCharacters(in: .whitespaces)
    guard let factor = units[unit] else {
        throw UnitError(message: "\"\(text)\": unknown unit `\(unit)` for \(noun); expected one of \(units.keys.sorted().joined(separator: ", "))")
    }
    guard let v = Double(t[..<split].trimmingCharacters(in: .whitespaces)), v.isFinite, v >= 0 else {
        throw UnitError(message: "\"\(text)\" is not \(noun): expected a number ≥ 0 before the unit, e.g. \(examples)")
    }
    return v * factor
}
