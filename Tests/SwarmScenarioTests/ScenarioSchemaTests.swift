import Foundation
import Testing
import SwarmKernel
import SwarmModel
@testable import SwarmScenario

/// Every scenario file shipped under scenarios/, by path relative to the repository.
let shippedScenarios: [String] = {
    let root = shipped("scenarios")
    let files = FileManager.default.enumerator(atPath: root)?.compactMap { $0 as? String } ?? []
    return files.filter { $0.hasSuffix(".yaml") }.sorted().map { "scenarios/\($0)" }
}()

let allPolicies = ["random", "round-robin", "fastest-first", "locality-aware", "availability-aware", "least-loaded",
                   "deadline-aware", "edge-first", "gpu-affinity", "kube-score", "volunteer-first",
                   "storage-locality"]

@Suite("Scenario schema")
struct ScenarioSchemaTests {
    @Test("scenarios/ holds the quickstart, examples and benchmarks")
    func shippedSet() {
        #expect(shippedScenarios.contains("scenarios/quickstart.yaml"))
        #expect(shippedScenarios.filter { $0.hasPrefix("scenarios/examples/") }.count >= 9)
        #expect(shippedScenarios.filter { $0.hasPrefix("scenarios/benchmarks/") }.count >= 5)
    }

    @Test("every shipped scenario parses, and its explained form parses to the same scenario", arguments: shippedScenarios)
    func explainRoundTrip(_ path: String) throws {
        let s = try Scenario.read(path: shipped(path), policies: allPolicies)
        let again = try Scenario.parse(text: s.explained, file: shipped(path), policies: allPolicies)
        #expect(again.explained == s.explained)
        #expect(again.deviceCount == s.deviceCount && again.taskCount == s.taskCount)
        #expect(again.fleet == s.fleet && again.policies == s.policies && again.seeds == s.seeds)
        #expect(again.classes.map(\.name) == s.classes.map(\.name))
        #expect(zip(again.classes, s.classes).allSatisfy { $0.cpuFlops == $1.cpuFlops && $0.downlink == $1.downlink && $0.memory == $1.memory })
        #expect(again.network.rtt == s.network.rtt && again.trust == s.trust && again.tenants == s.tenants)
        #expect(again.speculation == s.speculation && again.outputs == s.outputs && again.duration == s.duration)
        #expect(again.pools == s.pools)
        // The explained form states what the file left out.
        for key in ["heartbeat_timeout:", "network:", "trust:", "outputs:", "replications:"] { #expect(s.explained.contains(key)) }
    }

    @Test("materializing the small examples builds their tasks with tenants, residency and parents")
    func materializeExamples() throws {
        let dag = try Scenario.read(path: shipped("scenarios/examples/dag.yaml"), policies: allPolicies).materialize()
        #expect(dag.tasks.count == 10 * 5 + 200)
        // The graph's fourth task (train) waits for clean and features of its own copy.
        #expect(Array(dag.tasks.parents(of: TaskID(index: 3))) == [1, 2])
        #expect(Array(dag.tasks.parents(of: TaskID(index: 5 + 3))) == [5 + 1, 5 + 2])
        #expect(dag.tasks.tenant[0] == 0 && dag.tasks.tenant[dag.tasks.count - 1] == 1)
        #expect(dag.configuration.tenants.map(\.name) == ["lab-a", "lab-b"] && dag.configuration.tenants[1].quota == 20)

        let fed = try Scenario.read(path: shipped("scenarios/examples/federated.yaml"), policies: allPolicies).materialize()
        #expect(fed.tasks.count == 10 * (50 + 1))
        #expect((0..<fed.tasks.count).allSatisfy { fed.tasks.residency[$0] == RegionSet([0]) })

        let edge = try Scenario.read(path: shipped("scenarios/examples/edge.yaml"), policies: allPolicies).materialize()
        #expect(edge.configuration.network?.edgeSites.map(\.name) == ["shops", "schools"])
        #expect(edge.configuration.network?.regions[0].wanCapacity == 10e9 / 8)
        #expect(edge.fleet.siteOf[0] == 0 && edge.fleet.siteOf[30] == 1 && edge.fleet.siteOf[60] == -1)
        #expect(edge.configuration.speculation == WorkEngine.Speculation(slowdown: 2, checkEvery: .seconds(60)))
        // RTT 40 ms between the regions: 20 ms one way for policies; jitter only adds.
        #expect(edge.latency(0, 1) == 0.020)
        let jittered = (0..<100).map { _ in edge.configuration.regionLatency(0, 1) }
        #expect(jittered.allSatisfy { $0 >= 0.020 } && Set(jittered).count > 90)
        let box = edge.fleet.classes.first { $0.name == "edge-box" }!
        #expect(box.downlink == 500e6 / 8 && box.accessLatency == .milliseconds(2))
    }

    @Test("classes defined in the file, fractions of a total and availability per entry")
    func customFleet() throws {
        let s = try Scenario.read(path: shipped("scenarios/examples/custom-fleet.yaml"), policies: allPolicies)
        #expect(s.seeds == [11, 12] && s.replications == 2)
        #expect(s.fleet.map(\.count) == [300, 300, 200, 200] && s.deviceCount == 1000)
        let mini = s.classes.first { $0.name == "mini-pc" }!
        #expect(mini.cpuFlops == 400e9 && mini.memory == 16 * 1_073_741_824 && mini.pricePerHour == 0.02 && mini.idleWatts == 6)
        #expect(mini.availability.window != nil && mini.availability.windowJitter == 1800)
        let fast = s.classes.first { $0.name == "fast-laptop" }!
        #expect(fast.cpuFlops == 1e12 && fast.memory == DeviceClass.laptop.memory)
        guard case .renewal(let on, _) = s.classes.first(where: { $0.name == "desktop" })!.availability.source else {
            Issue.record("desktop's availability was not overridden"); return
        }
        #expect(on is Gamma)
        let phone = s.classes.first { $0.name == "phone@fleet[3]" }!
        guard case .trace(let t, let loop) = phone.availability.source else { Issue.record("no trace"); return }
        #expect(loop && t.hostCount > 0)
        #expect(DeviceClass.builtin.count + 3 == s.classes.count)
        #expect(s.trust == TrustModel(adversaryFraction: 0.02, colluding: true, validation: .spotCheck(probability: 0.2)))
        #expect(s.outputs == .init(results: "results/custom-fleet.h5", timelineInterval: 300))
    }

    @Test("the same scenario and seed materialize the same tasks; another seed other arrivals")
    func deterministic() throws {
        let s = try Scenario.read(path: shipped("scenarios/examples/inference-requests.yaml"), policies: allPolicies)
        let a = try s.materialize(), b = try s.materialize(), c = try s.materialize(seed: 99)
        #expect(a.tasks.arrival == b.tasks.arrival && a.tasks.arrival != c.tasks.arrival)
        #expect(a.tasks.deadline[0] == a.tasks.arrival[0] + SimDuration(seconds: 5).ticks)
    }

    @Test("policies may be given as mappings with their name")
    func policyMapping() throws {
        let s = try Scenario.parse(text: goodScenario.replacingOccurrences(of: "policies: [random]", with: "policies: [{ name: random }, fastest-first]"),
                                   file: "tiny.yaml", policies: policyNames)
        #expect(s.policies == ["random", "fastest-first"])
        let one = try s.with([("policies", "{ name: fastest-first }")])
        #expect(one.policies == ["fastest-first"])
    }

    @Test("a scenario needing more memory than the machine is refused with the estimate and what dominates")
    func memoryRefusal() throws {
        let huge = try Scenario.parse(text: goodScenario.replacingOccurrences(of: "count: 10", with: "count: 4_000_000_000"),
                                      file: "huge.yaml", policies: policyNames)
        #expect(huge.memoryEstimate.total == 4e9 * MemoryEstimate.bytesPerDevice + 5 * MemoryEstimate.bytesPerTask + MemoryEstimate.baseBytes)
        do {
            try huge.checkMemory(available: 16 * 1_073_741_824)
            Issue.record("a 4·10⁹-device scenario was accepted on 16 GiB")
        } catch {
            #expect(error.description == "huge.yaml:1:1: refused: this scenario needs about 745 GiB at peak (fleet: 4000000000 devices × 200 B = 745 GiB, tasks: 5 × 290 B = 1.4 KiB, process baseline = 30 MiB), more than this machine's 16 GiB of memory; fleet dominates (745 GiB) — try fewer devices")
        }
        // The quickstart fits anywhere this project runs.
        let q = try Scenario.read(path: shipped("scenarios/quickstart.yaml"), policies: allPolicies)
        try q.checkMemory(available: 1_073_741_824)
        #expect(physicalMemoryBytes() > 100 * 1_048_576)
    }

    @Test("docs/scenarios.md holds the field table generated from ScenarioSchema")
    func docsMatchSchema() throws {
        let doc = try String(contentsOfFile: shipped("docs/scenarios.md"), encoding: .utf8)
        let begin = "<!-- BEGIN generated by ScenarioSchema.markdown(); DO NOT EDIT -->\n"
        let end = "<!-- END generated -->"
        guard let a = doc.range(of: begin), let b = doc.range(of: end) else {
            Issue.record("docs/scenarios.md lacks the generated block"); return
        }
        let block = String(doc[a.upperBound..<b.lowerBound])
        if block != ScenarioSchema.markdown() {
            // Regenerate with: SWARMLAB_WRITE_DOCS=1 swift test --filter docsMatchSchema
            if ProcessInfo.processInfo.environment["SWARMLAB_WRITE_DOCS"] != nil {
                try (String(doc[..<a.upperBound]) + ScenarioSchema.markdown() + String(doc[b.lowerBound...]))
                    .write(toFile: shipped("docs/scenarios.md"), atomically: true, encoding: .utf8)
            }
            Issue.record("docs/scenarios.md is out of date with ScenarioSchema")
        }
        // Every section the parser reads is documented, and every field has a meaning or a kind.
        for f in ScenarioSchema.fields { #expect(ScenarioSchema.sections.contains { $0.name == f.section }, "\(f.section).\(f.key)") }
    }

    @Test("every default in the table is itself valid: the tiny scenario explained states them and re-parses")
    func defaultsParse() throws {
        let s = try Scenario.parse(text: goodScenario, file: "tiny.yaml", policies: policyNames)
        #expect(s.heartbeatTimeout == 60 && s.network.model == .latency && s.network.rtt.seconds == [0.010])
        #expect(s.trust == TrustModel() && s.speculation == nil && s.tenants == Tenant.everyone)
        #expect(s.outputs == .init(results: "results/tiny.h5", timelineInterval: 60))
        #expect(s.explained.contains("heartbeat_timeout: 60s") && s.explained.contains("speculation: off"))
    }

    @Test("an RTT matrix file relative to the scenario, with inline RTTs overriding it")
    func rttFile() throws {
        let regions = try RegionTableReader.read(path: shipped("traces/network/ibm-cloud-vpc-2024-03-regions.csv"))
        let text = """
        version: 1
        name: ibm
        duration: 1h
        regions:
        \(regions.map { "  - { name: \($0.name), utc_offset: \($0.utcOffsetHours) }" }.joined(separator: "\n"))
        network:
          rtt_file: ../traces/network/ibm-cloud-vpc-2024-03-rtt.csv
          rtt: [{ from: Dallas, to: Tokyo, rtt: 1s }]
        fleet: [{ class: cloud-vm, region: Dallas, count: 1 }]
        workloads: [{ bag: { tasks: 1, work: { seconds: 1s } } }]
        policies: random
        """
        let s = try Scenario.parse(text: text, file: shipped("scenarios/ibm.yaml"), policies: policyNames,
                                   allowedPaths: [shipped("traces/network")])   // it climbs out with ..: allowed
        let dallas = s.network.rtt.region(named: "Dallas")!, toronto = s.network.rtt.region(named: "Toronto")!
        let tokyo = s.network.rtt.region(named: "Tokyo")!
        #expect(s.network.rtt.rtt(from: dallas, to: toronto) == 0.034)
        #expect(s.network.rtt.rtt(from: dallas, to: tokyo) == 1 && s.network.rtt.rtt(from: tokyo, to: dallas) == 1)
        #expect(s.regions.count == 10 && s.explained.contains("rtt_file: ../traces/network/ibm-cloud-vpc-2024-03-rtt.csv"))
    }
}
