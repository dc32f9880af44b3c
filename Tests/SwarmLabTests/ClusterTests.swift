import Foundation
import Testing
import SwarmLab
import SwarmResults
import SwarmScenario

@Suite("Cluster submission: scripts, missing shards, join refusal, Kubernetes manifests")
struct ClusterTests {
    @Test("array specs compress ranges and shell lines keep each word one word, the shard variable expanded")
    func scriptPieces() throws {
        #expect(SlurmSubmission.arraySpec([0, 1, 2, 5, 7, 8]) == "0-2,5,7-8")
        #expect(SlurmSubmission.arraySpec([3]) == "3")
        let line = ShardedJob.shellLine(["/opt/swarm lab/swarmlab", "it's", "--shard", "{shard}/4"], shardVariable: "SLURM_ARRAY_TASK_ID")
        #expect(line == #"'/opt/swarm lab/swarmlab' 'it'\''s' '--shard' "$SLURM_ARRAY_TASK_ID"'/4'"#)
        // The shell gives back the words, the variable expanded.
        let echoed = try ClusterTestSupport.run("/bin/bash", ["-c", "SLURM_ARRAY_TASK_ID=2; printf '%s|' " + line])
        #expect(echoed.stdout == "/opt/swarm lab/swarmlab|it's|--shard|2/4|")
        #expect(ShardedJob.dnsLabel("swarmlab-sweep-My_Sweep.v2") == "swarmlab-sweep-my-sweep-v2")
    }

    @Test("--slurm --dry-run prints an array of one task per shard and a join, and submits nothing")
    func dryRun() throws {
        let (dir, scenario) = try ClusterTestSupport.folder("dry")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let output = dir + "/out.h5"
        let r = try swarmlab(["sweep", scenario, "--output", output, "--slurm", "--dry-run", "--shards", "3",
                              "--partition", "short", "--time", "0:30:00", "--cpus-per-task", "2"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("#SBATCH --array=0-2"))
        #expect(r.stdout.contains("#SBATCH --partition=short") && r.stdout.contains("#SBATCH --time=0:30:00"))
        #expect(r.stdout.contains("#SBATCH --cpus-per-task=2"))
        #expect(r.stdout.contains(#"'--shard' "$SLURM_ARRAY_TASK_ID"'/3' '--jobs' '2'"#), "\(r.stdout)")
        #expect(r.stdout.contains("'--join' '--shards' '3'"))
        #expect(r.stdout.contains("--dependency=afterok:ARRAY --kill-on-invalid-dep=yes"))
        #expect(!FileManager.default.fileExists(atPath: output + ".slurm"), "a dry run writes nothing")
        let bad = try swarmlab(["sweep", scenario, "--slurm", "--k8s"])
        #expect(bad.status == 64 && bad.stderr.contains("exclude each other"))
    }

    @Test("after some shards ran, only the others are to run, and the join refuses naming the missing parts")
    func missingShardsAndJoinRefusal() throws {
        let (dir, scenario) = try ClusterTestSupport.folder("join")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let s = try ClusterTestSupport.scenario(at: scenario)
        let output = dir + "/out.h5"
        let plan = SweepPlan(s)
        #expect(plan.runs.count == 2 * 2 * 2)
        #expect(SweepCluster.shardsToRun(plan, shardCount: 4, output: output) == [0, 1, 2, 3])
        _ = try SweepRunner.run(s, options: .init(jobs: 2, output: output, shard: (1, 4)))
        #expect(SweepCluster.shardsToRun(plan, shardCount: 4, output: output) == [0, 2, 3])
        // An unreadable part (say a node died while a copy was in flight) counts as missing.
        try Data("not HDF5".utf8).write(to: URL(fileURLWithPath: output + ".parts/run-0005.h5"))
        #expect(SweepCluster.shardsToRun(plan, shardCount: 4, output: output) == [0, 1, 2, 3])
        // Set aside, it is run again by its shard.
        #expect(SweepCluster.setAsideUnreadableParts(plan, output: output) == [output + ".parts/run-0005.h5"])
        #expect(FileManager.default.fileExists(atPath: output + ".parts/run-0005.h5.unreadable"))
        let again = try SweepRunner.run(s, options: .init(jobs: 2, output: output, shard: (1, 4)))
        #expect(again.results.map { $0.resumed } == [true, false], "run-0001 read back, run-0005 run again")
        #expect(SweepCluster.shardsToRun(plan, shardCount: 4, output: output) == [0, 2, 3])

        let missing = plan.runs.filter { $0.index % 4 != 1 }.map { "\($0.group).h5" }
        #expect {
            try SweepCluster.join(s, options: .init(jobs: 1, output: output), shardCount: 4)
        } throws: { e in
            let text = "\(e)"
            return e is SweepCluster.MissingParts && missing.allSatisfy(text.contains) && text.contains("shard(s) 0, 2, 3 of 4")
        }
        #expect(!FileManager.default.fileExists(atPath: output), "nothing joined")
        // The join job's command line: exit 1, the parts named on stderr, no run started.
        let r = try swarmlab(["sweep", scenario, "--output", output, "--join", "--shards", "4", "--quiet"])
        #expect(r.status == 1)
        #expect(r.stderr.contains("run-0000.h5") && r.stderr.contains("part(s) missing"), "\(r.stderr)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: output + ".parts").filter { $0.hasSuffix(".h5") }.count == 2)
        // The Slurm step submits shards 0, 2, 3 only (queue not asked: no Slurm needed here).
        let job = SweepCluster.job(name: s.name, executable: "/usr/bin/swarmlab", scenarioPath: scenario, output: output,
                                   replications: nil, shardCount: 4, threads: 1)
        guard case .submit(let submission) = try SweepCluster.slurmStep(s, job: job, output: output, replications: nil,
                                                                         options: SlurmOptions(), checkQueue: false) else {
            Issue.record("expected a submission"); return
        }
        #expect(submission.shards == [0, 2, 3])
        #expect(submission.arrayScript().contains("#SBATCH --array=0,2-3"))
    }

