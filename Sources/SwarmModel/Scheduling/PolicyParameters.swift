/// One parameter a policy declares: its name (snake_case, as scenario files spell it), what it
/// holds (kind, range, unit), its default and a line of documentation. A policy's
/// `Parameters` type lists these (`PolicyParameters.fields`), so the scenario layer decodes and
/// checks `policies: [{ name: …, parameters: { … } }]` without knowing the policy, and
/// `docs/policies.md` lists them (`PolicyRegistry.parametersMarkdown()`, checked by a test).
public struct PolicyParameter: Sendable, Equatable {
    /// What a value is. Every value is held as a `Double` in SI units.
    public enum Kind: Sendable, Equatable {
        /// A whole number in the range.
        case integer(ClosedRange<Int>)
        /// A plain number (a weight, a factor) in the range.
        case number(ClosedRange<Double>)
        /// A duration, seconds, in the range; scenario files give it with its unit (`30min`).
        case duration(ClosedRange<Double>)
    }

    public let name: String
    public let kind: Kind
    /// The value when the scenario leaves the parameter out (seconds for a duration).
    public let defaultValue: Double
    /// What it does, one line.
    public let doc: String

    public init(_ name: String, _ kind: Kind, default defaultValue: Double, doc: String) {
        precondition(!name.isEmpty && name.allSatisfy { $0.isLowercase || $0.isNumber || $0 == "_" },
                     "policy parameter names are snake_case, found '\(name)'")
        self.name = name; self.kind = kind; self.defaultValue = defaultValue; self.doc = doc
        precondition(problem(with: defaultValue) == nil, "default of '\(name)': \(problem(with: defaultValue)!)")
    }

    /// Why `value` is not valid for this parameter ("expected …"), or nil.
    public func problem(with value: Double) -> String? {
        switch kind {
        case .integer(let range):
            guard value.isFinite, value.rounded() == value, let i = Int(exactly: value), range.contains(i) else {
                return "expected \(typeDescription)"
            }
        case .number(let range), .duration(let range):
            guard value.isFinite, range.contains(value) else { return "expected \(typeDescription)" }
        }
        return nil
    }

    /// "whole number in 1…64", "duration in 0 s…1 d": the kind and range, for messages and docs.
    public var typeDescription: String {
        switch kind {
        case .integer(let r): return "a whole number in \(r.lowerBound)…\(r.upperBound)"
        case .number(let r): return "a number in \(Self.text(r.lowerBound))…\(Self.text(r.upperBound))"
        case .duration(let r): return "a duration in \(Self.seconds(r.lowerBound))…\(Self.seconds(r.upperBound))"
        }
    }

    /// `value` written as a scenario file would give it (`2`, `0.5`, `30min`).
    public func text(_ value: Double) -> String {
        switch kind {
        case .integer: return String(Int(value))
        case .number: return Self.text(value)
        case .duration: return Self.seconds(value)
        }
    }

    static func text(_ x: Double) -> String {
        x.rounded() == x && abs(x) < 1e15 ? String(Int(x)) : "\(x)"
    }

    /// Seconds in the largest unit that divides them (`90s`, `30min`, `2h`, `1d`), else `12.5s`.
    static func seconds(_ s: Double) -> String {
        for (unit, size) in [("d", 86_400.0), ("h", 3_600.0), ("min", 60.0), ("s", 1.0)] where s >= size && (s / size).rounded() == s / size {
            return text(s / size) + unit
        }
        if s == 0 { return "0s" }
        return s < 1 && (s * 1000).rounded() == s * 1000 ? text(s * 1000) + "ms" : text(s) + "s"
    }
}

/// The values of a policy's parameters by name, SI units (seconds for durations). A policy is
/// built from a complete set: `PolicyRegistry` fills the defaults of the ones left out.
public struct PolicyParameterValues: Sendable, Hashable {
    public private(set) var values: [String: Double]

    public init(_ values: [String: Double] = [:]) { self.values = values }

    public subscript(_ name: String) -> Double? {
        get { values[name] }
        set { values[name] = newValue }
    }

    /// These values with every field of `fields` that is missing set to its default.
    public func filled(_ fields: [PolicyParameter]) -> PolicyParameterValues {
        var v = self
        for f in fields where v.values[f.name] == nil { v.values[f.name] = f.defaultValue }
        return v
    }

    /// The value of `name`; traps when missing (a policy reads only what it declared, and the
    /// registry fills every declared field).
    public func value(_ name: String) -> Double {
        guard let v = values[name] else { preconditionFailure("policy parameter '\(name)' was not given a value") }
        return v
    }

    public func integer(_ name: String) -> Int { Int(value(name)) }
}

/// A policy's `Parameters` type, when the policy takes parameters from scenario files: it
/// declares its fields, and is built from their values (every field present, each valid for
/// its kind — the registry checks, and fills defaults, before calling `init(values:)`).
///
///     struct Parameters: PolicyParameters {
///         static let fields = [PolicyParameter("choices", .integer(1...64), default: 2, doc: "…")]
///         var choices: Int
///         init(values: PolicyParameterValues) { choices = values.integer("choices") }
///     }
public protocol PolicyParameters: Sendable {
    static var fields: [PolicyParameter] { get }
    init(values: PolicyParameterValues)
}

extension PolicyParameters {
    /// Every field at its default.
    public static var defaults: Self { Self(values: PolicyParameterValues().filled(fields)) }
}

extension NoParameters: PolicyParameters {
    public static var fields: [PolicyParameter] { [] }
    public init(values: PolicyParameterValues) { self.init() }
}

extension SchedulingPolicy where Parameters: PolicyParameters {
    /// The policy with every parameter at its default.
    public init(context: PolicyContext) { self.init(parameters: .defaults, context: context) }
}
