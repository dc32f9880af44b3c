import Foundation
import SwarmKernel
import SwarmModel
import Yams

/// A workload as a scenario places it: who submits it (`tenant`), where its data lives and
/// where it may run — applied to whatever tasks its kind generates — and how many tasks it
/// makes (for the memory estimate, without generating them).
public struct PlacedWorkload: Workload {
    /// The kind's key in the file: `bag`, `requests`, `training`, …
    public var kind: String
    public var inner: any Workload
    /// Index into the scenario's tenants.
    public var tenant: Int
    /// Region index of the input data; nil: as the kind generates it.
    public var dataRegion: Int?
    public var residency: RegionSet?
    /// The data never leaves the tenant's own devices (`TaskTable.privateData`).
    public var privateData = false
    public var taskCount: Int
    /// What its tasks request as pods on Kubernetes nodes (`clusters[].max_pods` > 1); nil:
    /// `PodSpec.standard`.
    public var pod: PodSpec?
    /// The tenant may not submit work (`Permission.submit`): the submission is refused,
    /// counted in the scenario's `access`, and generates no task.
    public var refused = false
    /// Index into `storage.objects` of the stored objects its tasks read (`input_object`);
    /// nil: the input comes from the data region.
    public var inputObject: Int?

    public func generate(into tasks: inout TaskTable, job: Int, streams: RandomStreams) {
        if refused { return }
        if tenant == 0 && dataRegion == nil && residency == nil && !privateData {
            inner.generate(into: &tasks, job: job, streams: streams)
            return
        }
        var own = TaskTable()
        inner.generate(into: &own, job: job, streams: streams)
        let base = UInt32(tasks.count)
        for t in 0..<own.count {
            let id = TaskID(index: t)
            tasks.add(work: own.work[t], inputBytes: own.inputBytes[t], outputBytes: own.outputBytes[t],
                      dataRegion: dataRegion ?? Int(own.dataRegion[t]), residency: residency ?? own.residency[t],
                      job: job, tenant: tenant, arrival: SimTime(ticks: own.arrival[t]),
                      deadline: own.deadline[t] == .max ? nil : SimTime(ticks: own.deadline[t]),
                      replication: Int(own.replication[t]), quorum: Int(own.quorum[t]),
                      parents: own.parents(of: id).map { TaskID($0 + base) },
                      parentQuorum: own.parentQuorum[t] == 0 ? nil : Int(own.parentQuorum[t]),
                      barrierTimeout: own.barrierTimeout[t] == 0 ? nil : SimDuration(ticks: own.barrierTimeout[t]),
                      privateData: privateData || own.privateData[t])
        }
    }
}

/// A task graph given task by task (`dag` in a scenario): `instances` copies, each task's
/// parents by index (earlier tasks only).
public struct TaskGraph: Workload {
    public struct Node: Sendable {
        public var work: TaskWork
        public var inputBytes: Double, outputBytes: Double
        public var parents: [Int]
        public var replicas: Int, quorum: Int
    }
    public var nodes: [Node]
    public var instances: Int
    public var release: SimTime

    public func generate(into tasks: inout TaskTable, job: Int, streams: RandomStreams) {
        for _ in 0..<instances {
            var ids: [TaskID] = []
            for n in nodes {
                ids.append(tasks.add(work: n.work, inputBytes: n.inputBytes, outputBytes: n.outputBytes, job: job,
                                     arrival: release, replication: n.replicas, quorum: n.quorum,
                                     parents: n.parents.map { ids[$0] }))
            }
        }
    }
}

extension ScenarioParser {
    static let workloadKinds = ["bag", "requests", "traced_requests", "training", "federated", "pipeline", "dag"]

    func workloads(_ top: inout Section, tenants: [Tenant]) throws(ScenarioError) -> [any Workload] {
        var workloads: [any Workload] = []
        var out: [Node] = []
        for w in try top["workloads"]!.sequence() {
            var f = try Section(w, "workloads[]")
            let kinds = Self.workloadKinds.filter { f[$0] != nil }
            guard kinds.count == 1, let kind = kinds.first else {
                throw w.fail("expected exactly one workload kind per entry: \(Self.workloadKinds.joined(separator: ", "))\(kinds.isEmpty ? "" : "; found \(kinds.joined(separator: " and "))")")
            }
            workloads.append(try workload(kind, f[kind]!, tenants: tenants, into: &f))
            out.append(f.node)
        }
        guard !workloads.isEmpty else { throw top["workloads"]!.fail("expected at least one workload") }
        top.put("workloads", .sequence(Node.Sequence(out)))
        return workloads
    }

