import Testing
import SwarmKernel
import SwarmModel
import SwarmPolicies
import SwarmTestKit

/// Runs `policy` to completion and returns each attempt's start: task index → device, in
/// start order.
private func starts(_ fleet: Fleet, _ tasks: TaskTable, _ policy: any SchedulingPolicy) -> [(task: Int, device: Int)] {
    let engine = WorkEngine(fleet: fleet, tasks: tasks, policy: policy, seed: 1,
                            configuration: .init(regionLatency: latency))
    var order: [(task: Int, device: Int)] = []
    engine.observer = { if case .started(let t, let d, _, _) = $0 { order.append((t.index, d)) } }
    engine.run(until: .zero + .days(1))
    #expect(engine.metrics.tasksDone == tasks.count)
    #expect(engine.metrics.refusedPlacements == 0)
    return order
}

private let latency: @Sendable (Int, Int) -> Double = { a, b in a == b ? 0.005 : 0.08 }
private func context(_ seed: UInt64 = 1) -> PolicyContext { PolicyContext(streams: RandomStreams(seed: seed), latency: latency) }

@Suite("Policy behaviour")
struct PolicyBehaviourTests {
    // MARK: deadline-aware

    @Test("EDF starts the earliest deadline first, tasks without one last")
    func edfOrder() {
        let fleet = smallFleet((DeviceClass.cloudVM, "eu", 1))
        var tasks = TaskTable()
        // Queued oldest first as 0, 1, 2, 3; deadlines 300 s, none, 100 s, 200 s.
        tasks.add(work: .seconds(10), deadline: .zero + .seconds(300))
        tasks.add(work: .seconds(10))
        tasks.add(work: .seconds(10), deadline: .zero + .seconds(100))
        tasks.add(work: .seconds(10), deadline: .zero + .seconds(200))
        let edf = starts(fleet, tasks, DeadlineAwarePolicy(context: context()))
        #expect(edf.map(\.task) == [2, 3, 0, 1])
        // The premise: first-come-first-served would have started them in queue order.
        let fifo = starts(fleet, tasks, FastestFirstPolicy(context: context()))
        #expect(fifo.map(\.task) == [0, 1, 2, 3])
    }

    @Test("EDF puts the most urgent task on the fastest idle device")
    func edfFastest() {
        let fleet = smallFleet((DeviceClass.laptop.alwaysOn(), "eu", 1), (DeviceClass.gpuServer, "eu", 1))   // device 1 is faster
        var tasks = TaskTable()
        tasks.add(work: .seconds(10), deadline: .zero + .seconds(500))
        tasks.add(work: .seconds(10), deadline: .zero + .seconds(50))
        let placed = starts(fleet, tasks, DeadlineAwarePolicy(context: context()))
        #expect(placed.first { $0.task == 1 }?.device == 1)
        #expect(placed.first { $0.task == 0 }?.device == 0)
    }

    // MARK: gpu-affinity

    @Test("gpu-affinity sends a big GEMM to the GPU device and an elementwise kernel to the CPU device")
    func gpuAffinity() {
        let gpuBox = DeviceClass.desktop.alwaysOn()
        let fleet = smallFleet((gpuBox, "eu", 1), (DeviceClass.cloudVM, "eu", 1))   // 0: GPU, 1: CPU only
        let gemm = TensorKernel.gemm(m: 4096, n: 4096, k: 4096, dtype: .fp32)
        let scale = TensorKernel.elementwise(count: 1_000_000, flopsPerElement: 1, dtype: .fp32)
        // The premise, from the cost model: the GEMM is faster on the GPU, the elementwise
        // kernel is not.
        #expect(RooflineCostModel().best(for: gemm, on: gpuBox).processor == .gpu)
        #expect(RooflineCostModel().best(for: scale, on: gpuBox).processor == .cpu)
        var tasks = TaskTable()
        tasks.add(work: .kernel(scale))   // queued first: fastest-first would give it the GPU box
        tasks.add(work: .kernel(gemm))
        let placed = starts(fleet, tasks, GPUAffinityPolicy(context: context()))
        #expect(placed.first { $0.task == 1 }?.device == 0, "GEMM on the GPU device")
        #expect(placed.first { $0.task == 0 }?.device == 1, "elementwise on the CPU-only device")
        let fastest = starts(fleet, tasks, FastestFirstPolicy(context: context()))
        #expect(fastest.first { $0.task == 0 }?.device == 0, "premise: fastest-first wastes the GPU on it")
    }

    @Test("gpu-affinity falls back to the GPU device when no CPU-only device is idle")
    func gpuAffinityFallback() {
        let fleet = smallFleet((DeviceClass.desktop.alwaysOn(), "eu", 1), (DeviceClass.cloudVM, "eu", 1))
        var tasks = TaskTable()
        tasks.add(work: .seconds(100))
        tasks.add(work: .seconds(100))
        let placed = starts(fleet, tasks, GPUAffinityPolicy(context: context()))
        #expect(placed.map(\.device) == [1, 0])
    }

    // MARK: edge-first

    /// 0: volunteer laptop in eu; 1: a (faster, paid) GPU server in eu; 2: volunteer laptop in us.
    static let edgeFleet = smallFleet((DeviceClass.laptop.alwaysOn(), "eu", 1), (DeviceClass.gpuServer, "eu", 1),
                                      (DeviceClass.laptop.alwaysOn(), "us", 1))

