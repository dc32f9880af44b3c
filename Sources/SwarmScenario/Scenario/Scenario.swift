import Foundation
import SwarmKernel
import SwarmModel
import Yams

/// A scenario file (schema version 1), parsed and checked: every field of
/// `ScenarioSchema` read, units converted, names resolved, defaults filled. `materialize()`
/// turns it into the model objects a run needs; `explained` is the file with every default
/// written out; `with(_:)` substitutes sweep values.
public struct Scenario: Sendable {
    public var name: String
    /// The first run's seed (`seeds[0]`).
    public var seed: UInt64
    /// Simulated time to run, seconds.
    public var duration: Double
    public var heartbeatTimeout: Double
    public var regions: [(name: String, utcOffsetHours: Double)]
    /// Each region's WAN capacity each way, bytes/s (`network.model: flows`).
    public var regionWAN: [Double]
    /// Per region: electricity price, carbon intensity, egress price (`RegionTariff`).
    public var regionTariffs: [RegionTariff]
    public var edgeSites: [Topology.EdgeSite]
    /// Every class the fleet may use: the built-in ones, the file's, and the ones derived
    /// for fleet entries with their own availability and for clusters.
    public var classes: [DeviceClass]
    /// The fleet mix, in device-id order (class names index `classes`).
    public var fleet: [Fleet.Share]
    /// Per fleet entry: the edge site its devices attach to, or −1.
    public var fleetSites: [Int32]
    /// Elastic pools (`pools`), their slots the fleet's last devices (`fleet`'s last entries).
    public var pools: [ElasticPool] = []
    /// The workloads, each placed (tenant, data region, residency); job i is workload i.
    public var workloads: [any Workload]
    public var network: NetworkSettings
    public var tenants: [Tenant]
    /// Per fleet entry (clusters included): the tenant lending its devices, or −1 (the
    /// platform's own), and the tenants it lends them to.
    public var fleetOwners: [Int32] = []
    public var fleetLendTo: [TenantSet] = []
    /// Actions the scenario's tenants attempt that their roles refuse (a contributor's
    /// submission, a researcher's lending), counted per tenant; `accessNotes` says each in a line.
    public var access = AccessLedger(tenants: 1)
    public var accessNotes: [String] = []
    public var trust: TrustModel
    public var speculation: WorkEngine.Speculation?
    /// The `policies` entries: each a registered policy with the parameters the file gave it.
    public var policyChoices: [PolicyChoice]
    /// The runs' policy labels (`PolicyChoice.label`: the name, plus parameters that differ
    /// from their defaults), in file order.
    public var policies: [String] { policyChoices.map(\.label) }
    public var outputs: Outputs
    /// The file's text, kept for the results file's provenance.
    public var text: String
    /// The seeds of the runs: `seeds` as given, or `seed`, `seed + 1`, … for each replication.
    public var seeds: [UInt64]
    /// Runs per sweep point (and per policy), each with its own seed (`seeds`); ≥ 1.
    public var replications: Int
    /// The sweep's axes, in file order; empty when the file has no `sweep`.
    public var sweep: [SweepAxis]
    /// Where the scenario was read from (messages; trace files are relative to it).
    public var file: String
    /// The scenario with every default filled in, as YAML (`swarmlab check --explain`); it
    /// parses to the same scenario.
    public var explained: String
    /// The policies the scenario was checked against, for `with(_:)`.
    var knownPolicies: [PolicyDeclaration]
    /// Folders outside the scenario's own that its paths may reach (`--allow-paths`), kept
    /// for `with(_:)`.
    public var allowedPaths: [String] = []
    /// The calibration profile (`swarmlab calibrate`) kernel durations come from, with the
    /// path the file gave; nil: the roofline cost model of the device classes' data sheets.
    public var calibration: (path: String, profile: DeviceProfile)?
    /// What each run must reach (`targets:`); empty: runs are not judged.
    public var targets: [RunTarget] = []
    /// How `swarmlab size` searches (`sizing:`); nil when the file has no such section.
    public var sizing: Sizing?
    /// Objects stored on the devices (`storage:`); nil when the file has no such section.
    public var storage: StorageSpec?

    /// Latencies between regions and how transfers share links.
    public struct NetworkSettings: Sendable {
        public enum Model: String, Sendable { case latency, flows }
        public var model: Model
        public var rtt: RTTMatrix
        /// Extra one-way delay per transfer, seconds; nil: none.
        public var jitter: (any Distribution)?
    }

    /// Where results go.
    public struct Outputs: Sendable, Equatable {
        public var results: String
        /// Seconds between timeline samples.
        public var timelineInterval: Double
    }

    /// Each pool's largest size (`pools[i].max`), in file order: the axis a sizing search
    /// varies for a pool (set it with `with([("pools[i].max", "N")])`).
    public var poolMaxSizes: [Int] { pools.map(\.maxSize) }

    /// Total devices (pools' slots included, at their `max`).
    public var deviceCount: Int { fleet.reduce(0) { $0 + $1.count } }

    /// Parses `text` (from `file`, for messages and relative paths); `policies` are the valid
    /// policy names (none of them taking parameters).
    public static func parse(text: String, file: String, policies known: [String], allowedPaths: [String] = []) throws(ScenarioError) -> Scenario {
        try parse(text: text, file: file, declarations: known.map { PolicyDeclaration(name: $0) }, allowedPaths: allowedPaths)
    }

