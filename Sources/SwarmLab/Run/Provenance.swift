import Foundation
import SwarmModel
import SwarmResults
import SwarmScenario

/// Where a results file came from: the root attributes every Swarmlab results file carries
/// (`docs/results-schema.md`), written by the scenario runner and by sweeps.
public enum Provenance {
    /// The git commit this build's sources are at (`-dirty` when they have uncommitted
    /// changes), read once at run time from the source tree the binary was built from;
    /// "unknown" when that tree or git is not there (an installed binary).
    public static let gitCommit: String = {
        let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().path
        guard FileManager.default.fileExists(atPath: folder),
              let head = git(["-C", folder, "rev-parse", "HEAD"]), head.count == 40 else { return "unknown" }
        let dirty = git(["-C", folder, "status", "--porcelain", "--untracked-files=no"]).map { !$0.isEmpty } ?? false
        return head + (dirty ? "-dirty" : "")
    }()

    static func git(_ arguments: [String]) -> String? {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["git"] + arguments
        let out = Pipe()
        p.standardOutput = out
        p.standardError = FileHandle.nullDevice
        do { try p.run() } catch { return nil }
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        guard p.terminationStatus == 0 else { return nil }
        return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// The name of a workload's kind, as the scenario file spells it (a parsed scenario's
    /// workloads are `PlacedWorkload`s, which carry it).
    public static func kind(of w: any Workload) -> String {
        switch w {
        case let placed as PlacedWorkload: return placed.kind
        case is BagOfTasks: return "bag"
        case is PoissonRequests: return "requests"
        case is TracedRequests: return "traced-requests"
        case is SynchronousTraining: return "synchronous-training"
        case is FederatedRounds: return "federated-rounds"
        case is PipelineInference: return "pipeline-inference"
        default: return String(describing: type(of: w))
        }
    }

    /// Writes the root attributes of a results file for `scenario` (all but `wall_time`,
    /// which the caller sets when the runs are over).
    public static func write(to writer: ResultsWriter, scenario: Scenario, calibrationProfile: String? = nil) throws(ResultsError) {
        try writer.setAttribute("swarmlab_version", swarmlabVersion)
        try writer.setAttribute("git_commit", gitCommit)
        try writer.setAttribute("scenario", scenario.text)
        try writer.setAttribute("scenario_name", scenario.name)
        try writer.setAttribute("seed", Int64(bitPattern: scenario.seed))
        try writer.setAttribute("host", ProcessInfo.processInfo.hostName)
        try writer.setAttribute("created", ISO8601DateFormatter().string(from: Date()))
        try writer.setAttribute("calibration_profile", calibrationProfile ?? scenario.calibration?.path ?? "none")
    }
}