    /// One workload kind, placed; its canonical form goes into `entry`.
    func workload(_ kind: String, _ body: YAMLField, tenants: [Tenant], into entry: inout Section) throws(ScenarioError) -> PlacedWorkload {
        var f = try Section(body, kind)
        let w = body
            let tenantNames = tenants.map(\.name)
            let tenant = try f.oneOf("tenant", tenantNames, "tenant").map { tenantNames.firstIndex(of: $0)! } ?? 0
            let region = try f.oneOf("data_region", regionNames, "region").map { regionNames.firstIndex(of: $0)! }
            var residency: RegionSet?
            if let r = f["residency"] {
                var ids: [Int] = []
                for e in try r.sequenceOrOne() { ids.append(regionNames.firstIndex(of: try e.oneOf(regionNames, "region"))!) }
                guard !ids.isEmpty else { throw r.fail("expected at least one region") }
                residency = RegionSet(ids)
                f.put("residency", .sequence(Node.Sequence(ids.map { Node(regionNames[$0]) }, .implicit, .flow)))
            }
            let privateData = try f.read("private") { x throws(ScenarioError) in try x.bool() } ?? false
            let inputObject = try f.read("input_object") { x throws(ScenarioError) -> Int in
                guard !storedObjectNames.isEmpty else { throw x.fail("no `storage` section: there are no stored objects to read") }
                return storedObjectNames.firstIndex(of: try x.oneOf(storedObjectNames, "stored object"))!
            }
            let pod = try f.read("pod") { x throws(ScenarioError) in try podSpec(x) }
            if let pod {
                f.put("pod", pod.node)
                try podFitsANode(pod.spec, f["pod"]!)
            }
        func work(_ key: String) throws(ScenarioError) -> TaskWork {
            let (w, node) = try taskWork(f[key]!)
            f.put(key, node)
            return w
        }
        func kernel(_ key: String) throws(ScenarioError) -> TensorKernel {
            guard case .kernel(let k) = try work(key) else { throw f[key]!.fail("expected a kernel (`gemm`, `conv2d`, `attention`, `elementwise`, `reduction`, a layer preset or a `sequence`), not fixed seconds") }
            return k
        }
        func slo(_ key: String) throws(ScenarioError) -> SimDuration? {
            guard let s = try f.quantity(key, boundedDuration) else { return nil }
            guard s > 0 else { throw f[key]!.expected("a positive duration") }
            return SimDuration(seconds: s)
        }
        func rate(_ key: String) throws(ScenarioError) -> Double {
            try f.read(key) { x throws(ScenarioError) in try x.quantity(parseRate) }!
        }
        /// Arrivals must end within simulated time's range (mean span ≤ 10⁹ s).
        func span(_ count: Int, _ rate: Double, _ key: String) throws(ScenarioError) {
            guard Double(count) / rate <= 1e9 else {
                throw f[key]!.fail("\(count) arrivals at \(try f[key]!.string()) would span about \(fmt((Double(count) / rate).rounded())) s; expected at most 1e9 s (a higher rate or fewer arrivals)")
            }
        }
        let workload: any Workload
        let count: Int
        switch kind {
        case "bag":
            let tasks = try f.int("tasks", min: 0)!
            let w = try work("work")
            let input = try f.quantity("input", UnitParser.bytes)!, output = try f.quantity("output", UnitParser.bytes)!
            let replicas = try f.int("replicas", min: 1)!
            guard replicas <= 16 else { throw f["replicas"]!.fail("expected at most 16 replicas, found \(replicas)") }
            let quorum = try f.int("quorum", min: 1)!
            guard quorum <= replicas else { throw f["quorum"]!.fail("quorum \(quorum) exceeds replicas \(replicas)") }
            let release = try f.quantity("release", boundedDuration)!
            workload = ReplicatedBag(bag: BagOfTasks(count: tasks, work: w, inputBytes: input, outputBytes: output,
                                                     release: SimTime(seconds: release)),
                                     replicas: replicas, quorum: quorum)
            count = tasks
        case "requests":
            let r = try rate("rate")
            guard r > 0 else { throw f["rate"]!.expected("a rate > 0") }
            let n = try f.int("count", min: 0)!
            try span(n, r, "rate")
            let w = try work("work")
            let mean = try f.quantity("exponential_work", boundedDuration)
            if let m = mean, m <= 0 { throw f["exponential_work"]!.expected("a positive duration") }
            workload = PoissonRequests(rate: r, count: n, work: w, exponentialSecondsMean: mean,
                                       inputBytes: try f.quantity("input", UnitParser.bytes)!,
                                       outputBytes: try f.quantity("output", UnitParser.bytes)!, slo: try slo("slo"))
            count = n
        case "traced_requests":
            let path = try existingFile(f["file"]!)
            _ = try f.string("file")
            let arrivals: [Double]
            do { arrivals = try ArrivalTraceReader.read(path: path) } catch {
                throw f["file"]!.fail("cannot read the arrivals: \(error.description)")
            }
            workload = TracedRequests(arrivals: arrivals, work: try work("work"),
                                      inputBytes: try f.quantity("input", UnitParser.bytes)!,
                                      outputBytes: try f.quantity("output", UnitParser.bytes)!, slo: try slo("slo"))
            count = arrivals.count
        case "training":
            let rounds = try f.int("rounds", min: 1)!, workers = try f.int("workers", min: 1)!
            let waitFor = try f.int("wait_for", min: 1)
            if let w = waitFor, w > workers { throw f["wait_for"]!.fail("wait_for \(w) exceeds workers \(workers)") }
            let reduction = try f.oneOf("reduction", ["parameter-server", "ring"], "reduction")!
            workload = SynchronousTraining(rounds: rounds, workers: workers, waitFor: waitFor, step: try kernel("step"),
                                           gradientBytes: try f.quantity("gradient", UnitParser.bytes)!,
                                           reduction: reduction == "ring" ? .ring : .parameterServer)
            count = rounds * (workers + 1)
        case "federated":
            let rounds = try f.int("rounds", min: 1)!, clients = try f.int("clients", min: 1)!
            let minReporting = try f.int("min_reporting", min: 1) ?? clients
            guard minReporting <= clients else { throw f["min_reporting"]!.fail("min_reporting \(minReporting) exceeds clients \(clients)") }
            let deadline = try slo("deadline")
            workload = FederatedRounds(rounds: rounds, clientsPerRound: clients, minReporting: minReporting,
                                       localWork: try work("work"), modelBytes: try f.quantity("model", UnitParser.bytes)!,
                                       deadline: deadline)
            count = rounds * (clients + 1)
        case "pipeline":
            let r = try rate("rate")
            guard r > 0 else { throw f["rate"]!.expected("a rate > 0") }
            let n = try f.int("requests", min: 0)!, stages = try f.int("stages", min: 1)!
            try span(n, r, "rate")
            workload = PipelineInference(rate: r, requests: n, stages: stages, stageWork: try kernel("stage"),
                                         activationBytes: try f.quantity("activation", UnitParser.bytes)!, slo: try slo("slo"))
            count = n * stages
        default:
            let instances = try f.int("instances", min: 1)!
            let release = try f.quantity("release", boundedDuration)!
            var nodes: [TaskGraph.Node] = []
            var names: [String] = []
            var out: [Node] = []
            for t in try f["tasks"]!.sequence() {
                var g = try Section(t, "dag.tasks[]")
                let n = try g.string("name")!
                guard !names.contains(n) else { throw g["name"]!.fail("task `\(n)` is listed twice") }
                let (w, wn) = try taskWork(g["work"]!)
                g.put("work", wn)
                var parents: [Int] = []
                if let a = g["after"] {
                    for p in try a.sequenceOrOne() {
                        let pn = try p.string()
                        guard let i = names.firstIndex(of: pn) else {
                            var m = "unknown task `\(pn)`"
                            if let near = NameSuggestion.nearest(to: pn, in: names) { m += "; did you mean `\(near)`?" }
                            throw p.fail(m + " (a task's parents are listed before it: \(names.isEmpty ? "none so far" : names.joined(separator: ", ")))")
                        }
                        parents.append(i)
                    }
                    g.put("after", .sequence(Node.Sequence(parents.map { Node(names[$0]) }, .implicit, .flow)))
                }
                let replicas = try g.int("replicas", min: 1)!
                guard replicas <= 16 else { throw g["replicas"]!.fail("expected at most 16 replicas, found \(replicas)") }
                let quorum = try g.int("quorum", min: 1)!
                guard quorum <= replicas else { throw g["quorum"]!.fail("quorum \(quorum) exceeds replicas \(replicas)") }
                nodes.append(.init(work: w, inputBytes: try g.quantity("input", UnitParser.bytes)!,
                                   outputBytes: try g.quantity("output", UnitParser.bytes)!, parents: parents,
                                   replicas: replicas, quorum: quorum))
                names.append(n)
                out.append(g.node)
            }
            guard !nodes.isEmpty else { throw f["tasks"]!.fail("expected at least one task") }
            f.put("tasks", .sequence(Node.Sequence(out)))
            workload = TaskGraph(nodes: nodes, instances: instances, release: SimTime(seconds: release))
            count = nodes.count * instances
        }
        entry.put(kind, f.node)
        var placed = PlacedWorkload(kind: kind, inner: workload, tenant: tenant, dataRegion: region, residency: residency, taskCount: count)
        placed.privateData = privateData
        placed.pod = pod?.spec
        placed.inputObject = inputObject
        return placed
    }

