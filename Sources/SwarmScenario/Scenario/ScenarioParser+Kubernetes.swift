import SwarmKernel
import SwarmModel
import Yams

// Kubernetes node pools (`clusters[].max_pods`, `cores`, `memory`, `gpus`) and what a
// workload's tasks request as pods (`pod`): docs/models/kubernetes.md.

extension ScenarioParser {
    /// A cluster's Kubernetes node figures: `max_pods` (pods at once), and the `cores`,
    /// `memory` and `gpus` pods' requests draw on (defaults: the class's).
    func kubernetesNode(_ c: inout DeviceClass, _ f: inout Section) throws(ScenarioError) {
        let pods = try f.int("max_pods", min: 1)!
        guard pods <= 255 else { throw f["max_pods"]!.fail("expected at most 255 pods per node, found \(pods)") }
        c.maxPods = pods
        if let cores = try f.int("cores", min: 1) {
            // The CPU's FLOP/s are per node: a node given more cores than its class is a bigger machine.
            c.cpuFlops *= Double(cores) / Double(c.cores)
            c.cores = cores
        }
        if let memory = try f.quantity("memory", UnitParser.bytes) {
            guard memory > 0 else { throw f["memory"]!.expected("a positive size") }
            c.memory = memory
        }
        if let gpus = try f.int("gpus", min: 0) {
            if gpus == 0 {
                c.gpuFlops = 0; c.gpuMemory = 0; c.gpuMemoryBandwidth = 0
            } else {
                guard c.hasGPU else { throw f["gpus"]!.fail("class `\(c.name.split(separator: "@")[0])` has no GPU; expected 0 or no `gpus`") }
                // The class's GPU figures are one GPU's: a node with g GPUs has g times them.
                c.gpuFlops *= Double(gpus) / Double(c.gpuCount); c.gpuMemory *= Double(gpus) / Double(c.gpuCount)
                c.gpuMemoryBandwidth *= Double(gpus) / Double(c.gpuCount)
                c.gpuCount = gpus
            }
        }
    }
}

extension ScenarioParser {
    /// A workload's `pod`: its tasks' requests and CPU limit on Kubernetes nodes.
    func podSpec(_ field: YAMLField) throws(ScenarioError) -> (spec: PodSpec, node: Node) {
        var f = try Section(field, "pod")
        let cpu = try f.number("cpu")!
        guard cpu > 0 && cpu.isFinite else { throw f.valueField("cpu")!.expected("a positive number of cores") }
        let memory = try f.quantity("memory", UnitParser.bytes)
        let gpus = try f.int("gpus", min: 0)!
        let limit = try f.number("cpu_limit")
        if let limit, !(limit >= cpu && limit.isFinite) {
            throw f["cpu_limit"]!.fail("a CPU limit below the request (\(fmt(cpu)) cores): expected ≥ \(fmt(cpu)), found \(fmt(limit))")
        }
        return (PodSpec(cpu: cpu, memory: memory, gpus: gpus, cpuLimit: limit), f.node)
    }
}

extension ScenarioParser {
    /// Refuses a `pod` no Kubernetes node of the scenario could ever run (its tasks would
    /// wait forever): requests above every node's cores, memory or GPUs, or no node at all.
    func podFitsANode(_ spec: PodSpec, _ field: YAMLField) throws(ScenarioError) {
        let nodes = classes.filter(\.runsPods)
        guard !nodes.isEmpty else {
            throw field.fail("`pod` requests resources of Kubernetes nodes, and the scenario has none (a cluster with `max_pods` > 1)")
        }
        let want = spec.requests(workingSet: 0)
        guard !nodes.contains(where: { PodResources(cores: Double($0.cores), memory: $0.memory, gpus: $0.gpus).admits(want) }) else { return }
        let biggest = nodes.map { "\($0.cores) cores, \(fmt($0.memory / 1_073_741_824)) GiB, \($0.gpus) GPUs" }.joined(separator: "; ")
        throw field.fail("requests \(fmt(want.cores)) cores, \(fmt(want.memory / 1_073_741_824)) GiB, \(want.gpus) GPUs: larger than any Kubernetes node (found nodes of \(biggest))")
    }
}
