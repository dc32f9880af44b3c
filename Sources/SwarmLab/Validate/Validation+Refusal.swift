import SwarmModel
import SwarmScenario

extension Validation {
    /// What `scenario` asks that the reference runtime does not emulate — each a
    /// `file:line:column: field: why` error naming the field — or nothing. `validate` refuses
    /// such a scenario rather than compare two runs that differ by construction.
    ///
    /// What `plan` would otherwise drop or approximate:
    /// - `network.model: flows`: transfers sharing WAN, backhaul and access links max-min
    ///   fairly; the runtime gives each device its own link.
    /// - `network.jitter`: the simulator's per-transfer latency draws; the runtime holds each
    ///   message for a fixed latency.
    /// - a task's data outside the first region (`workloads[i].KIND.data_region`), or tasks
    ///   with parents on a fleet outside the first region (`fleet[i].region`): the simulator
    ///   moves data from the data's region (a child's from where its last parent ran), the
    ///   runtime every message from the first region.
    /// - a device class with a GPU (`fleet[i].class`): the simulator may cost a kernel on the
    ///   GPU's roofline; the runtime computes on this machine's CPU.
    /// - a device faster than the scenario's `reference` class (`fleet[i].class`): an emulated
    ///   device runs at most one core of this machine.
    /// - a Kubernetes node pool (`clusters[i].max_pods` > 1): the simulator runs several pods
    ///   per node sharing its cores; an emulated device runs one attempt at a time.
    /// - `trust.adversary: colluding`: the runtime's liars each corrupt their own way.
    /// - more than one policy (`policies`): `validate` compares one.
    /// - `sweep`: `validate` compares one scenario, not a grid.
    /// - `pools`: elastic pools provisioning and releasing devices on a scaling rule; the
    ///   runtime starts a fixed set of worker processes.
    ///
    /// Spot checks, credibility, speculation, barrier time-outs and tenants are not refused:
    /// both sides run them through the shared task lifecycle.
    public static func refusals(_ scenario: Scenario) -> [ScenarioError] {
        var out: [ScenarioError] = []
        func refuse(_ path: String, _ why: String) { out.append(scenario.error(at: path, why + " (not emulated by the reference runtime)")) }

        if scenario.network.model == .flows {
            refuse("network.model", "`flows` (written out, or the default where the file has edge sites or a region's `wan`): transfers sharing WAN, backhaul and access links max-min fairly; the runtime gives each device a link of its own")
        }
        if scenario.network.jitter != nil {
            refuse("network.jitter", "per-transfer latency draws; the runtime holds every message for a fixed latency")
        }
        if scenario.trust.colluding && scenario.trust.adversaryFraction > 0 {
            refuse("trust.adversary", "`colluding`: adversaries returning one shared wrong result; the runtime's adversaries each corrupt their own way")
        }
        if scenario.policies.count > 1 {
            refuse("policies", "\(scenario.policies.count) policies; validate compares one (validate a copy per policy)")
        }
        if !scenario.sweep.isEmpty {
            refuse("sweep", "a grid of \(scenario.sweep.count) axes; validate compares one scenario (validate each point as its own file)")
        }

        if !scenario.pools.isEmpty {
            refuse("pools", "\(scenario.pools.count) elastic pool(s) (`\(scenario.pools[0].name)`…) provisioning and releasing devices on a scaling rule; the runtime starts a fixed set of worker processes")
        }

        // The fleet: file entries first, then clusters' nodes (`Scenario.fleet`'s order),
        // then pools' slots (refused above as a whole).
        let first = scenario.regions.first?.name ?? ""
        let entries = scenario.listCount(at: "fleet")
        let reference = scenario.classes.first { $0.name == "reference" }
        var tasks: TaskTable?
        if let m = try? scenario.materialize() { tasks = m.tasks }
        let hasParents = tasks.map { t in (0..<t.count).contains { !t.parents(of: TaskID(index: $0)).isEmpty } } ?? false
        let poolEntries = scenario.pools.count
        for (i, share) in scenario.fleet.enumerated().dropLast(poolEntries) where share.count > 0 {
            let entry = i < entries ? "fleet[\(i)]" : "clusters[\(i - entries)]"
            guard let c = scenario.classes.first(where: { $0.name == share.className }) else { continue }
            let name = share.className.split(separator: "@").first.map(String.init) ?? share.className
            if c.hasGPU {
                refuse("\(entry).class", "`\(name)` has a GPU; the simulator may cost kernels on it, the runtime computes on this machine's CPU")
            }
            if let reference, c.cpuFlops > reference.cpuFlops * (1 + 1e-9) {
                refuse("\(entry).class", "`\(name)` computes faster than the `reference` class (\(c.cpuFlops / 1e9) against \(reference.cpuFlops / 1e9) GFLOP/s); an emulated device runs at most one core of this machine")
            }
            if c.runsPods {
                refuse("\(entry).max_pods", "\(c.maxPods) pods per node sharing its cores, memory and GPUs; an emulated device runs one attempt at a time")
            }
            if hasParents && share.region != first {
                refuse("\(entry).region", "`\(share.region)`, with tasks that have parents: the simulator moves a child's data from where its last parent ran, the runtime every message from the first region `\(first)`")
            }
        }
        if let tasks {
            var seen = Set<Int>()
            for t in 0..<tasks.count where tasks.dataRegion[t] != 0 && seen.insert(Int(tasks.job[t])).inserted {
                let job = Int(tasks.job[t])
                let kind = ["bag", "requests", "traced_requests", "training", "federated", "pipeline", "dag"]
                    .first { scenario.writes("workloads[\(job)].\($0)") } ?? "bag"
                refuse("workloads[\(job)].\(kind).data_region", "data outside the first region `\(first)`; the runtime sends every message from the first region")
            }
        }
        return out
    }
}
