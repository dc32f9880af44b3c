import Foundation
import SwarmKernel
import SwarmModel
import Yams

/// A scenario file, parsed and checked (schema version 1 — the part built so far: regions,
/// fleet, workloads, policies, duration, seed; issue [4] adds the rest and
/// `docs/scenarios.md` documents every field).
public struct Scenario: Sendable {
    public var name: String
    public var seed: UInt64
    /// Simulated time to run, seconds.
    public var duration: Double
    public var heartbeatTimeout: Double
    public var regions: [(name: String, utcOffsetHours: Double)]
    public var fleet: [Fleet.Share]
    public var workloads: [any Workload]
    public var policies: [String]
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
    /// The policy names the scenario was checked against, for `with(_:)`.
    var knownPolicies: [String]

    public static let keys = ["version", "name", "seed", "seeds", "replications", "duration", "heartbeat_timeout", "regions", "fleet", "workloads", "policies", "sweep"]

    /// Parses `text` (from `file`, for messages); `policies` are the valid policy names.
    public static func parse(text: String, file: String, policies known: [String]) throws(ScenarioError) -> Scenario {
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
        let top = try YAMLField(node: root, path: "", file: file)
            .mapping(allowed: keys, required: ["version", "name", "duration", "regions", "fleet", "workloads", "policies"])
        let version = try top["version"]!.int()
        guard version == 1 else { throw top["version"]!.fail("schema version \(version) is not supported; expected 1") }
        let name = try top["name"]!.string()
        guard !name.isEmpty, name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" }) else {
            throw top["name"]!.fail("expected a name of letters, digits, - and _ (it names the results file), found `\(name)`")
        }
        let seed = try top["seed"].map { f throws(ScenarioError) in UInt64(try f.int(min: 0)) } ?? 1
        var replications = try top["replications"].map { f throws(ScenarioError) in try f.int(min: 1) } ?? 1
        var seeds = (0..<replications).map { seed &+ UInt64($0) }
        if let f = top["seeds"] {
            if let s = top["seed"] { throw s.fail("give `seed` or `seeds`, not both") }
            seeds = []
            for e in try f.sequence() { seeds.append(UInt64(try e.int(min: 0))) }
            guard !seeds.isEmpty else { throw f.fail("expected at least one seed") }
            if let r = top["replications"], replications != seeds.count {
                throw r.fail("replications \(replications) does not match the \(seeds.count) seeds listed")
            }
            replications = seeds.count
        }
        let duration = try top["duration"]!.quantity(UnitParser.duration)
        guard duration > 0 else { throw top["duration"]!.fail("expected a positive duration") }
        let heartbeat = try top["heartbeat_timeout"].map { f throws(ScenarioError) in try f.quantity(UnitParser.duration) } ?? 60

        var regions: [(name: String, utcOffsetHours: Double)] = []
        for r in try top["regions"]!.sequence() {
            let f = try r.mapping(allowed: ["name", "utc_offset"], required: ["name"])
            let rn = try f["name"]!.string()
            guard !regions.contains(where: { $0.name == rn }) else { throw f["name"]!.fail("region `\(rn)` is listed twice") }
            let offset = try f["utc_offset"]?.number() ?? 0
            guard (-12...14).contains(offset) else { throw f["utc_offset"]!.fail("expected hours in −12…14, found \(offset)") }
            regions.append((rn, offset))
        }
        guard !regions.isEmpty else { throw top["regions"]!.fail("expected at least one region") }
        let regionNames = regions.map(\.name)
        let classNames = DeviceClass.builtin.map(\.name)

        func oneOf(_ f: YAMLField, _ known: [String], _ what: String) throws(ScenarioError) -> String {
            let v = try f.string()
            guard known.contains(v) else {
                var m = "unknown \(what) `\(v)`"
                if let near = NameSuggestion.nearest(to: v, in: known) { m += "; did you mean `\(near)`?" }
                throw f.fail(m + " (expected one of: \(known.joined(separator: ", ")))")
            }
            return v
        }

        var fleet: [Fleet.Share] = []
        for e in try top["fleet"]!.sequence() {
            let f = try e.mapping(allowed: ["class", "region", "count"], required: ["class", "region", "count"])
            fleet.append(.init(className: try oneOf(f["class"]!, classNames, "device class"),
                               region: try oneOf(f["region"]!, regionNames, "region"),
                               count: try f["count"]!.int(min: 0)))
        }
        guard fleet.contains(where: { $0.count > 0 }) else { throw top["fleet"]!.fail("expected at least one device") }

        var workloads: [any Workload] = []
        for w in try top["workloads"]!.sequence() {
            let kinds = try w.mapping(allowed: ["bag", "requests"])
            guard kinds.count == 1, let (kind, body) = kinds.first else {
                throw w.fail("expected exactly one workload kind per entry: bag or requests")
            }
            workloads.append(try workload(kind, body, regionNames: regionNames))
        }
        guard !workloads.isEmpty else { throw top["workloads"]!.fail("expected at least one workload") }

