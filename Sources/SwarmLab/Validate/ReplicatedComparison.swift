import SwarmResults

/// What R replications of a scenario gave on one side (simulator or runtime).
public struct ValidationSide: Sendable, Codable, Equatable {
    /// Per replication: makespan (s), throughput (counted tasks / makespan, tasks/s), lost work (s).
    public var makespans: [Double]
    public var throughputs: [Double]
    public var lostWork: [Double]
    /// Mean makespan and the half-width of its 95% Student-t interval (nil with one replication).
    public var meanMakespan: Double
    public var makespanHalfWidth: Double?
    /// Mean throughput over the replications, tasks/s.
    public var throughput: Double
    /// Task latency = acceptance − arrival, over every counted task of every replication
    /// (pooled), seconds: median and 95th percentile (`ValidationStatistics.percentile`).
    public var latencyP50: Double
    public var latencyP95: Double

    public init(makespans: [Double], throughputs: [Double], latencies: [Double], lostWork: [Double] = []) {
        self.makespans = makespans; self.throughputs = throughputs; self.lostWork = lostWork
        meanMakespan = makespans.isEmpty ? .nan : makespans.reduce(0, +) / Double(makespans.count)
        makespanHalfWidth = makespans.allSatisfy(\.isFinite) ? ConfidenceInterval(makespans)?.halfWidth : nil
        throughput = throughputs.isEmpty ? .nan : throughputs.reduce(0, +) / Double(throughputs.count)
        latencyP50 = ValidationStatistics.percentile(latencies, 0.5)
        latencyP95 = ValidationStatistics.percentile(latencies, 0.95)
    }

    /// The 95% interval of the mean makespan, nil with one replication.
    public var interval: ClosedRange<Double>? {
        makespanHalfWidth.map { (meanMakespan - $0)...(meanMakespan + $0) }
    }
}

/// One scenario compared over R replications per side: the row of `results/validation.md`.
public struct ReplicatedComparison: Sendable, Codable, Equatable {
    public var name: String
    public var devices: Int
    /// Tasks counted per replication (first replication) and in the scenario.
    public var tasksCompared: Int
    public var tasks: Int
    /// Replications run per side, and whether the scenario file lowered the number asked for.
    public var replications: Int
    public var replicationsLoweredByFile: Bool
    public var seeds: [UInt64]
    public var sim: ValidationSide
    public var real: ValidationSide
    /// |mean_sim − mean_real| / mean_real of the makespans.
    public var errorOfMeans: Double
    /// Welch's two-sided p-value on the two sides' makespans (nil with one replication).
    public var welchP: Double?
    /// Whether the two 95% intervals of the mean makespan overlap (nil with one replication).
    public var intervalsOverlap: Bool?
    public var verdict: Verdict
    /// The profile each replication's simulation used (measured just before its reference
    /// run and just after it, written beside the results), and the profile they started from (committed, or
    /// measured now).
    public var profiles: [String]
    public var baseProfile: String
    /// Wall seconds of the reference runs together.
    public var realWallSeconds: Double
    /// Each replication's own comparison (KS, start/end errors…).
    public var runs: [ValidationComparison]
    /// Per replication, the cores other programs kept busy during its reference run, and the
    /// cores the hypervisor stole (`MachineLoad`): a busy machine slows the real side only.
    public var otherLoad: [Double] = []
    public var stolen: [Double] = []
    /// Median over the reference runs' kernel attempts of the CPU seconds their workers spent
    /// in the kernel over the profile's figure for it (nil without kernels): how far the
    /// machine the runs met was from the one the profile measured.
    public var kernelCPURatio: Double?

    /// How one scenario's two sides compare.
    public enum Verdict: String, Sendable, Codable, Equatable {
        /// Means within the tolerance and intervals overlapping.
        case agree
        /// Means within the tolerance, intervals apart: an offset the replications resolve.
        case offset
        /// Means further apart than the tolerance.
        case differ
        /// One replication: no interval; the means are within the tolerance.
        case single
        /// A side gave no makespan.
        case incomplete
    }

    /// The tolerance on the error of the means a verdict allows: the goal's worst case.
    public static let tolerance = 0.08

    /// The verdict from the error of the means and whether the intervals overlap.
    public static func verdict(error: Double, overlap: Bool?) -> Verdict {
        guard error.isFinite else { return .incomplete }
        guard error <= tolerance else { return .differ }
        guard let overlap else { return .single }
        return overlap ? .agree : .offset
    }

    /// Builds the comparison of two sides.
    public init(name: String, devices: Int, tasksCompared: Int, tasks: Int, replicationsLoweredByFile: Bool, seeds: [UInt64],
                sim: ValidationSide, real: ValidationSide, profiles: [String], baseProfile: String, realWallSeconds: Double,
                runs: [ValidationComparison]) {
        self.name = name; self.devices = devices; self.tasksCompared = tasksCompared; self.tasks = tasks
        self.replications = seeds.count; self.replicationsLoweredByFile = replicationsLoweredByFile; self.seeds = seeds
        self.sim = sim; self.real = real; self.profiles = profiles; self.baseProfile = baseProfile
        self.realWallSeconds = realWallSeconds; self.runs = runs
        errorOfMeans = ValidationStatistics.relativeError(simulated: sim.meanMakespan, measured: real.meanMakespan)
        welchP = (sim.makespans + real.makespans).allSatisfy(\.isFinite) ? WelchTest(sim.makespans, real.makespans)?.pValue : nil
        if let a = sim.interval, let b = real.interval { intervalsOverlap = a.overlaps(b) } else { intervalsOverlap = nil }
        verdict = Self.verdict(error: errorOfMeans, overlap: intervalsOverlap)
    }
}
