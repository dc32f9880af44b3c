import Foundation
import Synchronization
import SwarmKernel
import SwarmModel
import SwarmPolicies
import SwarmResults
import SwarmRuntime
import SwarmScenario

/// What one side of a validation observed, in scenario seconds from the run's start.
public struct ValidationObservation: Sendable {
    /// "simulation" or "runtime".
    public var side: String
    /// Per task: when its first attempt was assigned, and when it was accepted (NaN: never).
    public var taskStart: [Double]
    public var taskFinish: [Double]
    /// Per attempt (flat arrays, one entry each): task, device, attempt number, assigned,
    /// returned (NaN unless it came back), outcome (0 returned, 1 lost, 2 cancelled).
    public var attemptTask: [Int] = []
    public var attemptDevice: [Int] = []
    public var attemptNumber: [Int] = []
    public var attemptAssigned: [Double] = []
    public var attemptReturned: [Double] = []
    public var attemptOutcome: [Int] = []
    /// When the device started and ended computing (the runtime: its worker's stamps, the
    /// duty cycle's end; NaN for attempts that did not come back or never computed).
    public var attemptComputeStart: [Double] = []
    public var attemptComputeEnd: [Double] = []
    /// Runtime only: the CPU seconds the worker spent in the kernel and in the whole attempt
    /// — with the stamps, what splits a gap between the sides into network, machine and model.
    public var attemptKernelCPU: [Double] = []
    public var attemptCPU: [Double] = []
    /// Seconds of attempts lost to churn (assignment to the loss), and how many were lost.
    public var lostWorkSeconds: Double
    public var attemptsLost: Int
    /// Wall seconds the side took.
    public var wallSeconds: Double

    /// The same observation with every time moved by `delta` seconds.
    public func shifted(by delta: Double) -> ValidationObservation {
        var o = self
        o.taskStart = taskStart.map { $0 + delta }; o.taskFinish = taskFinish.map { $0 + delta }
        o.attemptAssigned = attemptAssigned.map { $0 + delta }; o.attemptReturned = attemptReturned.map { $0 + delta }
        o.attemptComputeStart = attemptComputeStart.map { $0 + delta }; o.attemptComputeEnd = attemptComputeEnd.map { $0 + delta }
        return o
    }

    /// returned − assigned of every attempt that came back.
    public var attemptDurations: [Double] {
        zip(attemptAssigned, attemptReturned).compactMap { a, r in r.isFinite ? r - a : nil }
    }
}

/// One scenario's comparison: the figures of `results/validation.md`.
public struct ValidationComparison: Sendable, Codable, Equatable {
    public var name: String
    public var devices: Int
    public var tasks: Int
    /// Tasks both sides count (the simulator did not drop them).
    public var tasksCompared: Int
    public var simMakespan: Double
    public var realMakespan: Double
    /// |sim − real| / real.
    public var makespanError: Double
    /// Tasks per second over the makespan.
    public var simThroughput: Double
    public var realThroughput: Double
    /// Two-sample KS distance between the attempt-duration distributions.
    public var durationKS: Double
    /// Per-task |Δ| of first assignment and of acceptance, seconds: median and largest.
    public var startErrorMedian: Double
    public var startErrorMax: Double
    public var endErrorMedian: Double
    public var endErrorMax: Double
    public var simLostWork: Double
    public var realLostWork: Double
    public var simAttemptsLost: Int
    public var realAttemptsLost: Int
    /// Wall seconds of the reference run.
    public var realWallSeconds: Double
    /// The simulated makespan with the committed profile, before re-measuring (NaN: not run).
    public var committedProfileMakespan: Double = .nan
    /// Seconds the runtime took to bring its workers up before the first assignment; its
    /// times are counted from then.
    public var realStartOffset: Double = 0
}