    /// Parses `text` against `registry`'s policies and the parameters they declare.
    public static func parse(text: String, file: String, registry: PolicyRegistry, allowedPaths: [String] = []) throws(ScenarioError) -> Scenario {
        try parse(text: text, file: file, declarations: registry.declarations, allowedPaths: allowedPaths)
    }

    /// Parses `text` (from `file`, for messages and relative paths) against these policies:
    /// a `policies` entry must name one of them and may set only the parameters it declares.
    /// Files it names must lie in `file`'s folder or one of `allowedPaths`.
    public static func parse(text: String, file: String, declarations known: [PolicyDeclaration],
                             allowedPaths: [String] = []) throws(ScenarioError) -> Scenario {
        try ScenarioLimits.checkText(text, file: file)
        let root: Node
        do {
            guard let n = try Yams.compose(yaml: text) else {
                throw ScenarioError(file: file, line: 1, column: 1, path: "", message: "the file is empty; expected a scenario (see scenarios/quickstart.yaml)")
            }
            root = n
        } catch let e as ScenarioError {
            throw e
        } catch let e as YamlError {
            throw yamlError(e, file: file)
        } catch {
            throw ScenarioError(file: file, line: 0, column: 0, path: "", message: "not YAML: \(error)")
        }
        try ScenarioLimits.checkExpanded(root, file: file)
        var p = ScenarioParser(file: file, policyCatalog: known, allowedPaths: allowedPaths)
        var scenario = try p.parse(root, text: text)
        scenario.allowedPaths = allowedPaths
        // Each value of each axis must make a valid scenario on its own.
        var top = try Section(YAMLField(node: root, path: "", file: file), "")
        let sweep = try sweepAxes(top["sweep"], root: root)
        for axis in sweep {
            for (value, field) in zip(axis.values, sweepValueFields(top["sweep"]!, axis.path)) {
                do { _ = try Scenario.parse(text: try scenario.substituted([(axis.path, value)]), file: file, declarations: known, allowedPaths: allowedPaths) } catch {
                    throw field.fail("with \(axis.path) = \(value): \(error.path.isEmpty ? "" : "\(error.path): ")\(error.message)")
                }
            }
        }
        if let s = top["sweep"] { top.put("sweep", s.node) }
        scenario.sweep = sweep
        if !sweep.isEmpty, let canonical = try? Yams.compose(yaml: scenario.explained), case .mapping(var m) = canonical {
            m[Node("sweep")] = DocumentPath.flow(top["sweep"]!.node)
            scenario.explained = (try? Yams.serialize(node: .mapping(m))) ?? scenario.explained
        }
        return scenario
    }

    static func yamlError(_ e: YamlError, file: String) -> ScenarioError {
        switch e {
        case .scanner(_, let problem, let mark, _), .parser(_, let problem, let mark, _), .composer(_, let problem, let mark, _):
            return ScenarioError(file: file, line: mark.line, column: mark.column, path: "", message: "malformed YAML: \(problem)")
        default:
            return ScenarioError(file: file, line: 0, column: 0, path: "", message: "malformed YAML: \(e)")
        }
    }

    /// Reads and parses a scenario file; `policies` are the valid policy names (none of them
    /// taking parameters).
    public static func read(path: String, policies: [String], allowedPaths: [String] = []) throws(ScenarioError) -> Scenario {
        try read(path: path, declarations: policies.map { PolicyDeclaration(name: $0) }, allowedPaths: allowedPaths)
    }

    /// Reads and parses a scenario file against `registry`'s policies and their parameters.
    public static func read(path: String, registry: PolicyRegistry, allowedPaths: [String] = []) throws(ScenarioError) -> Scenario {
        try read(path: path, declarations: registry.declarations, allowedPaths: allowedPaths)
    }

    /// Reads and parses a scenario file against these policies.
    public static func read(path: String, declarations: [PolicyDeclaration], allowedPaths: [String] = []) throws(ScenarioError) -> Scenario {
        if let size = (try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? Int, size > ScenarioLimits.maxBytes {
            throw ScenarioError(file: path, line: 0, column: 0, path: "",
                                message: "the file is \(size) bytes; the limit is \(ScenarioLimits.maxBytes) bytes (16 MiB)")
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ScenarioError(file: path, line: 0, column: 0, path: "", message: "cannot read the file", kind: .unreadable)
        }
        return try parse(text: String(decoding: data, as: UTF8.self), file: path, declarations: declarations, allowedPaths: allowedPaths)
    }

    /// The `policies` entry labelled `label`; a bare policy name (a swept `policies` value)
    /// when no entry has that label.
    public func policyChoice(_ label: String) -> PolicyChoice {
        policyChoices.first { $0.label == label } ?? PolicyChoice(name: label, parameters: PolicyParameterValues(), label: label)
    }
}

/// A bag of tasks whose tasks are replicated for voting or reliability.
public struct ReplicatedBag: Workload {
    public var bag: BagOfTasks
    public var replicas: Int
    public var quorum: Int

    public func generate(into tasks: inout TaskTable, job: Int, streams: RandomStreams) {
        for _ in 0..<bag.count {
            tasks.add(work: bag.work, inputBytes: bag.inputBytes, outputBytes: bag.outputBytes, dataRegion: bag.dataRegion,
                      residency: bag.residency, job: job, arrival: bag.release, replication: replicas, quorum: quorum)
        }
    }
}
