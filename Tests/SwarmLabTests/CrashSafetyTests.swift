import Foundation
import Testing
import SwarmLab

/// `run`, `size` and `merge` killed with SIGKILL at a point drawn from a seed, then run
/// again (docs/reliability.md, "Killed processes"). `KilledCommand` starts and kills them.
@Suite("Crash safety: kill -9 at random points", .serialized)
struct CrashSafetyTests {
    static let seeds: [UInt64] = [1, 2, 3]

    static let scenario = """
    version: 1
    name: crash-safety
    seed: 5
    duration: 6h
    regions: [{ name: eu }]
    fleet:
      - { class: desktop, region: eu, count: 150 }
      - { class: phone, region: eu, count: 150 }
    workloads:
      - bag:
          tasks: 800
          work: { gemm: { m: 1024, n: 1024, k: 1024 } }
          input: 20MB
          output: 5MB
    policies: [random, availability-aware]
    """

    static func folder(_ name: String) throws -> String {
        let f = FileManager.default.temporaryDirectory.appendingPathComponent("swarmlab-crash-\(name)-\(getpid())-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: f, withIntermediateDirectories: true)
        return f
    }

    static func temporaries(of path: String) -> [String] {
        let dir = (path as NSString).deletingLastPathComponent, base = (path as NSString).lastPathComponent
        return ((try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []).filter { $0.hasPrefix(base + ".tmp-") }
    }

    @Test("run killed at a random point leaves nothing or the whole file at the results path; the rerun writes the same file", arguments: seeds)
    func killedRun(seed: UInt64) throws {
        let dir = try Self.folder("run")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let scenario = dir + "/s.yaml", reference = dir + "/reference.h5", out = dir + "/out.h5"
        try Self.scenario.write(toFile: scenario, atomically: true, encoding: .utf8)
        let span = try KilledCommand.timed(["run", scenario, "--output", reference, "--quiet"])
        let k = try KilledCommand.run(["run", scenario, "--output", out, "--quiet"], delay: killFraction(seed: seed) * span)
        // Killed before the rename: no file; after it (while exiting): the whole file.
        if FileManager.default.fileExists(atPath: out) {
            let differences = try resultsDifferences(reference, out)
            #expect(differences == [], "killed (\(k.killed)) after \(killFraction(seed: seed) * span) s: an incomplete file at the results path")
        }
        if !k.killed { #expect(k.status == 0) }
        let again = try swarmlab("run", scenario, "--output", out, "--quiet")
        #expect(again.status == 0, "\(again.stderr)")
        let differences = try resultsDifferences(reference, out)
        #expect(differences == [], "the rerun's file differs from an uninterrupted run's")
        #expect(Self.temporaries(of: out) == [], "the rerun removed the killed run's temporary")
    }

    @Test("merge killed at a random point leaves nothing or the whole file; merging again, and again, gives the same file", arguments: seeds)
    func killedMerge(seed: UInt64) throws {
        let dir = try Self.folder("merge")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        // Two shards of one scenario, one policy each, written as `run` writes them.
        let s = try Scenario.parse(text: Self.scenario, file: dir + "/s.yaml", registry: .builtin)
        var shards: [String] = []
        for policy in s.policies {
            let path = "\(dir)/\(policy).h5"
            let writer = try ResultsWriter(path: path)
            try Provenance.write(to: writer, scenario: s)
            try writer.createGroup(policy)
            let r = try ScenarioRunner.runPolicy(s, policy: policy, writer: writer, group: policy)
            try writer.setAttribute("wall_time", r.wallSeconds)
            try writer.commit()
            shards.append(path)
        }
        let reference = dir + "/reference.h5", out = dir + "/merged.h5"
        let span = try KilledCommand.timed(["merge", reference] + shards)
        let k = try KilledCommand.run(["merge", out] + shards, delay: killFraction(seed: seed) * span)
        if FileManager.default.fileExists(atPath: out) {
            let differences = try resultsDifferences(reference, out, ignoring: ["created"])
            #expect(differences == [], "killed (\(k.killed)) after \(killFraction(seed: seed) * span) s: an incomplete file at the output path")
        }
        if !k.killed { #expect(k.status == 0) }
        for _ in 0..<2 {   // once after the kill, once more over the finished file
            let again = try swarmlab(["merge", out] + shards)
            #expect(again.status == 0, "\(again.stderr)")
            let differences = try resultsDifferences(reference, out, ignoring: ["created"])
            #expect(differences == [], "killed: \(k.killed)")
        }
        #expect(Self.temporaries(of: out) == [])
    }
}