/// `swarmlab validate`: runs a scenario in the simulator (WorkEngine with the calibrated cost
/// model) and in the reference runtime with the same seed — same fleet, same tasks, same
/// policy, the simulator's availability draws turned into pauses and kills, its adversary
/// draws into adversarial workers — and compares what they report.
///
/// How a scenario maps onto the runtime (one scenario second = one wall second):
/// - speed of device d = its class's CPU FLOP/s ÷ the reference's: the reference is the
///   scenario's device class named `reference` if it defines one (it need not be in the
///   fleet), else the fleet's fastest class; the reference *is* this machine (one core), and
///   the simulator's `CalibratedCostModel` uses the same reference;
/// - latency = one-way RTT/2 from region 0 (where validation scenarios keep their data) to the
///   device's region + the class's access latency; bandwidth = the class's downlink (the runtime
///   has one link per device: validation classes use equal down- and uplinks);
/// - availability: each OFF period the simulator draws becomes a pause (SIGSTOP … SIGCONT);
///   the first one is also a kill, so the device loses its attempt as in the simulator
///   (the runtime restarts a killed worker at the end of that pause);
/// - the policy is the scenario's only one (`refusals` refuses more), built afresh for each
///   side from the same context.
///
/// What the runtime cannot emulate is refused up front (`refusals`, `Validation+Refusal.swift`);
/// `runReplicated` (`Validation+Replicated.swift`) runs R seeds per side and compares the samples.
public enum Validation {
    public struct Failure: Error, CustomStringConvertible {
        public var description: String
    }

    /// The simulator's side, with the calibrated cost model.
    public static func simulate(_ scenario: Scenario, profile: DeviceProfile, seed: UInt64? = nil,
                                registry: PolicyRegistry = .builtin) throws -> (ValidationObservation, WorkEngine) {
        let m = try scenario.materialize(seed: seed)
        let cost = costModel(for: m.fleet, profile: profile)
        var configuration = m.configuration
        configuration.costModel = cost
        configuration.computeSpread = computeSpread(profile, tasks: m.tasks)
        configuration.kernelSpreads = kernelSpreads(profile)
        let policy = try makePolicy(scenario, materialized: m, cost: cost, registry: registry)
        let started = monotonicSeconds()
        let engine = WorkEngine(fleet: m.fleet, tasks: withMessageBytes(m.tasks), policy: policy, seed: m.seed,
                                configuration: configuration)
        var o = ValidationObservation(side: "simulation", taskStart: [Double](repeating: .nan, count: m.tasks.count),
                                      taskFinish: [Double](repeating: .nan, count: m.tasks.count),
                                      lostWorkSeconds: 0, attemptsLost: 0, wallSeconds: 0)
        var running: [Int: Int] = [:]   // device → its attempt's index in o
        engine.observer = { record in
            switch record {
            case .started(let t, let d, let attempt, let at):
                running[d] = o.attemptTask.count
                o.attemptTask.append(t.index); o.attemptDevice.append(d); o.attemptNumber.append(attempt)
                o.attemptAssigned.append(at.seconds); o.attemptReturned.append(.nan); o.attemptOutcome.append(2)
                o.attemptComputeStart.append(.nan); o.attemptComputeEnd.append(.nan)
                if o.taskStart[t.index].isNaN { o.taskStart[t.index] = at.seconds }
            case .phase(_, let d, let phase, let at):
                guard let i = running[d] else { break }
                if phase == .computing { o.attemptComputeStart[i] = at.seconds }
                if phase == .transferOut { o.attemptComputeEnd[i] = at.seconds }
            case .returned(_, let d, let at):
                if let i = running.removeValue(forKey: d) {
                    o.attemptReturned[i] = at.seconds; o.attemptOutcome[i] = 0
                    if o.attemptComputeEnd[i].isNaN { o.attemptComputeEnd[i] = at.seconds }
                }
            case .lost(_, let d, _), .cancelled(_, let d, _):
                if let i = running.removeValue(forKey: d), case .lost = record { o.attemptOutcome[i] = 1 }
            case .done(let t, _, let at, _):
                o.taskFinish[t.index] = at.seconds
            default:   // queueing, phases, availability: not compared
                break
            }
        }
        engine.run(until: SimTime(seconds: scenario.duration))
        o.lostWorkSeconds = engine.metrics.wastedSeconds
        o.attemptsLost = engine.metrics.attemptsLost
        o.wallSeconds = monotonicSeconds() - started
        return (o, engine)
    }

