import Foundation
import Testing
import SwarmKernel
import SwarmModel
@testable import SwarmScenario

/// `goodScenario` with a Kubernetes node pool (`cluster`, a `clusters[]` entry) and the bag
/// given `pod` (a flow mapping or nothing).
func kubeScenario(cluster: String = "{ name: k8s, region: eu, nodes: 3, class: cloud-vm, max_pods: 16, cores: 32, memory: 64GiB }",
                  pod: String? = "{ cpu: 2, memory: 3GiB, cpu_limit: 4 }") -> String {
    var text = goodScenario.replacingOccurrences(of: "fleet:\n", with: "clusters:\n  - \(cluster)\nfleet:\n")
    if let pod { text = text.replacingOccurrences(of: "      input: 1MB\n", with: "      input: 1MB\n      pod: \(pod)\n") }
    return text
}

@Suite("Kubernetes node pools in scenario files")
struct KubernetesScenarioTests {
    @Test("a cluster with max_pods is a node pool of its cores, memory and GPUs; a workload's pod reaches the run")
    func nodePool() throws {
        let s = try Scenario.parse(text: kubeScenario(), file: "k8s.yaml", policies: policyNames)
        let node = try #require(s.classes.first { $0.name == "cloud-vm@k8s" })
        #expect(node.maxPods == 16 && node.cores == 32 && node.memory == 64 * Unit.GiB)
        // 32 cores of the class's 8: four times its CPU FLOP/s.
        #expect(node.cpuFlops == DeviceClass.cloudVM.cpuFlops * 32 / 8)
        let run = try s.materialize()
        #expect(run.configuration.pods == [PodSpec(cpu: 2, memory: 3 * Unit.GiB, gpus: 0, cpuLimit: 4)])
        #expect(s.explained.contains("max_pods: 16") && s.explained.contains("cpu_limit: 4"))
        // What `--explain` writes parses back to the same node pool.
        let again = try Scenario.parse(text: s.explained, file: "explained.yaml", policies: policyNames)
        #expect(again.classes.first { $0.name == "cloud-vm@k8s" }?.maxPods == 16)
    }

    @Test("without max_pods a cluster's nodes run one task at a time, and no pod spec is passed on")
    func defaultOnePod() throws {
        let s = try Scenario.parse(text: kubeScenario(cluster: "{ name: farm, region: eu, nodes: 2, class: cloud-vm }", pod: nil),
                                   file: "farm.yaml", policies: policyNames)
        #expect(s.classes.allSatisfy { !$0.runsPods })
        #expect(try s.materialize().configuration.pods.isEmpty)
    }

    @Test("gpus sets a node's GPU count (its figures times the count); 0 removes the GPU")
    func gpus() throws {
        let four = try Scenario.parse(text: kubeScenario(cluster: "{ name: g, region: eu, nodes: 1, max_pods: 4, gpus: 4 }", pod: "{ cpu: 4, gpus: 1 }"),
                                      file: "gpu.yaml", policies: policyNames)
        let node = try #require(four.classes.first { $0.name == "gpu-server@g" })
        #expect(node.gpus == 4 && node.gpuFlops == DeviceClass.gpuServer.gpuFlops * 4)
        let none = try Scenario.parse(text: kubeScenario(cluster: "{ name: g, region: eu, nodes: 1, max_pods: 4, gpus: 0 }", pod: nil),
                                      file: "gpu.yaml", policies: policyNames)
        #expect(none.classes.first { $0.name == "gpu-server@g" }?.hasGPU == false)
    }

    @Test("a pod no node could hold, a limit below the request, a pod without Kubernetes nodes, too many pods: each refused at its field")
    func refusals() throws {
        func error(_ text: String) -> String {
            do { _ = try Scenario.parse(text: text, file: "k8s.yaml", policies: policyNames); return "" } catch { return "\(error)" }
        }
        // Line 16 is the bag's `pod:`, whose value starts at column 12.
        #expect(error(kubeScenario(pod: "{ cpu: 64 }")) == "k8s.yaml:16:12: workloads[0].bag.pod: requests 64 cores, 0 GiB, 0 GPUs: larger than any Kubernetes node (found nodes of 32 cores, 64 GiB, 0 GPUs)")
        #expect(error(kubeScenario(pod: "{ cpu: 1, gpus: 1 }")).hasPrefix("k8s.yaml:16:12: workloads[0].bag.pod: requests 1 cores, 0 GiB, 1 GPUs: larger than any Kubernetes node"))
        #expect(error(kubeScenario(pod: "{ cpu: 2, cpu_limit: 1 }")) == "k8s.yaml:16:33: workloads[0].bag.pod.cpu_limit: a CPU limit below the request (2 cores): expected ≥ 2, found 1")
        #expect(error(kubeScenario(cluster: "{ name: farm, region: eu, nodes: 2, class: cloud-vm }"))
                == "k8s.yaml:16:12: workloads[0].bag.pod: `pod` requests resources of Kubernetes nodes, and the scenario has none (a cluster with `max_pods` > 1)")
        #expect(error(kubeScenario(cluster: "{ name: k8s, region: eu, nodes: 1, class: cloud-vm, max_pods: 300 }", pod: nil))
                .hasSuffix("clusters[0].max_pods: expected at most 255 pods per node, found 300"))
        #expect(error(kubeScenario(cluster: "{ name: k8s, region: eu, nodes: 1, class: cloud-vm, max_pods: 2, gpus: 1 }", pod: nil))
                .hasSuffix("clusters[0].gpus: class `cloud-vm` has no GPU; expected 0 or no `gpus`"))
    }
}
