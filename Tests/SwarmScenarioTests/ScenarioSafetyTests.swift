import Foundation
import Testing
@testable import SwarmScenario

/// A scenario replaying `arrivals` (a path as written in the file), for the path tests.
private func tracedScenario(_ arrivals: String, results: String? = nil) -> String {
    """
    version: 1
    name: traced
    seed: 1
    duration: 1h
    regions:
      - { name: us, utc_offset: -5 }
    fleet:
      - { class: edge-box, region: us, count: 2 }
    workloads:
      - traced_requests:
          file: \(arrivals)
          work: { seconds: 1s }
    policies: [random]
    """ + (results.map { "\noutputs: { results: \($0) }" } ?? "")
}

/// A fresh folder holding `inside/` (the scenario's folder, with `data/arrivals.csv`) and
/// `outside/arrivals.csv`; the caller removes it.
private func sandbox() throws -> (root: String, inside: String, outside: String) {
    let fm = FileManager.default
    let root = fm.temporaryDirectory.appendingPathComponent("swarmlab-paths-\(getpid())-\(UInt32.random(in: 0...UInt32.max))").path
    for d in ["inside/data", "outside"] { try fm.createDirectory(atPath: root + "/" + d, withIntermediateDirectories: true) }
    let csv = "arrival_s\n0.5\n1.5\n"
    try csv.write(toFile: root + "/inside/data/arrivals.csv", atomically: true, encoding: .utf8)
    try csv.write(toFile: root + "/outside/arrivals.csv", atomically: true, encoding: .utf8)
    return (root, root + "/inside", root + "/outside")
}

private func parse(_ text: String, in folder: String, allowing: [String] = []) throws(ScenarioError) -> Scenario {
    try Scenario.parse(text: text, file: folder + "/s.yaml", policies: ["random"], allowedPaths: allowing)
}

@Suite("Scenario files are untrusted: paths stay in the scenario's folder")
struct ScenarioPathTests {
    @Test("a relative path inside the scenario's folder is read")
    func inside() throws {
        let box = try sandbox(); defer { try? FileManager.default.removeItem(atPath: box.root) }
        let s = try parse(tracedScenario("data/arrivals.csv"), in: box.inside)
        #expect(s.name == "traced")
    }

    @Test("an absolute path is refused with file:line:column, the field and how to allow it")
    func absolute() throws {
        let box = try sandbox(); defer { try? FileManager.default.removeItem(atPath: box.root) }
        #expect {
            try parse(tracedScenario(box.outside + "/arrivals.csv"), in: box.inside)
        } throws: { e in
            let d = "\(e)"
            return d.hasPrefix(box.inside + "/s.yaml:11:") && d.contains("workloads[0].traced_requests.file")
                && d.contains("absolute path") && d.contains("--allow-paths")
        }
    }

    @Test("a `..` climbing out of the scenario's folder is refused")
    func dotDot() throws {
        let box = try sandbox(); defer { try? FileManager.default.removeItem(atPath: box.root) }
        #expect {
            try parse(tracedScenario("../outside/arrivals.csv"), in: box.inside)
        } throws: { e in "\(e)".contains("climbs out with `..`") && "\(e)".contains("--allow-paths \(box.outside)") }
        // `..` that stays inside is fine.
        _ = try parse(tracedScenario("data/../data/arrivals.csv"), in: box.inside)
    }

    @Test("a symbolic link inside the folder pointing outside is refused")
    func symlinkOut() throws {
        let box = try sandbox(); defer { try? FileManager.default.removeItem(atPath: box.root) }
        try FileManager.default.createSymbolicLink(atPath: box.inside + "/data/link.csv", withDestinationPath: box.outside + "/arrivals.csv")
        try FileManager.default.createSymbolicLink(atPath: box.inside + "/elsewhere", withDestinationPath: box.outside)
        for given in ["data/link.csv", "elsewhere/arrivals.csv"] {
            #expect {
                try parse(tracedScenario(given), in: box.inside)
            } throws: { e in "\(e)".contains("symbolic link") && "\(e)".contains("--allow-paths") }
        }
    }

    @Test("--allow-paths DIR lets a scenario read from DIR, and only from DIR")
    func allowed() throws {
        let box = try sandbox(); defer { try? FileManager.default.removeItem(atPath: box.root) }
        _ = try parse(tracedScenario(box.outside + "/arrivals.csv"), in: box.inside, allowing: [box.outside])
        _ = try parse(tracedScenario("../outside/arrivals.csv"), in: box.inside, allowing: [box.outside])
        #expect(throws: ScenarioError.self) {
            try parse(tracedScenario(box.outside + "/arrivals.csv"), in: box.inside, allowing: [box.root + "/other"])
        }
        // A sweep re-parses with the same allowance.
        let swept = try parse(tracedScenario("../outside/arrivals.csv") + "\nsweep: { seed: [1, 2] }", in: box.inside, allowing: [box.outside])
        _ = try swept.with([("seed", "2")])
    }

    @Test("outputs.results may not be absolute or climb out with `..`; a relative path is kept")
    func results() throws {
        let box = try sandbox(); defer { try? FileManager.default.removeItem(atPath: box.root) }
        for bad in ["/tmp/anything.h5", "../../etc/x.h5", "results/../../x.h5"] {
            #expect {
                try parse(tracedScenario("data/arrivals.csv", results: bad), in: box.inside)
            } throws: { e in
                let d = "\(e)"
                return d.contains(":14:") && d.contains("outputs.results") && d.contains("--output")
            }
        }
        #expect(try parse(tracedScenario("data/arrivals.csv", results: "results/mine.h5"), in: box.inside).outputs.results == "results/mine.h5")
    }
}

