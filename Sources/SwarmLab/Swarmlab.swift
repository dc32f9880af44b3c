// What `import SwarmLab` brings: everything a policy author or a Swift user of the simulator
// needs, in one import — time and random streams (SwarmKernel), the model and the policy
// protocol (SwarmModel), the built-in policies (SwarmPolicies), scenario files
// (SwarmScenario) and results files (SwarmResults). The reference runtime (SwarmRuntime)
// stays behind `validate`.
@_exported import SwarmKernel
@_exported import SwarmModel
@_exported import SwarmPolicies
@_exported import SwarmScenario
@_exported import SwarmResults

/// One-call entry points for a Swift program: the same runs as the `swarmlab` command, with a
/// user's own policies registered beside the built-in ones.
public enum Swarmlab {
    /// Runs the scenario file at `path` under each of `policies` (names or labels; default the
    /// file's `policies`) and each of its seeds, as `swarmlab run` does, and returns one summary
    /// per run. `registry` holds the policies that can be named — `.builtin` plus the user's
    /// (`PolicyRegistry.register`). `resultsPath`: an HDF5 results file to write, or nil.
    public static func run(scenarioAt path: String, policies: [String]? = nil, registry: PolicyRegistry = .builtin,
                           resultsPath: String? = nil) throws -> [ScenarioRunner.PolicyResult] {
        var scenario = try ScenarioRunner.load(path, registry: registry)
        if let policies {
            let known = Set(registry.entries.map(\.name)).union(scenario.policies)
            if let unknown = policies.first(where: { !known.contains($0) }) {
                throw ScenarioRunner.UnknownPolicy(name: unknown, known: known.sorted())
            }
            // a label of the file keeps its parameters; another name runs with its defaults
            scenario.policyChoices = policies.map { scenario.policyChoice($0) }
        }
        return try ScenarioRunner.run(scenario, registry: registry, resultsPath: resultsPath)
    }
}

extension ScenarioRunner {
    /// A policy asked for by name that neither the registry nor the scenario file knows.
    public struct UnknownPolicy: Error, CustomStringConvertible {
        public var name: String
        public var known: [String]
        public var description: String { "unknown policy '\(name)'; known: \(known.joined(separator: ", "))" }
    }
}