    /// Reads scenario `file` and refuses it, naming every field, if the runtime cannot
    /// emulate it (`refusals`).
    static func readEmulable(_ file: String, registry: PolicyRegistry = .builtin, allowedPaths: [String] = []) throws -> Scenario {
        let scenario: Scenario
        do { scenario = try Scenario.read(path: file, registry: registry, allowedPaths: allowedPaths) } catch {
            throw Failure(description: "\(error)")
        }
        let refused = refusals(scenario)
        guard refused.isEmpty else {
            throw Failure(description: "validate refuses \(file):\n" + refused.map { "  \($0)" }.joined(separator: "\n"))
        }
        return scenario
    }

    /// The runtime plan mirroring the simulator's run `engine` of `scenario`.
    public static func plan(_ scenario: Scenario, engine: WorkEngine, profile: DeviceProfile, seed: UInt64? = nil,
                            registry: PolicyRegistry = .builtin) throws -> RuntimePlan {
        let m = try scenario.materialize(seed: seed)
        let fleet = m.fleet
        let speeds = deviceSpeeds(fleet)
        var availability = FleetAvailability(fleet: fleet, seed: m.seed)
        let horizon = SimTime(seconds: scenario.duration)
        var devices: [EmulatedDevice] = []
        for d in 0..<fleet.count {
            let c = fleet.deviceClass(d)
            var offs: [(start: Double, end: Double)] = []
            var t = SimTime.zero
            while t < horizon {
                let s = availability.state(of: d, at: t)
                if !s.available { offs.append((t.seconds, min(s.until, horizon).seconds)) }
                guard s.until > t else { break }
                t = s.until
            }
            let shifted = offs.map { (start: $0.start + startDelay, end: $0.end + startDelay) }
            devices.append(EmulatedDevice(speed: speeds[d],
                                          latency: m.latency(0, Int(fleet.regionOf[d])) + c.accessLatency.seconds,
                                          bandwidth: c.downlink, uplink: c.uplink, pauses: shifted, killAt: shifted.first?.start,
                                          adversarial: engine.isAdversarial(d)))
        }
        let cost = costModel(for: fleet, profile: profile)
        return RuntimePlan(devices: devices, fleet: fleet, tasks: delayed(m.tasks, by: startDelay),
                           policy: try makePolicy(scenario, materialized: m, cost: cost, registry: registry),
                           heartbeatTimeout: scenario.heartbeatTimeout, timeScale: 1,
                           lifecycle: m.configuration.lifecycle, seed: m.seed)
    }

    /// `tasks` with at least the bytes of the runtime's messages: its assignment frame in, its
    /// result frame out. The runtime holds every message for the link's latency, data or not,
    /// while the simulator charges latency only to a transfer of more than 0 bytes; without
    /// this a task carrying no data (a federated round's aggregation) would pay no latency in
    /// the simulator and two one-way latencies in the runtime (2 × 6 ms in the federated
    /// scenario, against 4 ms of computing). The bytes themselves cost next to nothing (86 to
    /// ~140 bytes).
    static func withMessageBytes(_ tasks: TaskTable) -> TaskTable {
        copy(tasks, minimumBytes: messageBytes)
    }

    /// Bytes on the wire of the runtime's assignment of `work` and of its result (header,
    /// payload, HMAC tag; `docs/runtime.md`, "Frames").
    static func messageBytes(_ work: TaskWork) -> (assign: Double, result: Double) {
        let assign = Message.assign(.init(task: 0, attempt: 1, seed: 0, work: work)).frame(device: 0, sequence: 1)
        let result = Message.result(.init(task: 0, attempt: 1, checksum: 0, computeStart: 0, computeEnd: 0)).frame(device: 0, sequence: 1)
        let overhead = Frame.headerSize + Frame.tagSize
        return (Double(overhead + assign.payload.count), Double(overhead + result.payload.count))
    }

    /// Seconds every task arrival and churn event is moved later in the runtime, so that every
    /// worker has connected and said hello before the first placement (the simulator's devices
    /// are all there at 0); the comparison counts the runtime from its first assignment.
    public static let startDelay = 0.3

    /// `tasks` with every arrival (and deadline) `seconds` later.
    static func delayed(_ tasks: TaskTable, by seconds: Double) -> TaskTable {
        copy(tasks, shift: SimDuration(seconds: seconds).ticks)
    }

