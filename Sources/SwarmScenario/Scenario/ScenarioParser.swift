import Foundation
import SwarmKernel
import SwarmModel
import Yams

/// Reads a scenario document section by section (`ScenarioSchema` gives each section's
/// keys and defaults), building the `Scenario` and its canonical form together.
struct ScenarioParser {
    let file: String
    /// The policies `policies` may name, with the parameters each declares.
    let policyCatalog: [PolicyDeclaration]
    var regionNames: [String] = []
    var classes: [DeviceClass] = DeviceClass.builtin
    var siteNames: [String] = []
    var siteRegions: [Int] = []
    /// Whether transfers are flows (`network.model: flows`): edge sites act only then.
    var flows = false
    /// Whether the file declares a link transfers share — an edge site's backhaul, or a
    /// region's `wan` written out — which makes `flows` the default network model.
    var declaresSharedLinks = false
    /// Tenancy as read so far (`ScenarioParser+Tenancy.swift`): the tenants, each fleet
    /// entry's owner and lending, the actions refused.
    var tenantList: [Tenant] = Tenant.everyone
    var fleetOwners: [Int32] = []
    var fleetLendTo: [TenantSet] = []
    var access = AccessLedger(tenants: 1)
    var accessNotes: [String] = []
    /// The kinds of stored objects (`storage.objects` names), for `input_object`.
    var storedObjectNames: [String] = []

    /// Folders outside the scenario's own that its paths may reach (`--allow-paths`).
    var allowedPaths: [String] = []

    init(file: String, policyCatalog: [PolicyDeclaration], allowedPaths: [String] = []) {
        self.file = file; self.policyCatalog = policyCatalog; self.allowedPaths = allowedPaths
    }

    var classNames: [String] { classes.map(\.name) }

    /// A path in the file, resolved against the scenario file's folder.
    func resolve(_ path: String) -> String {
        if path.hasPrefix("/") { return path }
        let dir = (file as NSString).deletingLastPathComponent
        return dir.isEmpty ? path : (dir as NSString).appendingPathComponent(path)
    }

