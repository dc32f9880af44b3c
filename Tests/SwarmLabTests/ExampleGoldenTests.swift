import Foundation
import Testing
import SwarmLab
import SwarmScenario

/// Every example scenario's summary, checked in beside it as `NAME.out` (SimPy's `.out`,
/// SimGrid's `.tesh`): what `swarmlab run NAME.yaml` reports for each policy and seed, the wall
/// time left out, numbers to 6 significant digits. A change to the model shows here as a
/// diff; when it is intended, `make golden` (SWARMLAB_WRITE_GOLDEN=1) writes the files again
/// and the diff is reviewed with the change. A sweep's example holds its base point.
@Suite("Example scenarios: golden output")
struct ExampleGoldenTests {
    @Test("each example's summary is its checked-in .out", arguments: ScenarioFilesRunTests.examples)
    func golden(_ name: String) throws {
        let path = repositoryRoot.appendingPathComponent("scenarios/examples/\(name)").path
        var s = try Scenario.read(path: path, policies: PolicyRegistry.builtin.entries.map(\.name))
        s.sweep = []
        let results = try ScenarioRunner.run(s, resultsPath: nil)
        let text = Self.summary(name: name, results.map { ScenarioRunner.jsonObject($0).merging(["seed": $0.seed]) { $1 } })
        let goldenPath = path.replacingOccurrences(of: ".yaml", with: ".out")
        if ProcessInfo.processInfo.environment["SWARMLAB_WRITE_GOLDEN"] == "1" {
            try text.write(toFile: goldenPath, atomically: true, encoding: .utf8)
        }
        let expected = try String(contentsOfFile: goldenPath, encoding: .utf8)
        let want = expected.split(separator: "\n", omittingEmptySubsequences: false)
        let got = text.split(separator: "\n", omittingEmptySubsequences: false)
        let differing = zip(want, got).enumerated().filter { $0.element.0 != $0.element.1 }
            .prefix(10).map { "line \($0.offset + 1): expected \($0.element.0) | got \($0.element.1)" }
        #expect(text == expected, "\(goldenPath) differs (\(want.count) lines expected, \(got.count) got; `make golden` rewrites it if the change is intended):\n\(differing.joined(separator: "\n"))")
    }

    /// One line per policy, seed and metric: `policy seed key = value`, wall time left out.
    static func summary(name: String, _ runs: [[String: Any]]) -> String {
        var lines = ["# \(name): `swarmlab run` summary per policy and seed (wall time left out); `make golden` rewrites it"]
        for run in runs {
            let label = "\(run["policy"] ?? "?") seed \(run["seed"] ?? "?")"
            for key in run.keys.sorted() where key != "policy" && key != "seed" && !key.hasPrefix("wall") {
                lines.append("\(label) \(key) = \(format(run[key]!))")
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    static func format(_ value: Any) -> String {
        switch value {
        case let b as Bool: return b ? "true" : "false"
        case let i as Int: return String(i)
        case let d as Double: return d.isFinite ? String(format: "%.6g", d) : "\(d)"
        case is NSNull: return "null"
        case let a as [Any]: return "[" + a.map(format).joined(separator: ", ") + "]"
        case let o as [String: Any]: return "{" + o.keys.sorted().map { "\($0): \(format(o[$0]!))" }.joined(separator: ", ") + "}"
        default: return "\(value)"
        }
    }
}