    // MARK: network

    mutating func network(_ top: inout Section) throws(ScenarioError) -> Scenario.NetworkSettings {
        var f = try Section(top.valueField("network")!, "network")
        // Left out, the model is `flows` where the file declares a shared link (its sharing
        // is then what the file is about), `latency` otherwise; written out either way.
        let model: Scenario.NetworkSettings.Model
        if let name = try f.oneOf("model", ["latency", "flows"], "network model") {
            model = Scenario.NetworkSettings.Model(rawValue: name)!
        } else {
            model = declaresSharedLinks ? .flows : .latency
            f.put("model", Node(model.rawValue))
        }
        flows = model == .flows
        let defaultRTT = try f.quantity("default_rtt", boundedDuration)!
        let intra = try f.quantity("intra_region_rtt", boundedDuration)!
        let n = regionNames.count
        var m = [Double](repeating: defaultRTT, count: n * n)
        for r in 0..<n { m[r * n + r] = intra }
        if let file = f["rtt_file"] {
            let path = try existingFile(file)
            _ = try f.string("rtt_file")
            do {
                m = try RTTMatrixReader.read(path: path, defaultIntraRegionRTT: intra, knownRegions: regionNames).seconds
            } catch {
                throw file.fail("cannot read the RTT matrix: \(error.description)")
            }
        }
        if let list = f["rtt"] {
            var given: Set<Int> = []
            var out: [Node] = []
            for e in try list.sequence() {
                var g = try Section(e, "network.rtt[]")
                let a = regionNames.firstIndex(of: try g.oneOf("from", regionNames, "region")!)!
                let b = regionNames.firstIndex(of: try g.oneOf("to", regionNames, "region")!)!
                let rtt = try g.quantity("rtt", boundedDuration)!
                guard !given.contains(a * n + b) else { throw e.fail("the RTT from `\(regionNames[a])` to `\(regionNames[b])` is given twice") }
                given.insert(a * n + b)
                m[a * n + b] = rtt
                if !given.contains(b * n + a) { m[b * n + a] = rtt }
                out.append(DocumentPath.flow(g.node))
            }
            f.put("rtt", .sequence(Node.Sequence(out)))
        }
        var jitter: (any Distribution)?
        if let j = f["jitter"] {
            let (law, node) = try law(j)
            jitter = law
            f.put("jitter", node)
        }
        if let list = f["access"] {
            var out: [Node] = []
            for e in try list.sequence() {
                var g = try Section(e, "network.access[]")
                let name = try g.oneOf("class", classNames, "device class")!
                let i = classes.firstIndex { $0.name == name }!
                if let d = try g.quantity("downlink", UnitParser.bandwidth) {
                    guard d > 0 else { throw g["downlink"]!.expected("a positive bandwidth") }
                    classes[i].downlink = d
                }
                if let u = try g.quantity("uplink", UnitParser.bandwidth) {
                    guard u > 0 else { throw g["uplink"]!.expected("a positive bandwidth") }
                    classes[i].uplink = u
                }
                if let l = try g.quantity("latency", boundedDuration) { classes[i].accessLatency = SimDuration(seconds: l) }
                out.append(DocumentPath.flow(g.node))
            }
            f.put("access", .sequence(Node.Sequence(out)))
        }
        top.put("network", f.node)
        return .init(model: model, rtt: RTTMatrix(names: regionNames, seconds: m), jitter: jitter)
    }
}

/// Events per second from a rate such as `"2/s"`, `"30/min"`, `"100/h"`, `"1.5 /d"`.
func parseRate(_ text: String) throws(UnitError) -> Double {
    let parts = text.split(separator: "/", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
    let units: [String: Double] = ["s": 1, "min": 60, "h": 3600, "d": 86_400]
    guard parts.count == 2, let per = units[parts[1]] else {
        throw UnitError(message: "\"\(text)\" is not a rate: expected a number, `/` and one of s, min, h, d (e.g. \"2/s\", \"30/min\")")
    }
    guard let v = Double(parts[0]), v.isFinite, !parts[0].hasPrefix("+"), !parts[0].lowercased().contains("n") else {
        throw UnitError(message: "\"\(text)\" is not a rate: `\(parts[0])` is not a number")
    }
    guard v >= 0 else { throw UnitError(message: "\"\(text)\" is not a rate: the value must not be negative") }
    return v / per
}