    @Test("--k8s writes an Indexed Job and a join Job that the Kubernetes API schema accepts; a wrong field is rejected")
    func kubernetesManifests() throws {
        let (dir, scenario) = try ClusterTestSupport.folder("k8s")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let output = dir + "/out.h5"
        let r = try swarmlab(["sweep", scenario, "--output", output, "--k8s", "--shards", "4", "--image", "registry.example.org/swarmlab:0.1.0",
                              "--volume-claim", "swarmlab-data", "--namespace", "research", "--cpus-per-task", "2"])
        #expect(r.status == 0, "\(r.stderr)")
        let shards = try String(contentsOfFile: output + ".k8s/shards-job.yaml", encoding: .utf8)
        let join = try String(contentsOfFile: output + ".k8s/join-job.yaml", encoding: .utf8)
        for line in ["completionMode: Indexed", "completions: 4", "parallelism: 4", "namespace: \"research\"",
                     "image: \"registry.example.org/swarmlab:0.1.0\"", "claimName: \"swarmlab-data\"", "mountPath: \"/data\""] {
            #expect(shards.contains(line), "no `\(line)` in\n\(shards)")
        }
        #expect(shards.contains(#"'--shard' \"$JOB_COMPLETION_INDEX\"'/4'"#), "\(shards)")
        #expect(shards.contains("'/data/cluster-test.yaml' '--output' '/data/out.h5'"))
        #expect(join.contains("'--join' '--shards' '4'") && join.contains("backoffLimit: 0"))
        #expect(r.stdout.contains("kubectl -n research wait --for=condition=complete"))
        // --dry-run prints the same two documents.
        let dry = try swarmlab(["sweep", scenario, "--output", output, "--k8s", "--dry-run", "--shards", "4", "--image", "registry.example.org/swarmlab:0.1.0",
                                "--volume-claim", "swarmlab-data", "--namespace", "research", "--cpus-per-task", "2"])
        #expect(dry.stdout == shards + "---\n" + join)

        let valid = try ClusterTestSupport.run("scripts/k8s-validate", [output + ".k8s/shards-job.yaml", output + ".k8s/join-job.yaml"])
        #expect(valid.status == 0, "the schema refused the manifests: \(valid.stdout)\(valid.stderr)")
        // The same check refuses a misspelt field and a wrong type.
        let misspelt = dir + "/misspelt.yaml", mistyped = dir + "/mistyped.yaml"
        try shards.replacingOccurrences(of: "  parallelism: 4", with: "  paralelism: 4").write(toFile: misspelt, atomically: true, encoding: .utf8)
        try shards.replacingOccurrences(of: "  completions: 4", with: "  completions: \"four\"").write(toFile: mistyped, atomically: true, encoding: .utf8)
        for (file, why) in [(misspelt, "paralelism"), (mistyped, "completions")] {
            let bad = try ClusterTestSupport.run("scripts/k8s-validate", [file])
            #expect(bad.status != 0, "\(file) was accepted")
            #expect((bad.stdout + bad.stderr).contains(why), "\(bad.stdout)\(bad.stderr)")
        }
    }
}
