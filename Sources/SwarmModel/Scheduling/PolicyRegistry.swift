import SwarmKernel

/// Policies by name: the one visible list a run is given (never a global). Each entry carries
/// the parameters its policy declares (`PolicyParameters.fields`), so a scenario file can set
/// them — `{ name: least-loaded, parameters: { choices: 4 } }` — and they are checked like
/// every other field.
public struct PolicyRegistry: Sendable {
    public struct Entry: Sendable {
        public let name: String
        public let summary: String
        /// What the policy takes from a scenario file (empty: nothing).
        public let parameters: [PolicyParameter]
        /// The policy with every parameter at its default (or the fixed parameters it was
        /// registered with).
        public let make: @Sendable (PolicyContext) -> any SchedulingPolicy
        /// The policy with these values: complete and valid (see `PolicyRegistry.make`).
        let makeWith: @Sendable (PolicyParameterValues, PolicyContext) -> any SchedulingPolicy

        /// What a scenario parser needs to know of this entry.
        public var declaration: PolicyDeclaration { PolicyDeclaration(name: name, parameters: parameters) }
    }
    public private(set) var entries: [Entry] = []

    public init() {}

    /// Adds a policy whose parameters are read from scenario files (or a parameterless one).
    public mutating func register<P: SchedulingPolicy>(_ type: P.Type) where P.Parameters: PolicyParameters {
        precondition(!entries.contains { $0.name == P.name }, "policy '\(P.name)' registered twice")
        entries.append(Entry(name: P.name, summary: P.summary, parameters: P.Parameters.fields,
                             make: { P(parameters: P.Parameters.defaults, context: $0) },
                             makeWith: { P(parameters: P.Parameters(values: $0), context: $1) }))
    }

    /// This registry plus policies given by type, as in `PolicyRegistry.builtin + [NearestIdle.self]`.
    /// Each policy's `Parameters` must be `NoParameters` or conform to `PolicyParameters`.
    public static func + (a: PolicyRegistry, b: [any SchedulingPolicy.Type]) -> PolicyRegistry {
        var r = a
        for t in b { r.registerByType(t) }
        return r
    }

    mutating func registerByType(_ t: any SchedulingPolicy.Type) {
        func open<P: SchedulingPolicy>(_ p: P.Type) {
            guard let parameters = P.Parameters.self as? any PolicyParameters.Type else {
                preconditionFailure("policy '\(P.name)' takes parameters that do not conform to PolicyParameters; "
                                    + "register it with `register(_:parameters:)`")
            }
            precondition(!entries.contains { $0.name == P.name }, "policy '\(P.name)' registered twice")
            let fields = parameters.fields
            entries.append(Entry(name: P.name, summary: P.summary, parameters: fields,
                                 make: { P(parameters: parameters.init(values: PolicyParameterValues().filled(fields)) as! P.Parameters, context: $0) },
                                 makeWith: { P(parameters: parameters.init(values: $0) as! P.Parameters, context: $1) }))
        }
        open(t)
    }

    /// Adds a policy with fixed parameters (not settable from a scenario file).
    public mutating func register<P: SchedulingPolicy>(_ type: P.Type, parameters: P.Parameters) where P.Parameters: Sendable {
        precondition(!entries.contains { $0.name == P.name }, "policy '\(P.name)' registered twice")
        entries.append(Entry(name: P.name, summary: P.summary, parameters: [],
                             make: { P(parameters: parameters, context: $0) },
                             makeWith: { P(parameters: parameters, context: $1) }))
    }

    /// What a scenario parser checks names and parameters against, in registration order.
    public var declarations: [PolicyDeclaration] { entries.map(\.declaration) }

    public enum LookupError: Error, Equatable, CustomStringConvertible {
        case unknown(String, known: [String], suggestion: String?)
        /// A parameter the policy does not declare, or a value its kind refuses.
        case badParameter(policy: String, parameter: String, message: String)
        public var description: String {
            switch self {
            case .unknown(let n, let known, let s):
                return "unknown policy '\(n)'" + (s.map { "; did you mean '\($0)'?" } ?? "") + " (known: \(known.joined(separator: ", ")))"
            case .badParameter(let p, let name, let message):
                return "policy '\(p)', parameter '\(name)': \(message)"
            }
        }
    }

    /// The policy named `name` with its parameters at their defaults, or an error listing the
    /// valid names and the nearest one.
    public func make(_ name: String, context: PolicyContext) throws(LookupError) -> any SchedulingPolicy {
        try entry(name).make(context)
    }

    /// The policy named `name` with `parameters` (defaults for the ones left out); an unknown
    /// parameter or an invalid value is an error.
    public func make(_ name: String, parameters: PolicyParameterValues, context: PolicyContext) throws(LookupError) -> any SchedulingPolicy {
        let e = try entry(name)
        if parameters.values.isEmpty { return e.make(context) }
        for (key, value) in parameters.values.sorted(by: { $0.key < $1.key }) {
            guard let field = e.parameters.first(where: { $0.name == key }) else {
                let known = e.parameters.map(\.name)
                let near = NameSuggestion.nearest(to: key, in: known).map { "; did you mean '\($0)'?" } ?? ""
                throw .badParameter(policy: name, parameter: key, message: known.isEmpty ? "the policy takes no parameters"
                                    : "unknown parameter\(near) (expected one of: \(known.joined(separator: ", ")))")
            }
            if let problem = field.problem(with: value) { throw .badParameter(policy: name, parameter: key, message: problem) }
        }
        return e.makeWith(parameters.filled(e.parameters), context)
    }

    func entry(_ name: String) throws(LookupError) -> Entry {
        guard let e = entries.first(where: { $0.name == name }) else {
            let known = entries.map(\.name)
            throw .unknown(name, known: known, suggestion: NameSuggestion.nearest(to: name, in: known))
        }
        return e
    }

    /// Each policy's parameters as Markdown (embedded in `docs/policies.md`, checked by a test).
    public func parametersMarkdown() -> String {
        var out = "| policy | parameter | type / unit | default | meaning |\n|---|---|---|---|---|\n"
        for e in entries {
            if e.parameters.isEmpty { out += "| `\(e.name)` | — | | | takes no parameters |\n"; continue }
            for p in e.parameters {
                out += "| `\(e.name)` | `\(p.name)` | \(p.typeDescription) | `\(p.text(p.defaultValue))` | \(p.doc) |\n"
            }
        }
        return out
    }
}

/// A policy's name and the parameters it declares: what the scenario layer checks a file's
/// `policies` against, without knowing the policy.
public struct PolicyDeclaration: Sendable, Equatable {
    public let name: String
    public let parameters: [PolicyParameter]
    public init(name: String, parameters: [PolicyParameter] = []) { self.name = name; self.parameters = parameters }
}
