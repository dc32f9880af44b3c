import Foundation
import Testing
import SwarmLab

/// `swarmlab validate` killed with SIGKILL while its reference runtime runs: the coordinator
/// is the `swarmlab` process itself, and none of its `swarmlab-worker` processes may outlive
/// it (docs/reliability.md, "Killed processes"). `KilledCommand` starts and kills it.
@Suite("Crash safety: validate killed at random points", .serialized)
struct ValidateKillTests {
    static let seeds: [UInt64] = [1, 2, 3]

    /// Two fifth-speed devices and 16 GEMMs of 1024³ (2.1 GFLOP each, ≈ 0.1 s at 20 GFLOP/s):
    /// the runtime side lasts a second or two, so the kill lands while workers compute.
    static let scenario = """
    version: 1
    name: validate-kill
    seed: 3
    duration: 10min
    heartbeat_timeout: 2s
    regions: [{ name: lab }]
    device_classes:
      - { name: reference, cpu: 100GFLOP/s, cores: 1, memory: 4GiB, idle_power: 5W, busy_power: 15W,
          downlink: 1Gbit/s, uplink: 1Gbit/s, access_latency: 1ms }
      - { name: fifth, base: reference, cpu: 20GFLOP/s }
    fleet:
      - { class: fifth, region: lab, count: 2 }
    workloads:
      - bag: { tasks: 16, work: { gemm: { m: 1024, n: 1024, k: 1024 } }, input: 1MB, output: 1MB }
    policies: [least-loaded]
    """

    /// The running `swarmlab-worker` processes started by coordinator `pid`: named so in
    /// `/proc/N/comm` and carrying `SWARMLAB_COORDINATOR_PID=pid` (what the local launcher
    /// sets; an orphan keeps it after it is re-parented). Zombies do not count.
    static func workers(of pid: Int32) -> [Int32] {
        let marker = Array("SWARMLAB_COORDINATOR_PID=\(pid)".utf8) + [0]
        return ((try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []).compactMap { name -> Int32? in
            guard let n = Int32(name),
                  let comm = try? String(contentsOfFile: "/proc/\(n)/comm", encoding: .utf8),
                  comm.hasPrefix("swarmlab-worker"),
                  let stat = try? String(contentsOfFile: "/proc/\(n)/stat", encoding: .utf8),
                  let close = stat.lastIndex(of: ")"), !"ZX".contains(stat[stat.index(close, offsetBy: 2)]),
                  let environ = FileManager.default.contents(atPath: "/proc/\(n)/environ") else { return nil }
            let bytes = [UInt8](environ)
            // The variable starts the block or follows a NUL.
            let found = bytes.starts(with: marker) || (0..<max(0, bytes.count - marker.count)).contains { i in
                bytes[i] == 0 && bytes[(i + 1)...].starts(with: marker)
            }
            return found ? n : nil
        }
    }

    @Test("validate killed with SIGKILL at a random point while its workers run leaves no worker process within 5 s", arguments: seeds)
    func noOrphans(seed: UInt64) throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("swarmlab-validate-kill-\(getpid())-\(seed)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let file = dir + "/validate-kill.yaml"
        try Self.scenario.write(toFile: file, atomically: true, encoding: .utf8)
        // Killed once its workers are up, after a further delay drawn from the seed in [0, 1) s.
        let delay = killFraction(seed: seed)
        var seen: Set<Int32> = []
        let profile = try ProfileForThisMachine.write(into: dir)
        let k = try KilledCommand.run(["validate", file, "--replications", "1", "--profile", profile,
                                       "--no-remeasure", "--results", "none"],
                                      delay: delay, timeout: 120, readyProcess: { pid in
            let w = Self.workers(of: pid)
            seen.formUnion(w)
            return !w.isEmpty
        })
        #expect(k.killed, "validate finished (status \(k.status)) before the kill, \(delay) s after its workers started: no kill tested")
        #expect(!seen.isEmpty, "no worker of coordinator \(k.pid) was seen")
        let deadline = Date().addingTimeInterval(5)
        var left = Self.workers(of: k.pid)
        while !left.isEmpty && Date() < deadline { usleep(50_000); left = Self.workers(of: k.pid) }
        for w in left { kill(w, SIGKILL) }
        #expect(left.isEmpty, "seed \(seed): workers \(left) outlived coordinator \(k.pid) (killed \(delay) s after its workers started) by 5 s")
    }
}
