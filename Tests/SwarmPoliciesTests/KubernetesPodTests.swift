import Testing
import SwarmKernel
@testable import SwarmModel
import SwarmPolicies

/// Seconds = FLOP / the processor's FLOP/s: pods' speeds are then exactly their core shares.
struct FlopsOnlyCost: CostModel {
    func duration(of kernel: TensorKernel, on device: DeviceClass, processor: Processor) -> Double? {
        switch processor {
        case .cpu: return kernel.flops / device.cpuFlops
        case .gpu: return device.hasGPU ? kernel.flops / device.gpuFlops : nil
        }
    }
}

/// The first idle device that admits the task (tests the lifecycle, not a policy's taste).
struct FirstFitPolicy: SchedulingPolicy {
    static let name = "first-fit"
    static let summary = "first idle device that admits the task"
    init(parameters: NoParameters, context: PolicyContext) {}
    mutating func place(_ ready: ReadyTasks, on fleet: FleetView, into placements: inout Placements) {
        for task in ready {
            for d in 0..<fleet.fleet.count where fleet.isIdle(d) && fleet.admits(task, on: d) {
                placements.assign(task, to: d)
                break
            }
        }
    }
}

/// A Kubernetes node: 8 cores of 1 GFLOP/s each, 16 GiB, `maxPods` pods, no latency.
func kubeNode(maxPods: Int = 8) -> DeviceClass {
    var c = DeviceClass.cloudVM
    c.name = "node"
    c.cores = 8; c.cpuFlops = 8e9
    c.memory = 16 * Unit.GiB
    c.accessLatency = .zero
    c.maxPods = maxPods
    return c
}

/// An engine over `nodes` Kubernetes nodes; job j's tasks request `pods[j]`.
func kubeEngine(nodes: Int = 1, maxPods: Int = 8, tasks: TaskTable, pods: [PodSpec], nic: Double? = nil,
                policy: any SchedulingPolicy = FirstFitPolicy(context: PolicyContext(streams: RandomStreams(seed: 1)))) throws -> WorkEngine {
    var node = kubeNode(maxPods: maxPods)
    if let nic { node.downlink = nic; node.uplink = nic }
    let fleet = try Fleet(classes: [node], regions: [("eu", 0)], mix: [.init(className: "node", region: "eu", count: nodes)])
    var configuration = WorkEngine.Configuration(costModel: FlopsOnlyCost())
    configuration.pods = pods
    // With a NIC given, transfers are flows sharing it (and a WAN too fast to matter).
    if nic != nil { configuration.network = Topology(regions: [.init(name: "eu", wanCapacity: 1e12)]) }
    return WorkEngine(fleet: fleet, tasks: tasks, policy: policy, seed: 1, configuration: configuration)
}

/// Whether `ticks` is `seconds` to within a nanosecond per second.
func close(_ ticks: Int64, _ seconds: Double) -> Bool { abs(Double(ticks) / 1e9 - seconds) < 1e-6 }

/// A GEMM of `gflop` × 10⁹ FLOP (2·m·n·k with m = n = 1000).
func gemm(gflop: Int) -> TaskWork { .kernel(.gemm(m: 1000, n: 1000, k: 500 * gflop, dtype: .fp32)) }

@Suite("Kubernetes nodes run pods")
struct KubernetesPodTests {
    @Test("a node runs as many tasks at once as its free cores admit, then the rest as pods end")
    func podsByCores() throws {
        var tasks = TaskTable()
        for _ in 0..<6 { tasks.add(work: .seconds(10)) }
        let engine = try kubeEngine(tasks: tasks, pods: [PodSpec(cpu: 2)])
        #expect(engine.run())
        // 8 cores / 2 per pod = 4 at once for 10 s, then the other 2: [10 × 4, 20 × 2].
        #expect(engine.tasks.finished.sorted() == [10, 10, 10, 10, 20, 20].map { SimTime(seconds: Double($0)).ticks })
    }

    @Test("the results recorder keeps one row per pod and counts each pod's share of its node as busy")
    func recorderRows() throws {
        var tasks = TaskTable()
        for _ in 0..<6 { tasks.add(work: .seconds(10)) }
        let engine = try kubeEngine(tasks: tasks, pods: [PodSpec(cpu: 2)])
        let recorder = RunRecorder(engine: engine, horizon: .seconds(60), interval: .seconds(5))
        let meter = UsageMeter(engine: engine)
        #expect(engine.run())
        recorder.finish(at: engine.sim.now)
        meter.finish(at: engine.sim.now)
        #expect(recorder.rowTask.count == 6)
        #expect(recorder.rowOutcome.allSatisfy { $0 == AttemptOutcome.accepted.rawValue })
        #expect(zip(recorder.rowTask, recorder.rowEnd).allSatisfy { engine.tasks.finished[Int($0)] == $1 })
        // Six pods of 10 s, each 2 of the node's 8 cores: 6 × 10 × 2 / 8 node-seconds busy.
        let busy: Double = 6 * 10 * 2.0 / 8
        #expect(abs(recorder.busySeconds[0] - busy) < 1e-9)
        // One node: busy at most 1 in the timeline, whatever its pods.
        #expect(recorder.sampleBusy.allSatisfy { $0 <= 1 })
        // The bill's meter: the node is busy from its first pod to its last, 0 to 20 s.
        #expect(abs(meter.busySeconds[0] - 20) < 1e-9)
    }