@Suite("Scenario files are bounded: hostile documents get an error naming the limit")
struct ScenarioLimitTests {
    @Test("a list nested 100,000 deep is refused (it used to overflow the stack)")
    func deepFlow() {
        let text = String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)
        #expect {
            try Scenario.parse(text: text, file: "deep.yaml", policies: ["random"])
        } throws: { e in "\(e)".hasPrefix("deep.yaml:1:") && "\(e)".contains("deeper than \(ScenarioLimits.maxDepth) levels") }
    }

    @Test("a block list nested 100,000 deep is refused too")
    func deepBlock() {
        let text = String(repeating: "- ", count: 100_000) + "x\n"
        #expect {
            try Scenario.parse(text: text, file: "deep.yaml", policies: ["random"])
        } throws: { e in "\(e)".contains("deeper than \(ScenarioLimits.maxDepth) levels") }
        var indented = ""
        for i in 0..<300 { indented += String(repeating: " ", count: i) + "k\(i):\n" }
        #expect {
            try Scenario.parse(text: indented + String(repeating: " ", count: 300) + "x: 1\n", file: "deep.yaml", policies: ["random"])
        } throws: { e in "\(e)".contains("deeper than") }
    }

    @Test("a billion-laughs document (aliases of aliases) is refused")
    func billionLaughs() {
        var text = "a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n"
        for i in 1...9 {
            text += "a\(i): &a\(i) [" + Array(repeating: "*a\(i - 1)", count: 10).joined(separator: ", ") + "]\n"
        }
        #expect {
            try Scenario.parse(text: text, file: "laughs.yaml", policies: ["random"])
        } throws: { e in "\(e)".contains("aliases") && "\(e)".contains("limit is \(ScenarioLimits.maxExpandedNodes)") }
    }

    @Test("a document over 16 MiB and a line over 1 MiB are refused, naming the limit")
    func sizes() {
        #expect {
            try Scenario.parse(text: "# " + String(repeating: "x", count: ScenarioLimits.maxBytes), file: "big.yaml", policies: ["random"])
        } throws: { e in "\(e)".contains("limit is \(ScenarioLimits.maxBytes) bytes") }
        #expect {
            try Scenario.parse(text: "version: 1\nname: " + String(repeating: "x", count: ScenarioLimits.maxLineBytes + 1) + "\n",
                               file: "long.yaml", policies: ["random"])
        } throws: { e in "\(e)".hasPrefix("long.yaml:2:1:") && "\(e)".contains("limit is \(ScenarioLimits.maxLineBytes) bytes") }
    }
}
