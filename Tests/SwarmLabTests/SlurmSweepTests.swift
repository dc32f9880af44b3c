import Foundation
import Testing
import SwarmLab
import SwarmResults
import SwarmScenario

/// `swarmlab sweep --slurm` against a real Slurm: `scripts/slurm-local start` installs
/// slurm-wlm and munge when missing and starts a one-node slurmctld + slurmd; the test stops
/// them at the end, failed or not. A Slurm that cannot be started fails the test, with the
/// script's reason.
@Suite("Sweeps on a real one-node Slurm", .serialized)
struct SlurmSweepTests {
    /// How long the join may take once submitted (a task starts ≈ 1 s after submission here).
    static let timeout = 90.0

    @Test("a sweep submitted to Slurm runs only the missing shards, joins, and equals a local run of the same sweep")
    func sweepThroughSlurm() throws {
        let started = try ClusterTestSupport.run("scripts/slurm-local", ["start"])
        defer {
            let stopped = try? ClusterTestSupport.run("scripts/slurm-local", ["stop"])
            #expect(stopped?.status == 0, "scripts/slurm-local stop: \(stopped?.stderr ?? "did not run")")
        }
        try #require(started.status == 0, "scripts/slurm-local start failed: \(started.stderr)")

        let (dir, scenario) = try ClusterTestSupport.folder("slurm")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let s = try ClusterTestSupport.scenario(at: scenario)
        let output = dir + "/slurm.h5", local = dir + "/local.h5"
        // Shard 1 of 4 already ran (as if its array task had succeeded before the others failed).
        _ = try SweepRunner.run(s, options: .init(jobs: 1, output: output, shard: (1, 4)))

        let t0 = Date()
        let submitted = try swarmlab(["sweep", scenario, "--output", output, "--slurm", "--shards", "4"])
        #expect(submitted.status == 0, "\(submitted.stderr)")
        #expect(submitted.stdout.contains("3 of 4 shard(s) (array 0,2-3)"), "\(submitted.stdout)")
        let join = try #require(submitted.stdout.firstMatch(of: /Join job (\d+)/)?.1).description

        // A second invocation while the jobs are queued submits nothing.
        let early = try swarmlab(["sweep", scenario, "--output", output, "--slurm", "--shards", "4"])
        #expect(early.status == 1 && early.stderr.contains("still queued or running"), "\(early.stdout)\(early.stderr)")

        // Wait for the join to leave the queue, then ask Slurm how it ended.
        while try !ClusterTestSupport.run("/usr/bin/squeue", ["-h", "-j", join]).stdout.isEmpty {
            try #require(Date().timeIntervalSince(t0) < Self.timeout, "join job \(join) still queued after \(Self.timeout) s")
            Thread.sleep(forTimeInterval: 0.5)
        }
        let seconds = Date().timeIntervalSince(t0)
        let state = try ClusterTestSupport.run("/usr/bin/scontrol", ["show", "job", join]).stdout
        let logs = (try? FileManager.default.contentsOfDirectory(atPath: output + ".slurm"))?.compactMap {
            try? "\($0):\n" + String(contentsOfFile: output + ".slurm/" + $0, encoding: .utf8)
        }.joined(separator: "\n") ?? ""
        try #require(state.contains("JobState=COMPLETED"), "join job \(join): \(state)\nlogs:\n\(logs)")
        print("Slurm sweep: submitted to joined in \(String(format: "%.1f", seconds)) s")
        #expect(!FileManager.default.fileExists(atPath: output + ".parts"), "the join removed the parts")

        _ = try SweepRunner.run(s, options: .init(jobs: 2, output: local))
        try ClusterTestSupport.expectSameDatasets(output, local)

        let after = try swarmlab(["sweep", scenario, "--output", output, "--slurm", "--shards", "4"])
        #expect(after.status == 0 && after.stdout.contains("already joined"), "\(after.stdout)\(after.stderr)")
    }
}