    /// A copy of `tasks`, arrivals and deadlines `shift` ticks later, bytes in and out at least
    /// `minimumBytes(work)`.
    static func copy(_ tasks: TaskTable, shift: Int64 = 0,
                     minimumBytes: (TaskWork) -> (assign: Double, result: Double) = { _ in (0, 0) }) -> TaskTable {
        var out = TaskTable()
        for t in 0..<tasks.count {
            let id = TaskID(index: t)
            let least = minimumBytes(tasks.work[t])
            _ = out.add(work: tasks.work[t], inputBytes: max(tasks.inputBytes[t], least.assign),
                        outputBytes: max(tasks.outputBytes[t], least.result),
                        dataRegion: Int(tasks.dataRegion[t]), residency: tasks.residency[t], job: Int(tasks.job[t]),
                        tenant: Int(tasks.tenant[t]), arrival: SimTime(ticks: tasks.arrival[t] + shift),
                        deadline: tasks.deadline[t] == .max ? nil : SimTime(ticks: tasks.deadline[t] + shift),
                        replication: Int(tasks.replication[t]), quorum: Int(tasks.quorum[t]),
                        parents: tasks.parents(of: id).map { TaskID($0) },
                        parentQuorum: tasks.parentQuorum[t] == 0 ? nil : Int(tasks.parentQuorum[t]),
                        barrierTimeout: tasks.barrierTimeout[t] == 0 ? nil : SimDuration(ticks: tasks.barrierTimeout[t]),
                        privateData: tasks.privateData[t])
        }
        return out
    }

    /// The runtime's side.
    public static func observe(_ report: RuntimeReport, tasks: Int) -> ValidationObservation {
        var o = ValidationObservation(side: "runtime", taskStart: [Double](repeating: .nan, count: tasks),
                                      taskFinish: report.taskFinish, lostWorkSeconds: report.lostWorkSeconds,
                                      attemptsLost: report.attempts.filter { $0.outcome == .lost }.count,
                                      wallSeconds: report.wallSeconds)
        for a in report.attempts {
            o.attemptTask.append(a.task); o.attemptDevice.append(a.device); o.attemptNumber.append(a.attempt)
            o.attemptAssigned.append(a.assigned)
            o.attemptReturned.append(a.outcome == .returned ? a.returned : .nan)
            o.attemptOutcome.append(a.outcome == .returned ? 0 : a.outcome == .lost ? 1 : 2)
            let back = a.outcome == .returned
            o.attemptComputeStart.append(back ? a.computeStart : .nan); o.attemptComputeEnd.append(back ? a.computeEnd : .nan)
            o.attemptKernelCPU.append(back ? a.kernelCPUSeconds : .nan); o.attemptCPU.append(back ? a.attemptCPUSeconds : .nan)
            if !(o.taskStart[a.task] <= a.assigned) { o.taskStart[a.task] = a.assigned }
        }
        return o
    }

    /// The tasks a comparison counts: those the simulator accepted, except the parents of a
    /// quorum barrier (a federated round's clients): the barrier's acceptance stands for them,
    /// and which of them are the stragglers left behind may differ between the two sides.
    public static func counted(_ tasks: TaskTable, sim: ValidationObservation) -> [Int] {
        var feedsQuorum = [Bool](repeating: false, count: tasks.count)
        for c in 0..<tasks.count where tasks.parentQuorum[c] > 0 {
            for p in tasks.parents(of: TaskID(index: c)) { feedsQuorum[Int(p)] = true }
        }
        return sim.taskFinish.indices.filter { sim.taskFinish[$0].isFinite && !feedsQuorum[$0] }
    }

