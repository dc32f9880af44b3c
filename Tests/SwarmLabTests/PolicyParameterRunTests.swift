import Foundation
import Testing
import SwarmLab
import SwarmResults
import SwarmScenario

@Suite("Policy parameters, end to end")
struct PolicyParameterRunTests {
    static let text = """
    version: 1
    name: parameters
    seed: 4
    duration: 6h
    regions:
      - { name: eu, utc_offset: 1 }
    fleet:
      - { class: desktop, region: eu, count: 50 }
      - { class: laptop, region: eu, count: 50 }
    workloads:
      - bag:
          tasks: 400
          work: { gemm: { m: 2048, n: 2048, k: 2048 } }
    policies: [least-loaded, { name: least-loaded, parameters: { choices: 16 } }]
    """

    @Test("a policy listed with parameters runs with them, under its own label and results group")
    func parametersTakeEffect() throws {
        let s = try Scenario.parse(text: Self.text, file: "parameters.yaml", registry: .builtin)
        #expect(s.policies == ["least-loaded", "least-loaded(choices=16)"])
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("swarmlab-params-\(getpid())-\(UUID().uuidString).h5").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let results = try ScenarioRunner.run(s, resultsPath: path)
        #expect(results.map(\.policy) == ["least-loaded", "least-loaded(choices=16)"])
        let file = try ResultsReader(path: path)
        #expect(file.children().map(\.name).sorted() == ["least-loaded", "least-loaded(choices=16)"])
        // Sixteen choices put the tasks elsewhere than two: the parameter reached the policy.
        #expect(try file.column("least-loaded/tasks", "device") != file.column("least-loaded(choices=16)/tasks", "device"))
        // More choices spread tasks more evenly: the busiest device did no more tasks.
        let busiest = { (g: String) in try file.column("\(g)/devices", "tasks").max() ?? 0 }
        #expect(try busiest("least-loaded(choices=16)") <= busiest("least-loaded"))
    }

    @Test("swarmlab check refuses an unknown parameter with file:line:column and a did-you-mean (exit 65)")
    func cliRefuses() throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("swarmlab-params-\(getpid()).yaml").path
        try Self.text.replacingOccurrences(of: "choices: 16", with: "choises: 16").write(toFile: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: file) }
        let r = try swarmlab("check", file)
        #expect(r.status == 65)
        #expect(r.stderr.contains("\(file):14:62: policies[1].parameters.choises: unknown parameter `choises` of policy `least-loaded`; did you mean `choices`?"), "\(r.stderr)")
    }
}

@Suite("Policy parameters in sweeps")
struct PolicyParameterSweepTests {
    @Test("a sweep over a policy parameter runs each point with its value")
    func sweepParameter() throws {
        let text = PolicyParameterRunTests.text.replacingOccurrences(of: "policies: [least-loaded, { name: least-loaded, parameters: { choices: 16 } }]",
                                                                      with: "policies: [{ name: least-loaded, parameters: { choices: 2 } }]\nsweep:\n  policies[0].parameters.choices: [1, 16]")
        let s = try Scenario.parse(text: text, file: "sweep-parameters.yaml", registry: .builtin)
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("swarmlab-sweep-params-\(getpid())-\(UUID().uuidString).h5").path
        defer { try? FileManager.default.removeItem(atPath: out) }
        let outcome = try SweepRunner.run(s, options: .init(jobs: 1, output: out))
        #expect(outcome.results.count == 2)
        let file = try ResultsReader(path: out)
        // The two points ran different policies: 1 choice (random) and 16 choices place differently.
        #expect(try file.column("run-0000/tasks", "device") != file.column("run-0001/tasks", "device"))
        #expect(file.attribute("sweep_point", on: "/run-0001") == .string("policies[0].parameters.choices=16"))
    }
}