    /// The file a field names, which must exist and stay inside the scenario's folder (or an
    /// allowed one: `ScenarioParser+Paths.swift`).
    func existingFile(_ f: YAMLField) throws(ScenarioError) -> String {
        let given = try f.string()
        let path = resolve(given)
        try confine(f, given: given, path: path)
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDir), !isDir.boolValue else {
            throw f.fail("file `\(given)` not found (looked for \(path); paths are relative to the scenario file)")
        }
        return path
    }

    mutating func parse(_ root: Node, text: String) throws(ScenarioError) -> Scenario {
        var top = try Section(YAMLField(node: root, path: "", file: file), "")
        let version = try top.int("version")!
        guard version == 1 else { throw top["version"]!.fail("schema version \(version) is not supported; expected 1") }
        let name = try top.string("name")!
        guard !name.isEmpty, name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" }) else {
            throw top["name"]!.fail("expected a name of letters, digits, - and _ (it names the results file), found `\(name)`")
        }

        // Seeds and replications.
        var seeds: [UInt64]
        var replications: Int
        if let f = top["seeds"] {
            if let s = top["seed"] { throw s.fail("give `seed` or `seeds`, not both") }
            seeds = []
            for e in try f.sequence() { seeds.append(UInt64(try e.int(min: 0))) }
            guard !seeds.isEmpty else { throw f.fail("expected at least one seed") }
            replications = try top.int("replications", min: 1)!
            if top["replications"] != nil, replications != seeds.count {
                throw top["replications"]!.fail("replications \(replications) does not match the \(seeds.count) seeds listed")
            }
            replications = seeds.count
            top.put("seeds", .sequence(Node.Sequence(seeds.map { Node(String($0)) }, .implicit, .flow)))
            top.put("replications", Node(String(replications)))
        } else {
            let seed = UInt64(try top.int("seed", min: 0)!)
            replications = try top.int("replications", min: 1)!
            seeds = (0..<replications).map { seed &+ UInt64($0) }
        }

        let duration = try top.quantity("duration", boundedDuration)!
        guard duration > 0 else { throw top["duration"]!.expected("a positive duration") }
        let heartbeat = try top.quantity("heartbeat_timeout", boundedDuration)!
        guard heartbeat > 0 else { throw top["heartbeat_timeout"]!.expected("a positive duration") }

        let (regions, wan, tariffs) = try self.regions(&top)
        let sites = try edgeSites(&top)
        try deviceClasses(&top)
        // The network's access overrides change classes before fleet entries copy them.
        let network = try self.network(&top)
        try classAvailability(&top)
        // Tenants before the fleet: fleet entries name their owners.
        let tenants = try self.tenants(&top)
        var (fleet, fleetSites) = try self.fleet(&top)
        let pools = try self.pools(&top, shares: &fleet, sites: &fleetSites)
        // Storage before the workloads: a workload's `input_object` names stored objects.
        let storage = try self.storage(&top)
        var workloads = try self.workloads(&top, tenants: tenants)
        refuseSubmissions(&workloads)
        let trust = try self.trust(&top)
        let speculation = try self.speculation(&top)
        let policies = try self.policies(&top)
        let outputs = try self.outputs(&top, name: name)
        let calibration = try self.calibration(&top)
        let targets = try self.targets(&top)
        let sizing = try self.sizing(&top, root: root)
        if let label = sizing?.policy, !policies.contains(where: { $0.label == label }) {
            throw try Section(top["sizing"]!, "sizing")["policy"]!.fail("`\(label)` is not one of `policies`: \(policies.map(\.label).joined(separator: ", "))")
        }

        let explained = (try? Yams.serialize(node: top.node)) ?? ""
        var scenario = Scenario(name: name, seed: seeds[0], duration: duration, heartbeatTimeout: heartbeat, regions: regions,
                        regionWAN: wan, regionTariffs: tariffs, edgeSites: sites, classes: classes, fleet: fleet, fleetSites: fleetSites,
                        workloads: workloads, network: network, tenants: tenants, trust: trust, speculation: speculation,
                        policyChoices: policies, outputs: outputs, text: text, seeds: seeds, replications: replications,
                        sweep: [], file: file, explained: explained, knownPolicies: policyCatalog, calibration: calibration)
        scenario.pools = pools
        scenario.fleetOwners = fleetOwners
        scenario.fleetLendTo = fleetLendTo
        scenario.access = access
        scenario.accessNotes = accessNotes
        scenario.targets = targets
        scenario.sizing = sizing
        scenario.storage = storage
        return scenario
    }

    // MARK: regions, edge sites

    mutating func regions(_ top: inout Section) throws(ScenarioError) -> ([(name: String, utcOffsetHours: Double)], [Double], [RegionTariff]) {
        var regions: [(name: String, utcOffsetHours: Double)] = []
        var wan: [Double] = []
        var tariffs: [RegionTariff] = []
        var out: [Node] = []
        for r in try top["regions"]!.sequence() {
            var f = try Section(r, "regions[]")
            let rn = try f.string("name")!
            guard !regions.contains(where: { $0.name == rn }) else { throw f["name"]!.fail("region `\(rn)` is listed twice") }
            let offset = try f.number("utc_offset")!
            guard (-12...14).contains(offset) else { throw f["utc_offset"]!.fail("expected hours in −12…14, found \(offset)") }
            regions.append((rn, offset))
            if f["wan"] != nil { declaresSharedLinks = true }
            wan.append(try f.quantity("wan", UnitParser.bandwidth)!)
            let d = RegionTariff.default
            tariffs.append(RegionTariff(electricityUSDPerKWh: try f.quantity("electricity_price", UnitParser.energyPrice) ?? d.electricityUSDPerKWh,
                                        carbonGramsPerKWh: try f.quantity("carbon_intensity", UnitParser.carbonIntensity) ?? d.carbonGramsPerKWh,
                                        egressUSDPerGB: try f.quantity("egress_price", UnitParser.dataPrice) ?? d.egressUSDPerGB))
            out.append(f.node)
        }
        guard !regions.isEmpty else { throw top["regions"]!.fail("expected at least one region") }
        guard regions.count <= 64 else { throw top["regions"]!.fail("expected at most 64 regions (residency sets cover 64), found \(regions.count)") }
        top.put("regions", .sequence(Node.Sequence(out)))
        regionNames = regions.map(\.name)
        return (regions, wan, tariffs)
    }

    mutating func edgeSites(_ top: inout Section) throws(ScenarioError) -> [Topology.EdgeSite] {
        guard let list = top["edge_sites"] else { return [] }
        var sites: [Topology.EdgeSite] = []
        var out: [Node] = []
        for e in try list.sequence() {
            var f = try Section(e, "edge_sites[]")
            let n = try f.string("name")!
            guard !siteNames.contains(n) else { throw f["name"]!.fail("edge site `\(n)` is listed twice") }
            let region = regionNames.firstIndex(of: try f.oneOf("region", regionNames, "region")!)!
            let backhaul = try f.quantity("backhaul", UnitParser.bandwidth)!
            sites.append(.init(name: n, region: RegionID(index: region), backhaulCapacity: backhaul))
            siteNames.append(n); siteRegions.append(region)
            declaresSharedLinks = true
            out.append(f.node)
        }
        top.put("edge_sites", .sequence(Node.Sequence(out)))
        return sites
    }

    // MARK: tenants, trust, speculation, policies, outputs

    mutating func tenants(_ top: inout Section) throws(ScenarioError) -> [Tenant] {
        let tenants = try readTenants(&top)
        tenantList = tenants
        access = AccessLedger(tenants: tenants.count)
        return tenants
    }

    func readTenants(_ top: inout Section) throws(ScenarioError) -> [Tenant] {
        guard let list = top["tenants"] else { return Tenant.everyone }
        var tenants: [Tenant] = []
        var out: [Node] = []
        for t in try list.sequence() {
            var f = try Section(t, "tenants[]")
            let n = try f.string("name")!
            guard !tenants.contains(where: { $0.name == n }) else { throw f["name"]!.fail("tenant `\(n)` is listed twice") }
            let role = Tenant.Role(rawValue: try f.oneOf("role", Tenant.Role.allCases.map(\.rawValue), "role")!)!
            let weight = try f.number("weight")!
            guard weight > 0 else { throw f["weight"]!.fail("expected a weight > 0, found \(try f["weight"]!.string())") }
            let quota = try f.int("quota", min: 1)
            tenants.append(Tenant(name: n, role: role, weight: weight, quota: quota))
            out.append(f.node)
        }
        guard !tenants.isEmpty else { throw list.fail("expected at least one tenant") }
        guard tenants.count <= 64 else { throw list.fail("expected at most 64 tenants (lending sets cover 64), found \(tenants.count)") }
        top.put("tenants", .sequence(Node.Sequence(out)))
        return tenants
    }

    func trust(_ top: inout Section) throws(ScenarioError) -> TrustModel {
        var f = try Section(top.valueField("trust")!, "trust")
        let kind = try f.oneOf("validation", ["none", "quorum", "spot-check", "credibility"], "validation")!
        let adversaries = try f.read("adversaries") { x throws(ScenarioError) in try x.fraction() }!
        let colluding = try f.oneOf("adversary", ["independent", "colluding"], "adversary kind")! == "colluding"
        let maxAttempts = try f.int("max_attempts", min: 1)!
        let validation: TrustModel.Validation
        switch kind {
        case "none": validation = .none
        case "quorum": validation = .quorum
        case "spot-check":
            validation = .spotCheck(probability: try f.read("spot_check") { x throws(ScenarioError) in try x.fraction() }!)
        default:
            let p = try f.read("spot_check") { x throws(ScenarioError) in try x.fraction() }!
            let threshold = try f.number("threshold")!
            guard threshold > 0 && threshold < 1 else { throw f.valueField("threshold")!.fail("expected a number strictly between 0 and 1, found \(threshold)") }
            let saboteurs = try f.number("assumed_saboteurs")!
            guard saboteurs > 0 && saboteurs < 1 else { throw f.valueField("assumed_saboteurs")!.fail("expected a number strictly between 0 and 1, found \(saboteurs)") }
            validation = .credibility(threshold: threshold, assumedSaboteurs: saboteurs, spotCheckProbability: p)
        }
        // Keys that only some validations read are refused elsewhere, so a typo'd intent shows.
        for (key, kinds) in [("spot_check", ["spot-check", "credibility"]), ("threshold", ["credibility"]), ("assumed_saboteurs", ["credibility"])]
        where f[key] != nil && !kinds.contains(kind) {
            throw f[key]!.fail("`\(key)` applies to validation \(kinds.joined(separator: " or ")), not `\(kind)`")
        }
        top.put("trust", f.node)
        return TrustModel(adversaryFraction: adversaries, colluding: colluding, validation: validation, maxAttempts: maxAttempts)
    }

    func speculation(_ top: inout Section) throws(ScenarioError) -> WorkEngine.Speculation? {
        let field = top.valueField("speculation")!
        if case .scalar = field.node {
            let v = try field.string()
            guard v == "off" else { throw field.fail("expected `off` or a mapping with slowdown and check_every, found `\(v)`") }
            top.put("speculation", Node("off"))
            return nil
        }
        var f = try Section(field, "speculation")
        let slowdown = try f.number("slowdown")!
        guard slowdown >= 1 else { throw f["slowdown"]!.fail("expected a slowdown ≥ 1, found \(slowdown)") }
        let every = try f.quantity("check_every", boundedDuration)!
        guard every > 0 else { throw f.valueField("check_every")!.expected("a positive duration") }
        top.put("speculation", f.node)
        return WorkEngine.Speculation(slowdown: slowdown, checkEvery: SimDuration(seconds: every))
    }

    /// `calibration`: a profile written by `swarmlab calibrate`, relative to the scenario file.
    func calibration(_ top: inout Section) throws(ScenarioError) -> (path: String, profile: DeviceProfile)? {
        guard let f = top["calibration"] else { return nil }
        let given = try f.string()
        let path = try existingFile(f)
        top.put("calibration", Node(given))
        do { return (given, try DeviceProfile.read(path: path)) } catch {
            throw f.fail("cannot use the calibration profile: \(error)")
        }
    }

    func outputs(_ top: inout Section, name: String) throws(ScenarioError) -> Scenario.Outputs {
        var f = try Section(top.valueField("outputs")!, "outputs")
        var results = try f.string("results")!
        results = results.replacingOccurrences(of: "NAME", with: name)
        guard !results.isEmpty else { throw f["results"]!.fail("expected a file path") }
        if let rf = f["results"] { try confineResults(rf, results) }
        let interval = try f.quantity("timeline_interval", boundedDuration)!
        guard interval > 0 else { throw f.valueField("timeline_interval")!.expected("a positive duration") }
        top.put("outputs", f.node)
        return .init(results: results, timelineInterval: interval)
    }
}