    /// Compares the two sides over the `counted` tasks (default: every task the simulator accepted).
    public static func compare(name: String, devices: Int, sim: ValidationObservation, real: ValidationObservation,
                               counted: [Int]? = nil) -> ValidationComparison {
        let counted = counted ?? sim.taskFinish.indices.filter { sim.taskFinish[$0].isFinite }
        let simFinish = counted.map { sim.taskFinish[$0] }, realFinish = counted.map { real.taskFinish[$0] }
        let simMakespan = simFinish.max() ?? .nan
        let realMakespan = realFinish.contains { !$0.isFinite } ? .nan : realFinish.max() ?? .nan
        let start = ValidationStatistics.pairedError(counted.map { sim.taskStart[$0] }, counted.map { real.taskStart[$0] })
        let end = ValidationStatistics.pairedError(simFinish, realFinish)
        return ValidationComparison(
            name: name, devices: devices, tasks: sim.taskFinish.count, tasksCompared: counted.count,
            simMakespan: simMakespan, realMakespan: realMakespan,
            makespanError: ValidationStatistics.relativeError(simulated: simMakespan, measured: realMakespan),
            simThroughput: Double(counted.count) / simMakespan, realThroughput: Double(counted.count) / realMakespan,
            durationKS: ValidationStatistics.ksDistance(sim.attemptDurations, real.attemptDurations),
            startErrorMedian: start.median, startErrorMax: start.max, endErrorMedian: end.median, endErrorMax: end.max,
            simLostWork: sim.lostWorkSeconds, realLostWork: real.lostWorkSeconds,
            simAttemptsLost: sim.attemptsLost, realAttemptsLost: real.attemptsLost, realWallSeconds: real.wallSeconds)
    }


    /// Seconds task t's inputs take to reach device d (latency and bytes over its downlink, as
    /// `plan` emulates them; 0 without input bytes).
    static func transferInSeconds(_ m: MaterializedScenario) -> (Int, Int) -> Double {
        { t, d in
            let bytes = m.tasks.inputBytes[t]
            guard bytes > 0 else { return 0 }
            let c = m.fleet.deviceClass(d)
            return m.latency(0, Int(m.fleet.regionOf[d])) + c.accessLatency.seconds + bytes / c.downlink
        }
    }

    /// The most kernels a run computes at the same time on this machine: the largest number of
    /// compute phases [assigned, assigned + compute] that overlap, where compute is the
    /// kernel's time on the calibrated machine at full speed (a worker's duty cycle computes
    /// first at full speed, then idles; its transfers in, taken as the attempt's first
    /// `inputSeconds`, come before). At least 1; runs without kernels give 1.
    /// - Complexity: O(a log a) for a attempts.
    public static func computeConcurrency(_ o: ValidationObservation, tasks: TaskTable, cost: CalibratedCostModel,
                                          inputSeconds: (Int, Int) -> Double = { _, _ in 0 }) -> Int {
        var edges: [(t: Double, delta: Int)] = []
        for i in o.attemptTask.indices {
            guard case .kernel(let k) = tasks.work[o.attemptTask[i]], o.attemptAssigned[i].isFinite else { continue }
            let start = o.attemptAssigned[i] + inputSeconds(o.attemptTask[i], o.attemptDevice[i])
            let compute = cost.computeSeconds(k) + cost.taskOverheadSeconds(k)
            edges.append((start, 1)); edges.append((start + compute, -1))
        }
        // Ends before starts at the same instant: back-to-back phases do not overlap.
        edges.sort { $0.t != $1.t ? $0.t < $1.t : $0.delta < $1.delta }
        var now = 0, most = 1
        for e in edges { now += e.delta; most = max(most, now) }
        return most
    }

