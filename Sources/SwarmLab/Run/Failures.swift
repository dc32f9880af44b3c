import Foundation
import SwarmModel
import SwarmPolicies
import SwarmResults
import SwarmScenario

/// What kind of failure an error is, so the CLI can exit with a code scripts understand.
public enum FailureKind: Sendable {
    /// The scenario or another input file is invalid.
    case badInput
    /// An input file is missing or unreadable.
    case noInput
    /// The scenario needs more than this machine has (memory).
    case unavailable
    /// A results file could not be written or read.
    case io
    /// Anything else: a run failed.
    case failure
}

/// The kind and the message to print of an error thrown by SwarmLab.
public func classifyFailure(_ error: any Error) -> (kind: FailureKind, message: String) {
    switch error {
    case let e as ScenarioError:
        switch e.kind {
        case .invalid: return (.badInput, e.description)
        case .unreadable: return (.noInput, e.description)
        case .tooLarge: return (.unavailable, e.description)
        }
    case let e as ScenarioRunner.FileError: return (.badInput, e.description)
    case let e as ResultsError: return (.io, e.description)
    case let e as SweepRunner.RunFailure: return (.failure, e.description)
    case let e as ReportRenderer.Failure:
        switch e.kind {
        case .noInput: return (.noInput, e.description)
        case .badInput: return (.badInput, e.description)
        case .environment: return (.unavailable, e.description)
        case .failed: return (.failure, e.description)
        }
    default: return (.failure, "\(error)")
    }
}

extension ScenarioRunner {
    /// Reads and checks a scenario file against `registry`'s policies.
    /// The quickstart's default path falls back to the embedded copy when the file is not
    /// there (`swarmlab run` from another folder). Files the scenario names must lie beside it
    /// or in one of `allowedPaths` (`--allow-paths`).
    public static func load(_ path: String, registry: PolicyRegistry = .builtin, allowedPaths: [String] = []) throws -> Scenario {
        if path == Scenario.quickstartPath && !FileManager.default.fileExists(atPath: path) {
            return try Scenario.parse(text: Scenario.quickstartText, file: path, registry: registry)
        }
        return try Scenario.read(path: path, registry: registry, allowedPaths: allowedPaths)
    }
}