        var policies: [String] = []
        let policyFields: [YAMLField]
        if case .scalar = top["policies"]!.node { policyFields = [top["policies"]!] } else { policyFields = try top["policies"]!.sequence() }
        for p in policyFields { policies.append(try oneOf(p, known, "policy")) }
        guard !policies.isEmpty else { throw top["policies"]!.fail("expected at least one policy") }

        let sweep = try sweepAxes(top["sweep"], root: root)
        var scenario = Scenario(name: name, seed: seeds[0], duration: duration, heartbeatTimeout: heartbeat, regions: regions,
                                fleet: fleet, workloads: workloads, policies: policies, text: text, seeds: seeds,
                                replications: replications, sweep: [], file: file, knownPolicies: known)
        // Each value of each axis must make a valid scenario on its own.
        for axis in sweep {
            for (value, field) in zip(axis.values, sweepValueFields(top["sweep"]!, axis.path)) {
                do { _ = try Scenario.parse(text: try scenario.substituted([(axis.path, value)]), file: file, policies: known) } catch {
                    throw field.fail("with \(axis.path) = \(value): \(error.path.isEmpty ? "" : "\(error.path): ")\(error.message)")
                }
            }
        }
        scenario.sweep = sweep
        return scenario
    }

    static func workload(_ kind: String, _ body: YAMLField, regionNames: [String]) throws(ScenarioError) -> any Workload {
        let common = ["work", "input", "output", "data_region"]
        let f = try body.mapping(allowed: common + (kind == "bag" ? ["tasks", "replicas", "quorum"] : ["rate", "count", "slo"]),
                                 required: ["work"] + (kind == "bag" ? ["tasks"] : ["rate", "count"]))
        let work = try taskWork(f["work"]!)
        let input = try f["input"]?.quantity(UnitParser.bytes) ?? 0
        let output = try f["output"]?.quantity(UnitParser.bytes) ?? 0
        var region = 0
        if let r = f["data_region"] {
            let name = try r.string()
            guard let i = regionNames.firstIndex(of: name) else {
                throw r.fail("unknown region `\(name)` (expected one of: \(regionNames.joined(separator: ", ")))")
            }
            region = i
        }
        if kind == "bag" {
            let replicas = try f["replicas"]?.int(min: 1) ?? 1
            let quorum = try f["quorum"]?.int(min: 1) ?? 1
            guard quorum <= replicas else { throw f["quorum"]!.fail("quorum \(quorum) exceeds replicas \(replicas)") }
            return ReplicatedBag(bag: BagOfTasks(count: try f["tasks"]!.int(min: 0), work: work, inputBytes: input,
                                                 outputBytes: output, dataRegion: region),
                                 replicas: replicas, quorum: quorum)
        }
        let rate = try f["rate"]!.number()
        guard rate > 0 else { throw f["rate"]!.fail("expected requests per second > 0, found \(rate)") }
        let slo = try f["slo"].map { s throws(ScenarioError) in SimDuration(seconds: try s.quantity(UnitParser.duration)) }
        return PoissonRequests(rate: rate, count: try f["count"]!.int(min: 0), work: work, inputBytes: input,
                               outputBytes: output, dataRegion: region, slo: slo)
    }

    static func taskWork(_ field: YAMLField) throws(ScenarioError) -> TaskWork {
        let f = try field.mapping(allowed: ["gemm", "seconds"])
        if let g = f["gemm"] {
            let d = try g.mapping(allowed: ["m", "n", "k", "dtype"], required: ["m", "n", "k"])
            let dtype = try d["dtype"].map { t throws(ScenarioError) -> DType in
                let s = try t.string()
                guard let v = DType(rawValue: s) else { throw t.fail("unknown dtype `\(s)` (expected one of: fp32, fp16, bf16, int8)") }
                return v
            } ?? .fp32
            return .kernel(.gemm(m: try d["m"]!.int(min: 1), n: try d["n"]!.int(min: 1), k: try d["k"]!.int(min: 1), dtype: dtype))
        }
        if let s = f["seconds"] { return .seconds(try s.quantity(UnitParser.duration)) }
        throw field.fail("expected `gemm` or `seconds`")
    }

    static func yamlError(_ e: YamlError, file: String) -> ScenarioError {
        switch e {
        case .scanner(_, let problem, let mark, _), .parser(_, let problem, let mark, _), .composer(_, let problem, let mark, _):
            return ScenarioError(file: file, line: mark.line, column: mark.column, path: "", message: "malformed YAML: \(problem)")
        default:
            return ScenarioError(file: file, line: 0, column: 0, path: "", message: "malformed YAML: \(e)")
        }
    }

    /// Reads and parses a scenario file.
    public static func read(path: String, policies: [String]) throws(ScenarioError) -> Scenario {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ScenarioError(file: path, line: 0, column: 0, path: "", message: "cannot read the file")
        }
        return try parse(text: String(decoding: data, as: UTF8.self), file: path, policies: policies)
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
