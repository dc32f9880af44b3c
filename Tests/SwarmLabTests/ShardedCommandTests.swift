import Foundation
import Testing
@testable import SwarmLab
import SwarmResults
import SwarmScenario

/// What `sweep` and `size` share on a cluster (`ShardedCommand`): `--allow-paths` reaching the
/// shards and the join, and `size`'s shards walking the search in lockstep (no Slurm needed:
/// the shards run here, as the array tasks would).
@Suite("Sharded commands: size shards, --allow-paths on the cluster")
struct ShardedCommandTests {
    @Test("--slurm and --k8s scripts pass the user's --allow-paths to every shard and to the join")
    func allowPathsReachTheShards() throws {
        let (dir, scenario) = try ClusterTestSupport.folder("allow")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let traces = dir + "/traces"
        let sweep = try swarmlab(["sweep", scenario, "--output", dir + "/out.h5", "--slurm", "--shards", "2", "--dry-run", "--allow-paths", traces])
        #expect(sweep.status == 0, "\(sweep.stderr)")
        // One in the array script, one in the join script.
        #expect(sweep.stdout.components(separatedBy: "'--allow-paths' '\(traces)'").count - 1 == 2, "\(sweep.stdout)")
        let k8s = try swarmlab(["sweep", scenario, "--output", dir + "/out.h5", "--k8s", "--shards", "2", "--dry-run", "--image", "x/swarmlab:1",
                                "--volume-claim", "data", "--allow-paths", "traces"])
        #expect(k8s.status == 0, "\(k8s.stderr)")
        // A relative folder is on the claim, under the pod's working directory (the mount path).
        #expect(k8s.stdout.components(separatedBy: "'--allow-paths' '/data/traces'").count - 1 == 2, "\(k8s.stdout)")

        let sizing = dir + "/mmc.yaml"
        try SizingTests.queue(λ: 3, meanWork: 1, requests: 500, target: "1.3s", max: 16, replications: 4)
            .write(toFile: sizing, atomically: true, encoding: .utf8)
        let size = try swarmlab(["size", sizing, "--output", dir + "/size.h5", "--slurm", "--dry-run", "--allow-paths", traces])
        #expect(size.status == 0, "\(size.stderr)")
        #expect(size.stdout.components(separatedBy: "'--allow-paths' '\(traces)'").count - 1 == 2, "\(size.stdout)")
        // Four replications per candidate: four shards at most, each `--shard I/4`.
        #expect(size.stdout.contains("#SBATCH --array=0-3") && size.stdout.contains(#"'--shard' "$SLURM_ARRAY_TASK_ID"'/4'"#), "\(size.stdout)")
        #expect(size.stdout.contains("'size' '\(sizing)'") && size.stdout.contains("'--join' '--shards' '4'"), "\(size.stdout)")
    }

    @Test("size shards walk the search in lockstep, each running its replications; the join reads every part and answers as a local search")
    func sizeShardsInLockstep() throws {
        let s = try SizingTests.parse(SizingTests.queue(λ: 3, meanWork: 1, requests: 2_000, target: "1.3s", max: 16, replications: 4))
        let sharded = SizingTests.temporary("sharded.h5"), local = SizingTests.temporary("local.h5")
        defer { for p in [sharded, local, sharded + ".parts"] { try? FileManager.default.removeItem(atPath: p) } }

        // Two shards at once, as two array tasks would run them.
        let walked = try [0, 1].map { i in
            Thread.detachNewThreadWithResult { try SizingRunner.runShard(s, options: .init(jobs: 1, output: sharded, shard: (i, 2))) }
        }.map { try $0.value() }
        #expect(walked[0] == walked[1] && walked[0] > 1, "both shards walk the same candidates: \(walked)")
        #expect(!FileManager.default.fileExists(atPath: sharded), "a shard writes no results file")
        let parts = try FileManager.default.contentsOfDirectory(atPath: sharded + ".parts").filter { $0.hasSuffix(".h5") }.sorted()
        #expect(parts.count == walked[0] * 4, "4 replications of each candidate walked: \(parts)")

        // A missing part: the join fails naming it and runs nothing.
        let lost = try #require(parts.first { $0.hasSuffix("-r1.h5") })
        let keep = sharded + ".parts/" + lost + ".kept"
        try FileManager.default.moveItem(atPath: sharded + ".parts/" + lost, toPath: keep)
        #expect {
            try SizingRunner.join(s, options: .init(jobs: 1, output: sharded))
        } throws: { e in
            (e as? SizingRunner.MissingPart).map { "\($0)".contains(lost) } ?? false
        }
        try FileManager.default.moveItem(atPath: keep, toPath: sharded + ".parts/" + lost)