    /// Runs one scenario file both ways; writes NAME-sim.h5 and NAME-real.h5 to `directory`
    /// when given. `worker`: the `swarmlab-worker` executable (default: found as the runtime does).
    /// `remeasure`: measure the scenario's kernels again just before (`remeasured`); the
    /// comparison also reports the makespan the committed profile alone predicts.
    public static func run(file: String, profile committed: DeviceProfile, profilePath: String, worker: String? = nil,
                           directory: String? = nil, remeasure: Bool = true, registry: PolicyRegistry = .builtin) throws -> ValidationComparison {
        let scenario = try readEmulable(file, registry: registry)
        let (committedSim, _) = try simulate(scenario, profile: committed, registry: registry)
        let materialized = try scenario.materialize()
        let profile = remeasure
            ? try remeasured(committed, for: materialized.tasks, speeds: deviceSpeeds(materialized.fleet), worker: worker,
                             gapSeconds: idleBetweenComputations(try simulate(scenario, profile: committed, registry: registry).0))
            : committed
        let (sim, engine) = try simulate(scenario, profile: profile, registry: registry)
        let plan = try plan(scenario, engine: engine, profile: profile, registry: registry)
        let report: RuntimeReport
        // A generous wall limit: ten times the simulated makespan, plus start-up.
        let limit = 30 + 10 * (sim.taskFinish.filter(\.isFinite).max() ?? 60)
        do { report = try ReferenceRuntime.run(plan, worker: worker, wallLimit: limit) } catch {
            throw Failure(description: "\(file): reference run failed: \(error)")
        }
        // The runtime's work starts `startDelay` late, once its workers are up (process start,
        // connection, hello); count both sides from their first assignment.
        let offset = max(0, (report.attempts.map(\.assigned).min() ?? 0) - (sim.attemptAssigned.min() ?? 0))
        let real = observe(report, tasks: plan.tasks.count).shifted(by: -offset)
        if let directory {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            for o in [sim, real] {
                try write(o, to: "\(directory)/\(scenario.name)-\(o.side == "simulation" ? "sim" : "real").h5",
                          scenario: scenario, profilePath: profilePath)
            }
        }
        var c = compare(name: scenario.name, devices: plan.devices.count, sim: sim, real: real,
                        counted: counted(plan.tasks, sim: sim))
        c.realStartOffset = offset
        c.committedProfileMakespan = compare(name: scenario.name, devices: plan.devices.count, sim: committedSim, real: real,
                                             counted: counted(plan.tasks, sim: committedSim)).simMakespan
        return c
    }

    /// The CPU FLOP/s that stands for this machine: class `reference`'s, else the fastest's.
    static func referenceFlops(_ fleet: Fleet) -> Double {
        fleet.classes.first { $0.name == "reference" }?.cpuFlops
            ?? (0..<fleet.count).reduce(0) { max($0, fleet.deviceClass($1).cpuFlops) }
    }

    /// The relative spread of compute times the simulator draws with: the median of the
    /// measured `spread`s of the kernels `tasks` run (0 when none was measured). On this
    /// machine a kernel's calls vary by about 1%, so two identical devices never finish
    /// together; drawn, the simulator's ties break by chance too, as the runtime's do, and
    /// a race (which device takes the last task, which replica meets the liar) comes out
    /// either way on both sides instead of always the same way in the simulator.
    static func computeSpread(_ profile: DeviceProfile, tasks: TaskTable) -> Double {
        var spreads: [Double] = []
        for w in Set(tasks.work.compactMap { if case .kernel(let k) = $0 { return k.asFP32 } else { return nil } }) {
            if let s = profile.kernels.last(where: { $0.kernel.asFP32 == w })?.spread, s.isFinite, s >= 0 { spreads.append(s) }
        }
        return spreads.isEmpty ? 0 : ValidationStatistics.median(spreads)
    }

    /// Each measured kernel's own spread (the profile's last entry for it), which the
    /// simulator draws that kernel's attempts with.
    static func kernelSpreads(_ profile: DeviceProfile) -> [TensorKernel: Double] {
        var out: [TensorKernel: Double] = [:]
        for k in profile.kernels { if let s = k.spread, s.isFinite, s >= 0 { out[k.kernel.asFP32] = s } }
        return out
    }

    static func costModel(for fleet: Fleet, profile: DeviceProfile) -> CalibratedCostModel {
        CalibratedCostModel(profile: profile, referenceFlops: referenceFlops(fleet))
    }

    /// The scenario's first policy, with the parameters its file gives, from `registry` (a
    /// user's own policies validate like the built-in ones).
    static func makePolicy(_ scenario: Scenario, materialized m: MaterializedScenario, cost: any CostModel,
                           registry: PolicyRegistry = .builtin) throws -> any SchedulingPolicy {
        guard let name = scenario.policies.first else { throw Failure(description: "\(scenario.file): no policy to validate") }
        let context = PolicyContext(streams: RandomStreams(seed: m.seed), costModel: cost, latency: m.latency)
        return try registry.make(scenario.policyChoice(name), context: context)
    }
}
