import Foundation
import SwarmKernel
import SwarmModel
import SwarmPolicies
import SwarmResults
import SwarmRuntime
import SwarmScenario

extension Validation {
    /// Replications per side unless `--replications` says otherwise.
    public static let defaultReplications = 5

    /// How many replications `scenario` runs when `requested` are asked for: a file's own
    /// `replications:` key may lower the number (a long scenario), never raise it. Returns
    /// the count and whether the file lowered it.
    public static func replicationCount(_ scenario: Scenario, requested: Int) -> (count: Int, lowered: Bool) {
        let asked = max(1, requested)
        guard scenario.writes("replications"), scenario.replications < asked else { return (asked, false) }
        return (scenario.replications, true)
    }

    /// The seeds of `count` replications: the file's `seeds` when it lists enough, else
    /// `seed`, `seed` + 1, ….
    public static func replicationSeeds(_ scenario: Scenario, count: Int) -> [UInt64] {
        scenario.writes("seeds") && scenario.seeds.count >= count
            ? Array(scenario.seeds.prefix(count)) : (0..<count).map { scenario.seed &+ UInt64($0) }
    }

    /// The simulator's side of every replication with one profile: deterministic (the same
    /// scenario, profile and seeds give the same observations, wall time aside).
    public static func simulateReplications(_ scenario: Scenario, profile: DeviceProfile, seeds: [UInt64],
                                            registry: PolicyRegistry = .builtin) throws -> [(ValidationObservation, WorkEngine)] {
        try seeds.map { try simulate(scenario, profile: profile, seed: $0, registry: registry) }
    }

    /// Task latencies (acceptance − arrival, seconds) of the `counted` tasks of `o`.
    static func latencies(_ o: ValidationObservation, tasks: TaskTable, counted: [Int]) -> [Double] {
        counted.map { o.taskFinish[$0] - SimTime(ticks: tasks.arrival[$0]).seconds }
    }

    /// Runs one scenario file R times on each side and compares them.
    ///
    /// 1. Refuses what the runtime does not emulate (`refusals`).
    /// 2. Per seed: re-measures the scenario's kernels (`remeasured`) just before the
    ///    reference run and writes that profile to `directory/NAME-rK-profile.json`; the
    ///    replication's simulation uses it, so given it the simulator side is deterministic.
    ///    A shared machine's speed moves by several percent from one minute to the next: a
    ///    profile measured once for all R runs gave the later runs an offset the simulator
    ///    could not know of, and its side of the table no spread at all; measured per run,
    ///    each simulation sees the machine its reference run meets, and the spread of the
    ///    simulated makespans includes the machine's.
    /// 3. The simulation, the reference run of the same draws, and `NAME-rK-sim.h5` /
    ///    `NAME-rK-real.h5` recording the profile used.
    ///
    /// `transport`: where the reference runtime's coordinator listens and how its workers
    /// start (default: loopback, local processes; `srun` steps of a Slurm allocation).
    public static func runReplicated(file: String, profile base: ProfileChoice, replications: Int = defaultReplications,
                                     worker: String? = nil, directory: String? = nil, remeasure: Bool = true,
                                     registry: PolicyRegistry = .builtin, allowedPaths: [String] = [],
                                     transport: RuntimeTransport = RuntimeTransport(),
                                     progress: (String) -> Void = { _ in }) throws -> ReplicatedComparison {
        let scenario = try readEmulable(file, registry: registry, allowedPaths: allowedPaths)
        let (count, lowered) = replicationCount(scenario, requested: replications)
        let seeds = replicationSeeds(scenario, count: count)
        if let directory { try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true) }

        /// The profile replication `k` simulates with, and where it is recorded.
        func profile(for k: Int, _ m: MaterializedScenario) throws -> (DeviceProfile, String) {
            guard remeasure else { return (base.profile, base.path) }
            var p = remeasured(base.profile, for: m.tasks, speeds: deviceSpeeds(m.fleet))
            p.measuredAt = ISO8601DateFormatter().string(from: Date())
            guard let directory else { return (p, "\(base.path) (re-measured, not written)") }
            let path = "\(directory)/\(scenario.name)-r\(k + 1)-profile.json"
            try p.jsonData().write(to: URL(fileURLWithPath: path), options: .atomic)
            return (p, path)
        }

