import Foundation
import SwarmScenario

/// One field of the scenario set to one value (a sweep axis at one of its values).
public struct SweepSetting: Sendable, Hashable, CustomStringConvertible {
    /// Field path in the scenario document, e.g. `fleet[0].count`.
    public var path: String
    /// The value as YAML text, e.g. `1000` or `"50ms"`.
    public var value: String
    public init(path: String, value: String) { self.path = path; self.value = value }
    public var description: String { "\(path)=\(value)" }
}

/// One run of a sweep: a point of the grid, one policy, one replication.
public struct SweepRun: Sendable, Hashable {
    /// Position in the whole sweep (0-based); names the run's group, `run-0007`.
    public var index: Int
    /// Which grid point (0-based, the order of `SweepPlan.points`).
    public var point: Int
    public var policy: String
    public var replication: Int
    public var seed: UInt64
    /// The group this run's tables go to.
    public var group: String { SweepPlan.groupName(index) }
}

/// The runs a sweep consists of: the grid over the scenario's `sweep` axes (their cartesian
/// product, first axis slowest), each point under each of the scenario's policies, each
/// replicated `replications` times.
///
/// Replication r runs with the r-th seed (the scenario's `seeds`, or `seed + r`) at every point
/// and under every policy — common random numbers, so differences between points or policies
/// are not drowned by seed noise.
/// Sweeping `policies` itself makes each point run the policies it names.
public struct SweepPlan: Sendable {
    /// The grid points, each a list of settings (one per axis); one empty point without axes.
    public let points: [[SweepSetting]]
    /// Every run, in index order.
    public let runs: [SweepRun]
    /// Replications per (point, policy).
    public let replications: Int

    /// Plans the sweep a scenario describes; `replications` overrides the file's.
    public init(axes: [SweepAxis], policies: [String], seeds: [UInt64]) {
        precondition(!seeds.isEmpty, "a sweep needs at least one replication")
        let replications = seeds.count
        var points: [[SweepSetting]] = [[]]
        for axis in axes {
            points = points.flatMap { p in axis.values.map { p + [SweepSetting(path: axis.path, value: $0)] } }
        }
        var runs: [SweepRun] = []
        for (k, point) in points.enumerated() {
            let sweptPolicies = point.first { $0.path == "policies" }.map { SweepPlan.policyNames($0.value) }
            for policy in sweptPolicies ?? policies {
                for r in 0..<replications {
                    runs.append(SweepRun(index: runs.count, point: k, policy: policy, replication: r, seed: seeds[r]))
                }
            }
        }
        self.points = points
        self.runs = runs
        self.replications = replications
    }

    /// The plan of `scenario`'s own axes, policies and seeds; `replications`, when given and
    /// different from the scenario's, replaces its seeds by `seeds[0] + r`.
    public init(_ scenario: Scenario, replications: Int? = nil) {
        var seeds = scenario.seeds
        if let n = replications, n != seeds.count { seeds = (0..<n).map { scenario.seeds[0] &+ UInt64($0) } }
        self.init(axes: scenario.sweep, policies: scenario.policies, seeds: seeds)
    }

    /// The runs of shard `index` of `count` (0-based, runs dealt round-robin), for one task of a
    /// Slurm job array or one pod of a Kubernetes Indexed Job; `swarmlab merge` joins the shards.
    public func shard(_ index: Int, of count: Int) -> [SweepRun] {
        precondition(count >= 1 && (0..<count).contains(index), "shard \(index) of \(count) does not exist")
        return runs.filter { $0.index % count == index }
    }

    /// `run-0007`: zero-padded so groups sort in run order.
    public static func groupName(_ index: Int) -> String {
        let digits = String(index)
        return "run-" + String(repeating: "0", count: max(0, 4 - digits.count)) + digits
    }

    /// Policy names of a swept `policies` value: `random`, `[random, least-loaded]`.
    static func policyNames(_ yaml: String) -> [String] {
        var s = Substring(yaml)
        if s.hasPrefix("["), s.hasSuffix("]") { s = s.dropFirst().dropLast() }
        return s.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }

    /// A point's settings as one line, e.g. `fleet[0].count=1000, policies=random`.
    public func describe(point: Int) -> String {
        points[point].isEmpty ? "(base)" : points[point].map(\.description).joined(separator: ", ")
    }
}
