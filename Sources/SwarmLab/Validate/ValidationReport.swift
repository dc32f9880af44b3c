import Foundation
import SwarmModel

/// The validation suite: every scenario of a folder (or the files given), compared one by one,
/// and the Markdown table of `results/validation.md`.
public enum ValidationReport {
    /// The scenario files to run: each argument that is a folder contributes its `*.yaml`
    /// files, sorted; files are taken as they are.
    public static func files(_ arguments: [String]) throws -> [String] {
        var out: [String] = []
        for a in arguments {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: a, isDirectory: &isDirectory) else {
                throw Validation.Failure(description: "\(a): no such scenario file or folder")
            }
            if isDirectory.boolValue {
                let names = try FileManager.default.contentsOfDirectory(atPath: a).filter { $0.hasSuffix(".yaml") }.sorted()
                out += names.map { (a as NSString).appendingPathComponent($0) }
            } else {
                out.append(a)
            }
        }
        return out
    }

    /// Runs each file; `progress` gets a line per scenario.
    public static func run(files: [String], profilePath: String, worker: String? = nil, directory: String?,
                           remeasure: Bool = true, progress: (String) -> Void = { _ in }) throws -> [ValidationComparison] {
        let profile = try DeviceProfile.read(path: profilePath)
        var rows: [ValidationComparison] = []
        for f in files {
            let c = try Validation.run(file: f, profile: profile, profilePath: profilePath, worker: worker, directory: directory, remeasure: remeasure)
            progress(String(format: "%@: makespan sim %.3f s, real %.3f s, error %.1f%% (%.1f s wall)",
                            c.name, c.simMakespan, c.realMakespan, c.makespanError * 100, c.realWallSeconds))
            rows.append(c)
        }
        return rows
    }

    /// Median and worst makespan error.
    public static func summary(_ rows: [ValidationComparison]) -> (median: Double, worst: Double) {
        let e = rows.map(\.makespanError)
        return (ValidationStatistics.median(e), e.contains { !$0.isFinite } ? .nan : e.max() ?? .nan)
    }

    /// The comparison as a Markdown table, with the goal, machine and command.
    public static func markdown(_ rows: [ValidationComparison], profilePath: String, command: String) -> String {
        func f(_ x: Double, _ digits: Int = 3) -> String { x.isFinite ? String(format: "%.\(digits)f", x) : "—" }
        func pct(_ x: Double) -> String { x.isFinite ? String(format: "%.1f%%", x * 100) : "—" }
        var md = "| scenario | devices | tasks | makespan sim | makespan real | error | sim with committed profile (error) | throughput sim / real (tasks/s) | KS (attempt durations) | start error median / max | end error median / max | lost work sim / real | attempts lost sim / real | wall |\n"
        md += "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n"
        for r in rows {
            md += "| \(r.name) | \(r.devices) | \(r.tasksCompared)/\(r.tasks) | \(f(r.simMakespan)) s | \(f(r.realMakespan)) s | \(pct(r.makespanError)) | "
            md += "\(f(r.committedProfileMakespan)) s (\(pct(ValidationStatistics.relativeError(simulated: r.committedProfileMakespan, measured: r.realMakespan)))) | "
            md += "\(f(r.simThroughput, 2)) / \(f(r.realThroughput, 2)) | \(f(r.durationKS, 2)) | \(f(r.startErrorMedian)) / \(f(r.startErrorMax)) s | "
            md += "\(f(r.endErrorMedian)) / \(f(r.endErrorMax)) s | \(f(r.simLostWork, 2)) / \(f(r.realLostWork, 2)) s | \(r.simAttemptsLost) / \(r.realAttemptsLost) | \(f(r.realWallSeconds, 1)) s |\n"
        }
        let s = summary(rows)
        md += "\nMakespan error: median \(pct(s.median)), worst \(pct(s.worst)) (goal: median ≤ 5%, worst ≤ 10%).\n"
        let info = ProcessInfo.processInfo
        md += "\nMachine: \(info.hostName), \(info.activeProcessorCount) cores, \(info.physicalMemory >> 30) GiB, \(ISO8601DateFormatter().string(from: Date())). Calibration: `\(profilePath)`.\nCommand: `\(command)`\n"
        return md
    }
}
