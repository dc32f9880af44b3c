import SwarmKernel

/// Synchronous data-parallel training: each round, K workers compute gradients on their
/// shard (`step`), then the gradients are reduced and the next round starts from the new
/// model — a barrier per round. With `waitFor` < K the barrier goes ahead once that many
/// workers have reported and drops the stragglers (backup workers: Chen, Pan, Monga, Bengio
/// and Jozefowicz, "Revisiting distributed synchronous SGD", 2016).
///
/// Reduction: through a parameter server (Li et al., OSDI 2014) — each worker uploads its
/// gradient and downloads the model, the reduce task sums K gradients — or a ring
/// all-reduce (Patarasuk and Yuan, JPDC 2009) — each worker moves 2(K−1)/K of the gradient
/// and the reduce task is a near-free synchronisation point.
public struct SynchronousTraining: Workload {
    public enum Reduction: Sendable, Equatable { case parameterServer, ring }
    public var rounds: Int
    public var workers: Int
    public var waitFor: Int
    public var step: TensorKernel
    public var gradientBytes: Double
    public var reduction: Reduction
    public var dataRegion: Int

    public init(rounds: Int, workers: Int, waitFor: Int? = nil, step: TensorKernel, gradientBytes: Double,
                reduction: Reduction = .parameterServer, dataRegion: Int = 0) {
        precondition(rounds >= 1 && workers >= 1, "training needs ≥ 1 round and ≥ 1 worker")
        precondition((waitFor ?? workers) >= 1 && (waitFor ?? workers) <= workers, "need 1 ≤ waitFor ≤ workers")
        precondition(gradientBytes >= 0, "gradient bytes must be ≥ 0")
        self.rounds = rounds; self.workers = workers; self.waitFor = waitFor ?? workers; self.step = step
        self.gradientBytes = gradientBytes; self.reduction = reduction; self.dataRegion = dataRegion
    }

    public func generate(into tasks: inout TaskTable, job: Int, streams: RandomStreams) {
        let k = Double(workers)
        let perWorker = reduction == .ring ? 2 * (k - 1) / k * gradientBytes : gradientBytes
        let reduceWork: TaskWork = reduction == .ring
            ? .seconds(0)
            : .kernel(.elementwise(count: max(1, Int(gradientBytes / 4) * workers), flopsPerElement: 1, dtype: .fp32))
        var previous: [TaskID] = []
        for _ in 0..<rounds {
            let round = (0..<workers).map { _ in
                tasks.add(work: .kernel(step), inputBytes: perWorker, outputBytes: perWorker,
                          dataRegion: dataRegion, job: job, parents: previous)
            }
            let reduce = tasks.add(work: reduceWork, dataRegion: dataRegion, job: job, parents: round,
                                   parentQuorum: waitFor)
            previous = [reduce]
        }
    }
}

/// Federated learning rounds (FedAvg: McMahan et al., AISTATS 2017; at scale: Bonawitz et
/// al., "Towards federated learning at scale", MLSys 2019): each round C clients download
/// the model, train locally (`localWork`) and upload an update; the server averages once
/// `minReporting` of them have reported, dropping the rest, and starts the next round. With
/// a `deadline`, the server waits for every client until the deadline (counted from the
/// round's start), then averages what it has if that is at least `minReporting` (else as
/// soon as it is).
/// Clients are whichever available devices the policy picks, in `residency` if given.
public struct FederatedRounds: Workload {
    public var rounds: Int
    public var clientsPerRound: Int
    public var minReporting: Int
    public var localWork: TaskWork
    public var modelBytes: Double
    public var residency: RegionSet
    public var deadline: SimDuration?

    public init(rounds: Int, clientsPerRound: Int, minReporting: Int, localWork: TaskWork, modelBytes: Double,
                residency: RegionSet = .anywhere, deadline: SimDuration? = nil) {
        precondition(rounds >= 1 && clientsPerRound >= 1, "federated learning needs ≥ 1 round and ≥ 1 client")
        precondition(minReporting >= 1 && minReporting <= clientsPerRound, "need 1 ≤ minReporting ≤ clients per round")
        self.rounds = rounds; self.clientsPerRound = clientsPerRound; self.minReporting = minReporting
        self.localWork = localWork; self.modelBytes = modelBytes; self.residency = residency
        self.deadline = deadline
    }

    public func generate(into tasks: inout TaskTable, job: Int, streams: RandomStreams) {
        var previous: [TaskID] = []
        for _ in 0..<rounds {
            let clients = (0..<clientsPerRound).map { _ in
                tasks.add(work: localWork, inputBytes: modelBytes, outputBytes: modelBytes, residency: residency,
                          job: job, parents: previous)
            }
            let average = tasks.add(work: .kernel(.elementwise(count: max(1, Int(modelBytes / 4)) * minReporting,
                                                               flopsPerElement: 2, dtype: .fp32)),
                                    job: job, parents: clients, parentQuorum: minReporting, barrierTimeout: deadline)
            previous = [average]
        }
    }
}

/// Pipeline-parallel inference over volunteers, the way Petals serves large models
/// (Borzunov et al., "Petals: collaborative inference and fine-tuning of large models",
/// ACL 2023): each request passes through `stages` devices in turn, each holding a slice of
/// the layers; activations (`activationBytes`) travel between stages. Requests arrive as a
/// Poisson process and carry a latency SLO.
public struct PipelineInference: Workload {
    public var rate: Double
    public var requests: Int
    public var stages: Int
    public var stageWork: TensorKernel
    public var activationBytes: Double
    public var slo: SimDuration?

    public init(rate: Double, requests: Int, stages: Int, stageWork: TensorKernel, activationBytes: Double,
                slo: SimDuration? = nil) {
        precondition(rate > 0 && requests >= 0 && stages >= 1, "pipeline inference needs rate > 0, requests ≥ 0, stages ≥ 1")
        self.rate = rate; self.requests = requests; self.stages = stages; self.stageWork = stageWork
        self.activationBytes = activationBytes; self.slo = slo
    }

    public func generate(into tasks: inout TaskTable, job: Int, streams: RandomStreams) {
        var gaps = streams.stream("arrivals", entity: UInt64(job))
        var t = SimTime.zero
        for _ in 0..<requests {
            t = t + SimDuration(seconds: Exponential(rate: rate).sample(using: &gaps))
            var previous: [TaskID] = []
            for _ in 0..<stages {
                let stage = tasks.add(work: .kernel(stageWork), inputBytes: activationBytes, outputBytes: activationBytes,
                                      job: job, arrival: t, deadline: slo.map { t + $0 }, parents: previous)
                previous = [stage]
            }
        }
    }
}
