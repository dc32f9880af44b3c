import SwarmKernel

/// Policies by name: the one visible list a run is given (never a global).
public struct PolicyRegistry: Sendable {
    public struct Entry: Sendable {
        public let name: String
        public let summary: String
        public let make: @Sendable (PolicyContext) -> any SchedulingPolicy
    }
    public private(set) var entries: [Entry] = []

    public init() {}

    /// Adds a parameterless policy.
    public mutating func register<P: SchedulingPolicy>(_ type: P.Type) where P.Parameters == NoParameters {
        precondition(!entries.contains { $0.name == P.name }, "policy '\(P.name)' registered twice")
        entries.append(Entry(name: P.name, summary: P.summary, make: { P(context: $0) }))
    }

    /// This registry plus parameterless policies given by type, as in
    /// `PolicyRegistry.builtin + [NearestIdle.self]`.
    public static func + (a: PolicyRegistry, b: [any SchedulingPolicy.Type]) -> PolicyRegistry {
        var r = a
        for t in b { r.registerParameterless(t) }
        return r
    }

    mutating func registerParameterless(_ t: any SchedulingPolicy.Type) {
        func open<P: SchedulingPolicy>(_ p: P.Type) {
            precondition(P.Parameters.self == NoParameters.self,
                         "policy '\(P.name)' takes parameters; register it with `register(_:parameters:)`")
            precondition(!entries.contains { $0.name == P.name }, "policy '\(P.name)' registered twice")
            entries.append(Entry(name: P.name, summary: P.summary,
                                 make: { P(parameters: NoParameters() as! P.Parameters, context: $0) }))
        }
        open(t)
    }

    /// Adds a policy with fixed parameters.
    public mutating func register<P: SchedulingPolicy>(_ type: P.Type, parameters: P.Parameters) where P.Parameters: Sendable {
        precondition(!entries.contains { $0.name == P.name }, "policy '\(P.name)' registered twice")
        entries.append(Entry(name: P.name, summary: P.summary, make: { P(parameters: parameters, context: $0) }))
    }

    public enum LookupError: Error, Equatable, CustomStringConvertible {
        case unknown(String, known: [String], suggestion: String?)
        public var description: String {
            switch self {
            case .unknown(let n, let known, let s):
                return "unknown policy '\(n)'" + (s.map { "; did you mean '\($0)'?" } ?? "") + " (known: \(known.joined(separator: ", ")))"
            }
        }
    }

    /// The policy named `name`, or an error listing the valid names and the nearest one.
    public func make(_ name: String, context: PolicyContext) throws(LookupError) -> any SchedulingPolicy {
        guard let e = entries.first(where: { $0.name == name }) else {
            let known = entries.map(\.name)
            throw .unknown(name, known: known, suggestion: NameSuggestion.nearest(to: name, in: known))
        }
        return e.make(context)
    }
}
