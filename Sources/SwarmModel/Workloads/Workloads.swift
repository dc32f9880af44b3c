import SwarmKernel

/// A generator of tasks: fills a run's task table from its own random streams.
public protocol Workload: Sendable {
    /// Adds this workload's tasks (as job `job`) to `tasks`.
    func generate(into tasks: inout TaskTable, job: Int, streams: RandomStreams)
}

/// A batch of independent tasks released at once — the classic volunteer-computing job
/// (BOINC work units).
public struct BagOfTasks: Workload {
    public var count: Int
    public var work: TaskWork
    public var inputBytes: Double, outputBytes: Double
    public var dataRegion: Int
    public var residency: RegionSet
    public var release: SimTime

    public init(count: Int, work: TaskWork, inputBytes: Double = 0, outputBytes: Double = 0,
                dataRegion: Int = 0, residency: RegionSet = .anywhere, release: SimTime = .zero) {
        precondition(count >= 0, "a bag of tasks needs count ≥ 0")
        self.count = count; self.work = work; self.inputBytes = inputBytes; self.outputBytes = outputBytes
        self.dataRegion = dataRegion; self.residency = residency; self.release = release
    }

    public func generate(into tasks: inout TaskTable, job: Int, streams: RandomStreams) {
        for _ in 0..<count {
            tasks.add(work: work, inputBytes: inputBytes, outputBytes: outputBytes, dataRegion: dataRegion,
                      residency: residency, job: job, arrival: release)
        }
    }
}

/// Online inference: requests arrive as a Poisson process (exponential gaps) and must be
/// answered within a latency SLO; each request's compute is `work`, or, for synthetic
/// queueing checks, exponentially distributed seconds with the given mean.
public struct PoissonRequests: Workload {
    public var rate: Double
    public var count: Int
    public var work: TaskWork
    /// When set, each request's work is `.seconds(Exp(mean))` instead of `work`.
    public var exponentialSecondsMean: Double?
    public var inputBytes: Double, outputBytes: Double
    public var dataRegion: Int
    public var slo: SimDuration?

    public init(rate: Double, count: Int, work: TaskWork = .seconds(0), exponentialSecondsMean: Double? = nil,
                inputBytes: Double = 0, outputBytes: Double = 0, dataRegion: Int = 0, slo: SimDuration? = nil) {
        precondition(rate > 0 && count >= 0, "Poisson requests need rate > 0 and count ≥ 0")
        self.rate = rate; self.count = count; self.work = work; self.exponentialSecondsMean = exponentialSecondsMean
        self.inputBytes = inputBytes; self.outputBytes = outputBytes; self.dataRegion = dataRegion; self.slo = slo
    }

    public func generate(into tasks: inout TaskTable, job: Int, streams: RandomStreams) {
        var gaps = streams.stream("arrivals", entity: UInt64(job))
        var sizes = streams.stream("task-size", entity: UInt64(job))
        let gap = Exponential(rate: rate)
        var t = SimTime.zero
        for _ in 0..<count {
            t = t + SimDuration(seconds: gap.sample(using: &gaps))
            let w = exponentialSecondsMean.map { TaskWork.seconds(Exponential(mean: $0).sample(using: &sizes)) } ?? work
            tasks.add(work: w, inputBytes: inputBytes, outputBytes: outputBytes, dataRegion: dataRegion,
                      job: job, arrival: t, deadline: slo.map { t + $0 })
        }
    }
}

/// Online inference driven by a trace of request arrival times (seconds since the trace's
/// start, e.g. from a production log): each request's compute is `work`, answered within
/// `slo` if given.
public struct TracedRequests: Workload {
    public var arrivals: [Double]
    public var work: TaskWork
    public var inputBytes: Double, outputBytes: Double
    public var dataRegion: Int
    public var slo: SimDuration?

    public init(arrivals: [Double], work: TaskWork, inputBytes: Double = 0, outputBytes: Double = 0,
                dataRegion: Int = 0, slo: SimDuration? = nil) {
        precondition(arrivals.allSatisfy { $0 >= 0 && $0.isFinite }, "arrival times must be finite seconds ≥ 0")
        self.arrivals = arrivals; self.work = work; self.inputBytes = inputBytes; self.outputBytes = outputBytes
        self.dataRegion = dataRegion; self.slo = slo
    }

    public func generate(into tasks: inout TaskTable, job: Int, streams: RandomStreams) {
        for a in arrivals.sorted() {
            let t = SimTime(seconds: a)
            tasks.add(work: work, inputBytes: inputBytes, outputBytes: outputBytes, dataRegion: dataRegion,
                      job: job, arrival: t, deadline: slo.map { t + $0 })
        }
    }
}
