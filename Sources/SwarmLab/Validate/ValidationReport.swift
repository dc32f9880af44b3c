import Foundation
import SwarmModel
import SwarmPolicies
import SwarmRuntime
import SwarmScenario

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

    /// Reads every file and refuses, before anything is measured or run, those asking what
    /// the runtime does not emulate (`Validation.refusals`), naming each field.
    public static func refuseUnemulated(_ files: [String], registry: PolicyRegistry = .builtin, allowedPaths: [String] = []) throws {
        var problems: [String] = []
        for f in files {
            let scenario: Scenario
            do { scenario = try Scenario.read(path: f, registry: registry, allowedPaths: allowedPaths) } catch {
                problems.append("\(error)"); continue
            }
            let refused = Validation.refusals(scenario)
            if !refused.isEmpty { problems.append("validate refuses \(f):\n" + refused.map { "  \($0)" }.joined(separator: "\n")) }
        }
        if !problems.isEmpty { throw Validation.Failure(description: problems.joined(separator: "\n")) }
    }

    /// Runs each file `replications` times per side with the profile `profile`; `progress`
    /// gets a line per replication and per scenario.
    public static func run(files: [String], profile: ProfileChoice, replications: Int = Validation.defaultReplications,
                           maxReplications: Int = 0, worker: String? = nil, directory: String?, remeasure: Bool = true,
                           registry: PolicyRegistry = .builtin, allowedPaths: [String] = [],
                           transport: RuntimeTransport = RuntimeTransport(),
                           progress: (String) -> Void = { _ in }) throws -> [ReplicatedComparison] {
        var rows: [ReplicatedComparison] = []
        for f in files {
            let c = try Validation.runReplicated(file: f, profile: profile, replications: replications,
                                                 maxReplications: maxReplications, worker: worker,
                                                 directory: directory, remeasure: remeasure, registry: registry,
                                                 allowedPaths: allowedPaths, transport: transport, progress: progress)
            progress(String(format: "%@: mean makespan sim %.3f s, real %.3f s, error of means %.1f%%, %@",
                            c.name, c.sim.meanMakespan, c.real.meanMakespan, c.errorOfMeans * 100, c.verdict.rawValue))
            rows.append(c)
        }
        return rows
    }

    /// Median and worst error of the means, and how many scenarios' intervals overlap (of
    /// those with intervals).
    public static func summary(_ rows: [ReplicatedComparison]) -> (median: Double, worst: Double, overlapping: Int, withIntervals: Int) {
        let e = rows.map(\.errorOfMeans)
        let withIntervals = rows.filter { $0.intervalsOverlap != nil }
        return (ValidationStatistics.median(e), e.contains { !$0.isFinite } ? .nan : e.max() ?? .nan,
                withIntervals.filter { $0.intervalsOverlap == true }.count, withIntervals.count)
    }

    /// The comparison as a Markdown table, with the summary, machine, profile and command.
    public static func markdown(_ rows: [ReplicatedComparison], profile: ProfileChoice, command: String) -> String {
        func f(_ x: Double, _ digits: Int = 3) -> String { x.isFinite ? String(format: "%.\(digits)f", x) : "—" }
        func pct(_ x: Double) -> String { x.isFinite ? String(format: "%.1f%%", x * 100) : "—" }
        func maxLoad(_ r: ReplicatedComparison) -> String {
            let m = r.otherLoad.filter(\.isFinite).max()
            return m.map { String(format: "%.2f cores", $0) } ?? "—"
        }
        func ci(_ s: ValidationSide) -> String { "\(f(s.meanMakespan)) ± \(s.makespanHalfWidth.map { f($0) } ?? "—") s" }
        var md = "| scenario | devices | tasks | R | makespan sim (95% CI) | makespan real (95% CI) | error of means | Welch p | CIs overlap | verdict | throughput sim / real (tasks/s) | latency P50 sim / real | latency P95 sim / real | lost work sim / real (mean) | wall (real, all R) | other load (max) | kernel CPU real / profile |\n"
        md += "|---|---:|---:|---:|---:|---:|---:|---:|:---:|---|---:|---:|---:|---:|---:|---:|---:|\n"
        for r in rows {
            let lost = { (s: ValidationSide) in s.lostWork.isEmpty ? Double.nan : s.lostWork.reduce(0, +) / Double(s.lostWork.count) }
            md += "| \(r.name) | \(r.devices) | \(r.tasksCompared)/\(r.tasks) | \(r.replications)\(r.replicationsLoweredByFile ? "*" : "") | "
            md += "\(ci(r.sim)) | \(ci(r.real)) | \(pct(r.errorOfMeans)) | \(r.welchP.map { f($0, 2) } ?? "—") | "
            md += "\(r.intervalsOverlap.map { $0 ? "yes" : "no" } ?? "—") | \(r.verdict.rawValue) | "
            md += "\(f(r.sim.throughput, 2)) / \(f(r.real.throughput, 2)) | \(f(r.sim.latencyP50)) / \(f(r.real.latencyP50)) s | "
            md += "\(f(r.sim.latencyP95)) / \(f(r.real.latencyP95)) s | \(f(lost(r.sim), 2)) / \(f(lost(r.real), 2)) s | \(f(r.realWallSeconds, 1)) s | \(maxLoad(r)) | \(f(r.kernelCPURatio ?? .nan, 2)) |\n"
        }
        if rows.contains(where: \.replicationsLoweredByFile) {
            md += "\n\\* fewer replications: the scenario file's own `replications:` lowers the number asked for (a long scenario).\n"
        }
        let s = summary(rows)
        let busiest = rows.flatMap(\.otherLoad).filter(\.isFinite).max() ?? .nan
        let stolen = rows.flatMap(\.stolen).filter(\.isFinite).max() ?? .nan
        md += "\nError of mean makespans: median \(pct(s.median)), worst \(pct(s.worst)); 95% intervals overlap in \(s.overlapping) of \(s.withIntervals) scenarios (goal: median ≤ 3%, worst ≤ 8%, every interval pair overlapping).\n"
        md += "\nOther load: cores kept busy by other programs during a reference run (from /proc/stat, less this process and its workers), at most \(f(busiest, 2)); CPU stolen by the hypervisor at most \(f(stolen, 2)) cores."
        if busiest > 0.25 || stolen > 0.1 {
            md += " **The machine was not quiet**: the reference runs measure wall time, so other work slows the real side only; re-run on an idle machine before reading the errors as the model's."
        }
        md += "\n"
        let info = ProcessInfo.processInfo
        md += "\nMachine: \(info.hostName), \(MachineIdentity.current), \(info.physicalMemory >> 30) GiB, \(ISO8601DateFormatter().string(from: Date())).\n"
        md += "Calibration: \(profile.reason).\nCommand: `\(command)`\n"
        return md
    }
}