        let joined = try #require(try SizingRunner.join(s, options: .init(jobs: 1, output: sharded)))
        #expect(joined.freshRuns == 0 && joined.resumedRuns == parts.count, "the join runs nothing: every run came from a shard")
        #expect(try SizingRunner.join(s, options: .init(jobs: 1, output: sharded)) == nil, "joined once")
        let plain = try SizingRunner.run(s, options: .init(jobs: 2, output: local))
        #expect(joined.answer.values == plain.answer.values)
        #expect(joined.candidates.map(\.values) == plain.candidates.map(\.values))
        // Bit for bit (a metric a run does not have is NaN, which == never equals).
        let bits = { (o: SizingRunner.Outcome) in o.candidates.flatMap { $0.runs.flatMap { $0.values.map(\.bitPattern) } } }
        #expect(bits(joined) == bits(plain), "the same runs, value for value")
    }
}

extension Thread {
    /// Runs `body` on a new thread; `value()` waits for its result.
    static func detachNewThreadWithResult<T: Sendable>(_ body: @escaping @Sendable () throws -> T) -> ThreadResult<T> {
        let r = ThreadResult<T>()
        Thread.detachNewThread { r.set(Result(catching: body)) }
        return r
    }
}

final class ThreadResult<T: Sendable>: @unchecked Sendable {
    private let done = DispatchSemaphore(value: 0)
    private var result: Result<T, any Error>?
    func set(_ r: Result<T, any Error>) { result = r; done.signal() }
    func value() throws -> T { done.wait(); return try result!.get() }
}

/// `validate`'s flags for the runtime across hosts refuse what cannot work, saying why.
@Suite("validate --listen / --launcher refusals")
struct RuntimeHostsCLITests {
    @Test("an unknown launcher, a bad address, srun outside an allocation and a misplaced --key-directory exit 64 with the reason",
          arguments: [(["--launcher", "ssh"], "--launcher: expected local or srun, found 'ssh'"),
                      (["--listen", "node01"], "--listen 'node01': expected HOST:PORT"),
                      (["--listen", "node01:70000"], "expected a port 0…65535"),
                      (["--launcher", "srun"], "SLURM_JOB_ID is not set: run inside `salloc"),
                      (["--key-directory", "/tmp/k"], "--key-directory goes with --launcher srun")])
    func refusals(_ flags: [String], _ expected: String) throws {
        let r = try swarmlab(["validate", "scenarios/validation/01-homogeneous-bag.yaml"] + flags)
        #expect(r.status == 64, "\(r.stdout)\(r.stderr)")
        #expect(r.stderr.contains(expected), "\(r.stderr)")
    }

    @Test("srun with a loopback address is refused when the allocation has another node")
    func loopbackAcrossNodes() throws {
        #expect {
            try Validation.transport(listen: "127.0.0.1:0", launcher: "srun",
                                     environment: ["SLURM_JOB_ID": "7", "SLURM_JOB_NODELIST": "far-node-1"],
                                     nodes: ["far-node-1"])
        } throws: { "\($0)".contains("the allocation's node far-node-1 is not this machine") }
    }
}