        var profiles: [String] = []
        var otherLoad: [Double] = [], stolen: [Double] = []
        var runs: [ValidationComparison] = []
        var simLatency: [Double] = [], realLatency: [Double] = []
        var simRuns: [(Double, Double, Double)] = [], realRuns: [(Double, Double, Double)] = []
        var devices = 0, tasks = 0, compared = 0, wall = 0.0
        for (k, seed) in seeds.enumerated() {
            let m = try scenario.materialize(seed: seed)
            let (profile, profilePath) = try profile(for: k, m)
            profiles.append(profilePath)
            let (sim, engine) = try simulate(scenario, profile: profile, seed: seed, registry: registry)
            let plan = try plan(scenario, engine: engine, profile: profile, seed: seed, registry: registry)
            let limit = 30 + 10 * (sim.taskFinish.filter(\.isFinite).max() ?? 60)
            let report: RuntimeReport
            let load0 = MachineLoad.now()
            do { report = try ReferenceRuntime.run(plan, worker: worker, wallLimit: limit, transport: transport) } catch {
                throw Failure(description: "\(file): reference run \(k + 1) (seed \(seed)) failed: \(error)")
            }
            let others = load0.flatMap { a in MachineLoad.now().map { $0.others(since: a) } } ?? (cores: .nan, stolen: .nan)
            otherLoad.append(others.cores); stolen.append(others.stolen)
            let offset = max(0, (report.attempts.map(\.assigned).min() ?? 0) - (sim.attemptAssigned.min() ?? 0))
            let real = observe(report, tasks: plan.tasks.count).shifted(by: -offset)
            let counted = counted(plan.tasks, sim: sim)
            if let directory {
                for o in [sim, real] {
                    try write(o, to: "\(directory)/\(scenario.name)-r\(k + 1)-\(o.side == "simulation" ? "sim" : "real").h5",
                              scenario: scenario, seed: seed, replication: k + 1, profilePath: profilePath, baseProfilePath: base.path)
                }
            }
            var c = compare(name: scenario.name, devices: plan.devices.count, sim: sim, real: real, counted: counted)
            c.realStartOffset = offset
            runs.append(c)
            simLatency += latencies(sim, tasks: m.tasks, counted: counted)
            realLatency += latencies(real, tasks: m.tasks, counted: counted)
            simRuns.append((c.simMakespan, c.simThroughput, c.simLostWork))
            realRuns.append((c.realMakespan, c.realThroughput, c.realLostWork))
            devices = c.devices; tasks = c.tasks; if k == 0 { compared = c.tasksCompared }
            wall += real.wallSeconds
            progress(String(format: "%@ replication %d/%d (seed %llu): makespan sim %.3f s, real %.3f s (%.1f s wall; other programs busy %.2f cores, stolen %.2f)",
                            scenario.name, k + 1, seeds.count, seed, c.simMakespan, c.realMakespan, real.wallSeconds, others.cores, others.stolen))
        }
        var result = ReplicatedComparison(
            name: scenario.name, devices: devices, tasksCompared: compared, tasks: tasks, replicationsLoweredByFile: lowered,
            seeds: seeds,
            sim: ValidationSide(makespans: simRuns.map(\.0), throughputs: simRuns.map(\.1), latencies: simLatency, lostWork: simRuns.map(\.2)),
            real: ValidationSide(makespans: realRuns.map(\.0), throughputs: realRuns.map(\.1), latencies: realLatency, lostWork: realRuns.map(\.2)),
            profiles: profiles, baseProfile: base.path, realWallSeconds: wall, runs: runs)
        result.otherLoad = otherLoad; result.stolen = stolen
        return result
    }
}
