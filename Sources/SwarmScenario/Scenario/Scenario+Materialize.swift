import Synchronization
import SwarmKernel
import SwarmModel

/// What a run of a scenario is made of: the fleet, the tasks, the engine's configuration and
/// what policies are given — built by `Scenario.materialize(seed:)`, so a runner (the
/// simulator's `ScenarioRunner`, the reference runtime) only adds a policy and runs.
public struct MaterializedScenario: Sendable {
    public var fleet: Fleet
    /// Every workload's tasks, generated from the run's seed (job i is workload i).
    public var tasks: TaskTable
    /// Heartbeat timeout, trust, tenants, speculation, latencies (with jitter), shared network.
    public var configuration: WorkEngine.Configuration
    /// One-way latency between regions without jitter, seconds: what policies are told.
    public var latency: @Sendable (Int, Int) -> Double
    public var seed: UInt64
    /// Who owns each device and whose work it may run (`fleet[].owner`, `lend_to`).
    public var ownership: DeviceOwnership = .none

    /// The context a policy is created with for this run.
    public var policyContext: PolicyContext {
        PolicyContext(streams: RandomStreams(seed: seed), costModel: configuration.costModel, latency: latency)
    }
}

extension Scenario {
    /// Builds the model objects of one run with `seed` (default: the scenario's first seed).
    /// Call once per run: the latency jitter draws from a stream the configuration owns.
    public func materialize(seed: UInt64? = nil) throws(ScenarioError) -> MaterializedScenario {
        let seed = seed ?? self.seed
        var fleet: Fleet
        do { fleet = try Fleet(classes: classes, regions: regions, mix: self.fleet) } catch {
            throw ScenarioError(file: file, line: 0, column: 0, path: "fleet", message: error.description)
        }
        var d = 0
        for (share, site) in zip(self.fleet, fleetSites) {
            if site >= 0 { for i in d..<(d + share.count) { fleet.attach(i, toSite: site) } }
            d += share.count
        }
        var tasks = TaskTable()
        let streams = RandomStreams(seed: seed)
        for (job, w) in workloads.enumerated() { w.generate(into: &tasks, job: job, streams: streams) }

        var run = MaterializedScenario(fleet: fleet, tasks: tasks, configuration: configuration(seed: seed),
                                       latency: baseLatency, seed: seed)
        run.ownership = ownership(deviceCount: fleet.count)
        run.configuration.ownership = run.ownership
        return run
    }

    /// One-way latency between regions without jitter (RTT / 2), seconds.
    public var baseLatency: @Sendable (Int, Int) -> Double {
        let n = network.rtt.count
        let oneWay = network.rtt.seconds.map { $0 / 2 }
        return { a, b in oneWay[a * n + b] }
    }

    /// The engine's configuration for a run with `seed`: a fresh one per run, since the
    /// latency jitter draws from a stream it owns.
    public func configuration(seed: UInt64) -> WorkEngine.Configuration {
        let base = baseLatency
        var regionLatency = base
        if let law = network.jitter {
            let draws = JitterDraws(law: law, generator: RandomStreams(seed: seed).stream("network-jitter"))
            regionLatency = { a, b in base(a, b) + draws.next() }
        }
        var topology: Topology?
        if network.model == .flows {
            topology = Topology(regions: zip(regions, regionWAN).map { Topology.Region(name: $0.0.name, wanCapacity: $0.1) },
                                edgeSites: edgeSites)
        }
        var configuration = WorkEngine.Configuration(heartbeatTimeout: .seconds(heartbeatTimeout), regionLatency: regionLatency,
                                                     trust: trust, tenants: tenants, speculation: speculation, network: topology)
        if let calibration { configuration.costModel = CalibratedCostModel(profile: calibration.profile) }
        if classes.contains(where: \.runsPods) {
            configuration.pods = workloads.map { ($0 as? PlacedWorkload)?.pod ?? .standard }
        }
        configuration.pools = pools
        return configuration
    }
}

/// Jitter draws for transfer latencies: one stream per run, drawn in the order the engine
/// asks (the engine is single-threaded, so the order — and the run — is deterministic).
final class JitterDraws: Sendable {
    let law: any Distribution
    let generator: Mutex<Xoshiro256>

    init(law: any Distribution, generator: Xoshiro256) {
        self.law = law
        self.generator = Mutex(generator)
    }

    func next() -> Double {
        generator.withLock { g in max(0, law.sample(using: &g)) }
    }
}

extension Scenario {
    /// Tasks of the scenario (generated with its first seed) whose working set no device
    /// class of the fleet can hold in memory — the run drops them at the start
    /// (`tasksUnplaceable`). Counted per workload name; empty when every task fits.
    public func unplaceableTasks() -> [(workload: Int, tasks: Int, largestWorkingSet: Double)] {
        let used = Set(fleet.filter { $0.count > 0 }.map(\.className))
        let largest = classes.filter { used.contains($0.name) }.map(\.workingMemory).max() ?? 0
        var tasks = TaskTable()
        let streams = RandomStreams(seed: seeds.first ?? seed)
        var out: [(Int, Int, Double)] = []
        for (job, w) in workloads.enumerated() {
            let before = tasks.count
            w.generate(into: &tasks, job: job, streams: streams)
            var n = 0, ws = 0.0
            for t in before..<tasks.count {
                guard case .kernel(let k) = tasks.work[t], k.workingSetBytes > largest else { continue }
                n += 1; ws = max(ws, k.workingSetBytes)
            }
            if n > 0 { out.append((job, n, ws)) }
        }
        return out
    }
}