    @Test("pods on one node share its NIC: their transfers are flows of its link")
    func podsShareTheNIC() throws {
        var tasks = TaskTable()
        for _ in 0..<2 { tasks.add(work: .seconds(0), inputBytes: 10e6) }
        let engine = try kubeEngine(tasks: tasks, pods: [PodSpec(cpu: 1)], nic: 10e6)
        #expect(engine.run())
        // Two 10 MB inputs at once over one 10 MB/s NIC: 5 MB/s each, 10e6 / 5e6 = 2 s.
        let both = SimTime(seconds: 10e6 / (10e6 / 2)).ticks
        #expect(engine.tasks.finished == [both, both])
    }

    @Test("a pod computes on the GPUs it requests, its share of the node's; a pod without a GPU request on the CPU only")
    func gpuPods() throws {
        var node = DeviceClass.gpuServer
        node.name = "gpu-node"
        node.cores = 16; node.cpuFlops = 16e9
        node.gpuFlops = 80e9; node.gpuCount = 2
        node.accessLatency = .zero
        node.maxPods = 4
        let fleet = try Fleet(classes: [node], regions: [("eu", 0)], mix: [.init(className: "gpu-node", region: "eu", count: 1)])
        var tasks = TaskTable()
        tasks.add(work: gemm(gflop: 16), job: 0)
        tasks.add(work: gemm(gflop: 16), job: 1)
        var configuration = WorkEngine.Configuration(costModel: FlopsOnlyCost())
        configuration.pods = [PodSpec(cpu: 1, gpus: 1), PodSpec(cpu: 8)]
        let engine = WorkEngine(fleet: fleet, tasks: tasks, policy: FirstFitPolicy(context: PolicyContext(streams: RandomStreams(seed: 1))),
                                seed: 1, configuration: configuration)
        #expect(engine.run())
        // The GPU pod: one of two GPUs, 80e9 / 2 FLOP/s: 16 / 40 = 0.4 s.
        let gpuPod: Double = 16.0 / 40
        #expect(close(engine.tasks.finished[0], gpuPod))
        // The CPU pod: 8 / (1 + 8) of 16 cores while the GPU pod computes, then all 16:
        // 0.4 + (16 − 0.4 × 16 × 8 / 9) / 16 s.
        let cpuPod: Double = 0.4 + (16 - 0.4 * 16 * 8 / 9) / 16
        #expect(close(engine.tasks.finished[1], cpuPod))
    }

    @Test("memory requests bound the pods of a node too")
    func podsByMemory() throws {
        var tasks = TaskTable()
        for _ in 0..<4 { tasks.add(work: .seconds(10)) }
        let engine = try kubeEngine(tasks: tasks, pods: [PodSpec(cpu: 1, memory: 6 * Unit.GiB)])
        #expect(engine.run())
        // 16 GiB / 6 GiB = 2 at once (cores would admit 8): [10, 10, 20, 20].
        #expect(engine.tasks.finished.sorted() == [10, 10, 20, 20].map { SimTime(seconds: Double($0)).ticks })
    }

    @Test("with max_pods 1 a node runs one task at a time, as before")
    func onePod() throws {
        var tasks = TaskTable()
        for _ in 0..<3 { tasks.add(work: .seconds(10)) }
        let engine = try kubeEngine(maxPods: 1, tasks: tasks, pods: [PodSpec(cpu: 2)])
        #expect(engine.run())
        #expect(engine.tasks.finished.sorted() == [10, 20, 30].map { SimTime(seconds: Double($0)).ticks })
    }

    @Test("pods computing on a node share its cores by request, and the one left speeds up")
    func sharesRebalance() throws {
        var tasks = TaskTable()
        tasks.add(work: gemm(gflop: 16))
        tasks.add(work: gemm(gflop: 32))
        let engine = try kubeEngine(tasks: tasks, pods: [PodSpec(cpu: 2)])
        #expect(engine.run())
        // Equal requests: 4 cores (4 GFLOP/s) each. The first ends at 16 / 4 = 4 s, when the
        // second has 32 − 16 = 16 GFLOP left, then alone on 8 cores: 4 + 16 / 8 = 6 s
        // (with shares fixed at the start it would be 32 / 4 = 8 s).
        let first: Double = 16.0 / 4, second: Double = 16.0 / 4 + (32.0 - 16) / 8
        #expect(close(engine.tasks.finished[0], first))
        #expect(close(engine.tasks.finished[1], second))
    }

