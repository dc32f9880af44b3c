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

    @Test("a sweep submitted to Slurm runs only the missing shards, resubmits a failed task, joins, and equals a local run")
    func sweepThroughSlurm() throws {
        try ClusterTestSupport.withLocalSlurm { try sweepThroughStartedSlurm() }
    }

    func sweepThroughStartedSlurm() throws {
        let (dir, scenario) = try ClusterTestSupport.folder("slurm")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let s = try ClusterTestSupport.scenario(at: scenario)
        let output = dir + "/slurm.h5", local = dir + "/local.h5"
        // Shard 1 of 4 already ran (as if its array task had succeeded before the others failed).
        _ = try SweepRunner.run(s, options: .init(jobs: 1, output: output, shard: (1, 4)))

        let t0 = Date()
        // Submitted held (SBATCH_HOLD), so that one array task can be made to fail for sure.
        let first = try swarmlab(["sweep", scenario, "--output", output, "--slurm", "--shards", "4"], environment: ["SBATCH_HOLD": "1"])
        #expect(first.status == 0, "\(first.stderr)")
        #expect(first.stdout.contains("3 of 4 shard(s) (array 0,2-3)"), "\(first.stdout)")
        let array = try #require(first.stdout.firstMatch(of: /job array (\d+)/)?.1).description
        let firstJoin = try #require(first.stdout.firstMatch(of: /Join job (\d+)/)?.1).description

        // A second invocation while the jobs are queued submits nothing.
        let early = try swarmlab(["sweep", scenario, "--output", output, "--slurm", "--shards", "4"])
        #expect(early.status == 1 && early.stderr.contains("still queued or running"), "\(early.stdout)\(early.stderr)")

        // Task 2 dies (cancelled, as by a preemption or a node failure); the others run.
        #expect(try ClusterTestSupport.run("/usr/bin/scancel", ["\(array)_2"]).status == 0)
        #expect(try ClusterTestSupport.run("/usr/bin/scontrol", ["release", array]).status == 0)
        // The join may already be cancelled (its dependency became invalid with task 2), and
        // a cancelled job cannot be released: either is right, a join left held is not.
        let released = try ClusterTestSupport.run("/usr/bin/scontrol", ["release", firstJoin])
        let joinState = try ClusterTestSupport.run("/usr/bin/scontrol", ["show", "job", firstJoin]).stdout
        #expect(released.status == 0 || joinState.contains("JobState=CANCELLED"), "\(released.stderr)\n\(joinState)")
        try waitUntilGone([array, firstJoin], since: t0)
        let cancelled = try ClusterTestSupport.run("/usr/bin/scontrol", ["show", "job", firstJoin]).stdout
        #expect(cancelled.contains("JobState=CANCELLED"), "the join of a failed array is cancelled, not left pending: \(cancelled)")
        #expect(!FileManager.default.fileExists(atPath: output), "nothing joined with a shard missing")
        #expect(SweepCluster.shardsToRun(SweepPlan(s), shardCount: 4, output: output) == [2])

        // The same command again submits only the failed shard, and the join.
        let second = try swarmlab(["sweep", scenario, "--output", output, "--slurm", "--shards", "4"])
        #expect(second.status == 0, "\(second.stderr)")
        #expect(second.stdout.contains("1 of 4 shard(s) (array 2)"), "\(second.stdout)")
        let join = try #require(second.stdout.firstMatch(of: /Join job (\d+)/)?.1).description
        try waitUntilGone([join], since: t0)
        let seconds = Date().timeIntervalSince(t0)
        let state = try ClusterTestSupport.run("/usr/bin/scontrol", ["show", "job", join]).stdout
        let logs = (try? FileManager.default.contentsOfDirectory(atPath: output + ".slurm"))?.compactMap {
            try? "\($0):\n" + String(contentsOfFile: output + ".slurm/" + $0, encoding: .utf8)
        }.joined(separator: "\n") ?? ""
        try #require(state.contains("JobState=COMPLETED"), "join job \(join): \(state)\nlogs:\n\(logs)")
        print("Slurm sweep: first submission to joined file, with one failed task resubmitted, in \(String(format: "%.1f", seconds)) s")
        #expect(!FileManager.default.fileExists(atPath: output + ".parts"), "the join removed the parts")

        _ = try SweepRunner.run(s, options: .init(jobs: 2, output: local))
        try ClusterTestSupport.expectSameDatasets(output, local)

        let after = try swarmlab(["sweep", scenario, "--output", output, "--slurm", "--shards", "4"])
        #expect(after.status == 0 && after.stdout.contains("already joined"), "\(after.stdout)\(after.stderr)")
    }

    @Test("a size search submitted to Slurm runs as lockstep shards and a join, and answers as a local search")
    func sizeThroughSlurm() throws {
        try ClusterTestSupport.withLocalSlurm {
            let (dir, _) = try ClusterTestSupport.folder("slurm-size")
            defer { try? FileManager.default.removeItem(atPath: dir) }
            let scenario = dir + "/mmc.yaml"
            let text = SizingTests.queue(λ: 3, meanWork: 1, requests: 2_000, target: "1.3s", max: 16, replications: 4)
            try text.write(toFile: scenario, atomically: true, encoding: .utf8)
            let output = dir + "/slurm.h5", local = dir + "/local.h5"
            let t0 = Date()
            let submitted = try swarmlab(["size", scenario, "--output", output, "--slurm", "--shards", "2"])
            #expect(submitted.status == 0, "\(submitted.stderr)")
            #expect(submitted.stdout.contains("2 of 2 shard(s) (array 0-1)"), "\(submitted.stdout)")
            let array = try #require(submitted.stdout.firstMatch(of: /job array (\d+)/)?.1).description
            let join = try #require(submitted.stdout.firstMatch(of: /Join job (\d+)/)?.1).description
            try waitUntilGone([array, join], since: t0)
            let state = try ClusterTestSupport.run("/usr/bin/scontrol", ["show", "job", join]).stdout
            let logs = (try? FileManager.default.contentsOfDirectory(atPath: output + ".slurm"))?.compactMap {
                try? "\($0):\n" + String(contentsOfFile: output + ".slurm/" + $0, encoding: .utf8)
            }.joined(separator: "\n") ?? ""
            try #require(state.contains("JobState=COMPLETED"), "join job \(join): \(state)\nlogs:\n\(logs)")
            print("Slurm size: 2 lockstep shards and the join in \(String(format: "%.1f", Date().timeIntervalSince(t0))) s")
            #expect(!FileManager.default.fileExists(atPath: output + ".parts"), "the join removed the parts")
            let s = try SizingTests.parse(text)
            let plain = try SizingRunner.run(s, options: .init(jobs: 2, output: local))
            let joined = try ResultsReader(path: output), reference = try ResultsReader(path: local)
            #expect(joined.string("scenario") == reference.string("scenario"))
            for table in reference.children().filter({ $0.kind == .table }).map({ "/" + $0.name }) {
                #expect(try joined.rawTable(table).bytes == (try reference.rawTable(table).bytes), "\(table) differs")
            }
            #expect(plain.candidates.count > 1)
            let again = try swarmlab(["size", scenario, "--output", output, "--slurm", "--shards", "2"])
            #expect(again.status == 0 && again.stdout.contains("already joined"), "\(again.stdout)\(again.stderr)")
        }
    }

    /// Waits (bounded by `timeout` from `since`) until Slurm no longer lists any of `jobs`.
    func waitUntilGone(_ jobs: [String], since t0: Date) throws {
        while try !ClusterTestSupport.run("/usr/bin/squeue", ["-h", "-j", jobs.joined(separator: ",")]).stdout
            .trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
            try #require(Date().timeIntervalSince(t0) < Self.timeout, "jobs \(jobs) still queued after \(Self.timeout) s")
            Thread.sleep(forTimeInterval: 0.5)
        }
    }
}