    @Test("edge-first prefers the volunteer device over the faster cloud VM in the data's region")
    func edgeFirst() {
        var tasks = TaskTable()
        tasks.add(work: .seconds(10), dataRegion: 0)
        #expect(starts(Self.edgeFleet, tasks, EdgeFirstPolicy(context: context())).map(\.device) == [0])
        #expect(starts(Self.edgeFleet, tasks, FastestFirstPolicy(context: context())).map(\.device) == [1],
                "premise: the cloud device is the faster one")
    }

    @Test("edge-first falls back to same-region cloud when no edge device there is idle, then anywhere")
    func edgeFirstFallback() {
        var tasks = TaskTable()
        for _ in 0..<3 { tasks.add(work: .seconds(100), dataRegion: 0) }
        let placed = starts(Self.edgeFleet, tasks, EdgeFirstPolicy(context: context()))
        #expect(placed.map(\.device) == [0, 1, 2], "eu volunteer, eu cloud, then the us volunteer")
    }

    // MARK: kube-score

    @Test("kube-score's gpu-fits-memory filter keeps a 16 GB GEMM off a 12 GiB GPU")
    func kubeGPUMemoryFilter() {
        let fleet = smallFleet((DeviceClass.desktop.alwaysOn(), "eu", 1), (DeviceClass.cloudVM, "eu", 1))
        let big = TensorKernel.gemm(m: 37_000, n: 37_000, k: 37_000, dtype: .fp32)
        #expect(big.workingSetBytes > DeviceClass.desktop.gpuMemory)
        let cost = RooflineCostModel()
        #expect(cost.best(for: big, on: .desktop).seconds < cost.best(for: big, on: .cloudVM).seconds,
                "premise: the desktop's CPU would still be faster, so only the filter sends it away")
        var tasks = TaskTable()
        tasks.add(work: .kernel(big))
        #expect(starts(fleet, tasks, KubeScorePolicy(context: context())).map(\.device) == [1])
        let noFilter = KubeScorePolicy(filters: [.residency, .onlineIdle], scores: KubeScorePolicy.Score.defaults, context: context())
        #expect(starts(fleet, tasks, noFilter).map(\.device) == [0])
    }

    @Test("kube-score respects a custom filter even against a higher score")
    func kubeCustomFilter() {
        let fleet = smallFleet((DeviceClass.gpuServer, "eu", 1), (DeviceClass.cloudVM, "eu", 1))
        var tasks = TaskTable()
        tasks.add(work: .kernel(.gemm(m: 4096, n: 4096, k: 4096, dtype: .fp32)))
        let cpuOnly = KubeScorePolicy.Filter("cpu-only") { !$0.fleet.deviceClass($0.device).hasGPU }
        let policy = KubeScorePolicy(filters: KubeScorePolicy.Filter.defaults + [cpuOnly], scores: KubeScorePolicy.Score.defaults, context: context())
        #expect(starts(fleet, tasks, policy).map(\.device) == [1])
        #expect(starts(fleet, tasks, KubeScorePolicy(context: context())).map(\.device) == [0], "without it, the faster GPU server wins")
    }

    @Test("kube-score prefers the higher score: same class, the device near the data", arguments: [1, 2, 3] as [UInt64])
    func kubeLocality(seed: UInt64) {
        let fleet = smallFleet((DeviceClass.cloudVM, "eu", 1), (DeviceClass.cloudVM, "us", 1))
        var tasks = TaskTable()
        tasks.add(work: .seconds(10), inputBytes: 1e6, dataRegion: 1)
        #expect(starts(fleet, tasks, KubeScorePolicy(context: context(seed))).map(\.device) == [1])
        #expect(starts(fleet, tasks, FastestFirstPolicy(context: context(seed))).map(\.device) == [0], "premise: a locality-blind pick takes eu")
    }

    @Test("kube-score weights decide between plugins that disagree")
    func kubeWeights() {
        // Device 0 is the faster; a heavy "cheapest" score makes the cheaper device 1 win.
        let fleet = smallFleet((DeviceClass.gpuServer, "eu", 1), (DeviceClass.cloudVM, "eu", 1))
        var tasks = TaskTable()
        tasks.add(work: .kernel(.gemm(m: 4096, n: 4096, k: 4096, dtype: .fp32)))
        let cheap = KubeScorePolicy.Score("cheapest", weight: 10) { 1 / (0.01 + $0.fleet.deviceClass($0.device).pricePerHour) }
        let policy = KubeScorePolicy(filters: KubeScorePolicy.Filter.defaults, scores: [.fasterCompute(weight: 1), cheap], context: context())
        #expect(starts(fleet, tasks, policy).map(\.device) == [1])
        let light = KubeScorePolicy.Score("cheapest", weight: 0.01) { 1 / (0.01 + $0.fleet.deviceClass($0.device).pricePerHour) }
        let fast = KubeScorePolicy(filters: KubeScorePolicy.Filter.defaults, scores: [.fasterCompute(weight: 1), light], context: context())
        #expect(starts(fleet, tasks, fast).map(\.device) == [0])
    }
}