    @Test("a CPU limit caps a pod's cores; the cores it leaves go to the others")
    func limitCaps() throws {
        var tasks = TaskTable()
        tasks.add(work: gemm(gflop: 16), job: 0)
        tasks.add(work: gemm(gflop: 16), job: 1)
        let engine = try kubeEngine(tasks: tasks, pods: [PodSpec(cpu: 2, cpuLimit: 2), PodSpec(cpu: 2)])
        #expect(engine.run())
        // Equal requests would give 4 cores each; the limited pod gets 2, the other 8 − 2 = 6.
        // The other ends at 16 / 6 s; the limited one stays at 2 cores: 16 / 2 = 8 s.
        let other: Double = 16.0 / 6, limited: Double = 16.0 / 2
        #expect(close(engine.tasks.finished[1], other))
        #expect(close(engine.tasks.finished[0], limited))
    }

    @Test("CPU shares: proportional to requests, capped by limits, spare cores redistributed")
    func waterFilling() {
        var shares: [Double] = []
        PodSpec.cpuShares(requests: [6, 2], limits: [8, 8], cores: 8, into: &shares)
        let byRequest: [Double] = [8 * 6.0 / 8, 8 * 2.0 / 8]
        #expect(shares == byRequest)
        PodSpec.cpuShares(requests: [1, 1, 2], limits: [1, 8, 8], cores: 8, into: &shares)
        // 2, 2, 4 by request; the first capped at 1, the other 7 split 1 : 2.
        let capped: [Double] = [1, 7.0 / 3, 14.0 / 3]
        #expect(zip(shares, capped).allSatisfy { abs($0 - $1) < 1e-12 } && shares.count == 3)
    }

    @Test("a node going offline loses every pod on it and gets its resources back")
    func churnLosesEveryPod() throws {
        var tasks = TaskTable()
        for _ in 0..<3 { tasks.add(work: .seconds(100)) }
        let engine = try kubeEngine(tasks: tasks, pods: [PodSpec(cpu: 2, memory: 1 * Unit.GiB)])
        var before: (running: UInt8, free: Double) = (0, 0)
        let kill = engine.sim.register("node-offline") { _ in
            before = (engine.view.running[0], engine.view.freeCores[0])
            engine.wentOffline(0)
        }
        engine.sim.schedule(kill, at: SimTime(seconds: 10))
        engine.run(until: SimTime(seconds: 11))
        let left: Double = 8 - 3 * 2
        #expect(before.running == 3 && before.free == left)
        #expect(engine.metrics.attemptsLost == 3)
        #expect(engine.view.running[0] == 0)
        #expect(engine.view.freeCores[0] == 8)
        let memory: Double = 16 * Unit.GiB
        #expect(engine.view.freeMemory[0] == memory)
        #expect(engine.lifecycle.current.allSatisfy { $0 < 0 })
    }

    @Test("kube-score filters nodes whose free resources do not fit and spreads pods to the least allocated")
    func kubeScoreSpreads() throws {
        var tasks = TaskTable()
        tasks.add(work: .seconds(100), job: 0)                      // 6 cores on one node
        tasks.add(work: .seconds(10), job: 1, arrival: SimTime(seconds: 1))
        tasks.add(work: .seconds(10), job: 1, arrival: SimTime(seconds: 1))
        let context = PolicyContext(streams: RandomStreams(seed: 1), costModel: FlopsOnlyCost())
        // Only the resource plugins score (the other plugins tie on identical nodes anyway).
        let policy = KubeScorePolicy(parameters: .init(computeWeight: 0, localityWeight: 0, reliabilityWeight: 0), context: context)
        let engine = try kubeEngine(nodes: 2, tasks: tasks, pods: [PodSpec(cpu: 6), PodSpec(cpu: 2)], policy: policy)
        var device: [Int: Int] = [:]
        engine.observer = { if case .started(let t, let d, _, _) = $0 { device[t.index] = d } }
        #expect(engine.run())
        // After the first pod its node has 2 of 8 cores free, the other 8: LeastAllocated
        // scores (2 − 2) / 8 against (8 − 2) / 8 on CPU, so both 2-core pods go to the other.
        let loaded = try #require(device[0])
        #expect(device[1] == 1 - loaded)
        #expect(device[2] == 1 - loaded)
        // Both ran at once there (4 of its 8 cores requested): done at 1 + 10 s.
        let eleven = SimTime(seconds: 11).ticks
        #expect(engine.tasks.finished[1] == eleven)
        #expect(engine.tasks.finished[2] == eleven)
    }
}
