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

    /// The most replications `swarmlab validate` runs when a scenario's paired differences
    /// stay wide (see `needsMoreReplications`), unless `--max-replications` says otherwise.
    public static let defaultMaxReplications = 20

    /// Whether R replications whose makespans were `sim` and `real` (paired by seed) pin the
    /// mean difference down well enough: the 95% Student-t half-width of the per-seed
    /// differences sim − real, over the mean real makespan, must be at most half the
    /// tolerance (4%). Where churn or a race puts a task on either side of an OFF period, one
    /// seed can differ by a whole OFF period (3.5 s of 6 in `05-churn-reexecution`) while the
    /// others agree to the millisecond; five such seeds decide the error of the means by
    /// chance, and more of them average the races out. Scenarios whose seeds agree pair by
    /// pair stop at the minimum.
    public static func needsMoreReplications(sim: [Double], real: [Double]) -> Bool {
        let d = zip(sim, real).map { $0 - $1 }
        guard d.count >= 2, d.allSatisfy(\.isFinite), let ci = ConfidenceInterval(d) else { return false }
        let scale = real.reduce(0, +) / Double(real.count)
        return scale > 0 && ci.halfWidth / scale > ReplicatedComparison.tolerance / 2
    }

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
    /// 2. Per seed: measures the scenario's kernels (`measureKernels`) just before the
    ///    reference run and again just after it, and writes the two pooled to
    ///    `directory/NAME-rK-profile.json`; the replication's simulation uses that profile,
    ///    so given it the simulator side is deterministic.
    ///    A shared machine's speed moves by several percent from one minute to the next: a
    ///    profile measured once for all R runs gave the later runs an offset the simulator
    ///    could not know of, and its side of the table no spread at all; measured per run,
    ///    each simulation sees the machine its reference run meets, and the spread of the
    ///    simulated makespans includes the machine's.
    /// 3. The simulation, the reference run of the same draws, and `NAME-rK-sim.h5` /
    ///    `NAME-rK-real.h5` recording the profile used.
    /// 4. After R, more seeds while the per-seed differences leave the mean difference loose
    ///    (`needsMoreReplications`), up to `maxReplications` (0, the default: never more).
    ///
    /// `transport`: where the reference runtime's coordinator listens and how its workers
    /// start (default: loopback, local processes; `srun` steps of a Slurm allocation).
    public static func runReplicated(file: String, profile base: ProfileChoice, replications: Int = defaultReplications,
                                     maxReplications: Int = 0, worker: String? = nil, directory: String? = nil, remeasure: Bool = true,
                                     registry: PolicyRegistry = .builtin, allowedPaths: [String] = [],
                                     transport: RuntimeTransport = RuntimeTransport(),
                                     progress: (String) -> Void = { _ in }) throws -> ReplicatedComparison {
        let scenario = try readEmulable(file, registry: registry, allowedPaths: allowedPaths)
        let (count, lowered) = replicationCount(scenario, requested: replications)
        // A file that lowers R (a long scenario) is not extended; else up to `maxReplications`.
        let most = lowered ? count : max(count, maxReplications)
        let first = replicationSeeds(scenario, count: count), all = replicationSeeds(scenario, count: most)
        let seeds = Array(all.prefix(count)) == first ? all
            : first + (0..<(most - count)).map { (first.max() ?? scenario.seed) &+ UInt64($0 + 1) }
        if let directory { try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true) }

        /// The kernels of replication `k` measured as its devices will meet them: idling
        /// between computations as long as they do (from a simulation with the base profile).
        func measure(_ m: MaterializedScenario, gap: inout Double?) throws -> [KernelSamples] {
            if gap == nil {
                let (pre, _) = try simulate(scenario, profile: base.profile, seed: m.seed, registry: registry)   // m.seed: this replication's
                gap = idleBetweenComputations(pre)
            }
            return try measureKernels(for: m.tasks, speeds: deviceSpeeds(m.fleet), worker: worker, gapSeconds: gap ?? 0)
        }

        /// Records replication `k`'s profile; where.
        func record(_ p: DeviceProfile, for k: Int) throws -> String {
            guard let directory else { return "\(base.path) (re-measured, not written)" }
            let path = "\(directory)/\(scenario.name)-r\(k + 1)-profile.json"
            try p.jsonData().write(to: URL(fileURLWithPath: path), options: .atomic)
            return path
        }

        var profiles: [String] = []
        var otherLoad: [Double] = [], stolen: [Double] = [], kernelRatios: [Double] = []
        var runs: [ValidationComparison] = []
        var simLatency: [Double] = [], realLatency: [Double] = []
        var simRuns: [(Double, Double, Double)] = [], realRuns: [(Double, Double, Double)] = []
        var devices = 0, tasks = 0, compared = 0, wall = 0.0
        var ran: [UInt64] = []
        for (k, seed) in seeds.enumerated() {
            if k >= count && !needsMoreReplications(sim: simRuns.map(\.0), real: realRuns.map(\.0)) { break }
            if k == count {
                progress("\(scenario.name): the seeds' differences are wide (races with churn or replicas); more replications, up to \(most)")
            }
            ran.append(seed)
            let m = try scenario.materialize(seed: seed)
            // The kernels measured just before the reference run; its policy estimates with them.
            var gap: Double?
            let before = remeasure ? try measure(m, gap: &gap) : []
            let first = remeasure ? withRatesMeasuredNow(Validation.profile(base.profile, measured: before)) : base.profile
            let (planned, engine) = try simulate(scenario, profile: first, seed: seed, registry: registry)
            let plan = try plan(scenario, engine: engine, profile: first, seed: seed, registry: registry)
            let limit = 30 + 10 * (planned.taskFinish.filter(\.isFinite).max() ?? 60)
            let report: RuntimeReport
            let load0 = MachineLoad.now()
            do { report = try ReferenceRuntime.run(plan, worker: worker, wallLimit: limit, transport: transport) } catch {
                throw Failure(description: "\(file): reference run \(k + 1) (seed \(seed)) failed: \(error)")
            }
            let others = load0.flatMap { a in MachineLoad.now().map { $0.others(since: a) } } ?? (cores: .nan, stolen: .nan)
            otherLoad.append(others.cores); stolen.append(others.stolen)
            // Measured again just after the run, and the two pooled: a machine whose speed
            // drifts during the run (a shared host's neighbours) is met halfway, not at
            // its start. The replication simulates with the pooled profile, the one recorded.
            var profile = first
            if remeasure {
                profile = Validation.profile(first, measured: pooled(before, try measure(m, gap: &gap)))
                profile.measuredAt = ISO8601DateFormatter().string(from: Date())
            }
            let profilePath = remeasure ? try record(profile, for: k) : base.path
            profiles.append(profilePath)
            let sim = remeasure ? try simulate(scenario, profile: profile, seed: seed, registry: registry).0 : planned
            let ratios = kernelCPURatios(report, tasks: plan.tasks, profile: profile)
            kernelRatios += ratios
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
            progress(String(format: "%@ replication %d/%d (seed %llu): makespan sim %.3f s, real %.3f s (%.1f s wall; other programs busy %.2f cores, stolen %.2f; kernel CPU real/profile %.3f)",
                            scenario.name, k + 1, k < count ? count : most, seed, c.simMakespan, c.realMakespan, real.wallSeconds, others.cores, others.stolen,
                            ValidationStatistics.median(ratios.sorted())))
        }
        var result = ReplicatedComparison(
            name: scenario.name, devices: devices, tasksCompared: compared, tasks: tasks, replicationsLoweredByFile: lowered,
            seeds: ran,
            sim: ValidationSide(makespans: simRuns.map(\.0), throughputs: simRuns.map(\.1), latencies: simLatency, lostWork: simRuns.map(\.2)),
            real: ValidationSide(makespans: realRuns.map(\.0), throughputs: realRuns.map(\.1), latencies: realLatency, lostWork: realRuns.map(\.2)),
            profiles: profiles, baseProfile: base.path, realWallSeconds: wall, runs: runs)
        result.otherLoad = otherLoad; result.stolen = stolen
        result.kernelCPURatio = kernelRatios.isEmpty ? nil : ValidationStatistics.median(kernelRatios.sorted())
        return result
    }

    /// Per returned kernel attempt of `report`, the CPU seconds its worker spent in the
    /// computation proper over what `profile` says the kernel takes: 1 when the workers ran
    /// the kernels as the profile measured them. A ratio above 1 slows the real side by as
    /// much of each attempt's kernel part (the duty cycle stretches CPU seconds), which no
    /// rule of the simulator can explain — the machine changed under the run.
    static func kernelCPURatios(_ report: RuntimeReport, tasks: TaskTable, profile: DeviceProfile) -> [Double] {
        var expected: [TensorKernel: Double] = [:]
        for s in profile.kernels { expected[s.kernel.asFP32] = s.seconds }
        return report.attempts.compactMap { a in
            guard a.outcome == .returned, a.kernelCPUSeconds.isFinite, a.task < tasks.count,
                  case .kernel(let k) = tasks.work[a.task], let e = expected[k.asFP32], e > 0 else { return nil }
            return a.kernelCPUSeconds / e
        }
    }
}
