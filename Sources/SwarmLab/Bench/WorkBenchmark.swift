import Foundation
import SwarmKernel
import SwarmModel
import SwarmPolicies

/// AI work on a churning fleet: `devices` volunteer desktops, laptops and phones over three
/// regions plus a few cloud VMs, and `tasks` GEMM tasks (1024³ FP32, 12 MB in, 4 MB out),
/// under a named policy, optionally replicated. Measures the whole engine: availability
/// events, dispatch through the idle index, transfers, compute, loss detection.
public enum WorkBenchmark {
    public struct Result: Sendable, Codable, Equatable {
        public var policy: String
        public var replication: Int
        public var devices: Int
        public var tasks: Int
        public var seconds: Double
        public var setupSeconds: Double
        public var events: UInt64
        public var peakRSSKiB: Int
        public var tasksDone: Int
        public var makespanHours: Double
        public var attemptsLost: Int
        public var wastedHours: Double
        public var redundantHours: Double
        public var energyKWh: Double
        public var latencyP95Hours: Double
        public var cloudDollars: Double
        public var volunteerHours: Double
        public var utilisation: Double
    }

    /// `taskSeconds`, when set, replaces the GEMM by fixed-length work (long tasks make churn
    /// bite: the policy shoot-out).
    public static func run(policy name: String, replication: Int, devices: Int, tasks taskCount: Int,
                           taskSeconds: Double? = nil, seed: UInt64 = 11, horizon: SimDuration = .days(30)) throws -> Result {
        let start = monotonicSeconds()
        let regions: [(name: String, utcOffsetHours: Double)] = [("eu", 1), ("us", -6), ("asia", 8)]
        var desktop = DeviceClass.desktop, laptop = DeviceClass.laptop
        desktop.availability = AvailabilityModel(source: DeviceClass.volunteerChurn)
        laptop.availability = AvailabilityModel(source: DeviceClass.volunteerChurn)
        let classes = [desktop, laptop, DeviceClass.phone, DeviceClass.cloudVM]
        var fractions: [(className: String, region: String, fraction: Double)] = []
        for r in regions {
            fractions.append(("desktop", r.name, 0.4 / 3))
            fractions.append(("laptop", r.name, 0.3 / 3))
            fractions.append(("phone", r.name, 0.299 / 3))
            fractions.append(("cloud-vm", r.name, 0.001 / 3))
        }
        let fleet = try Fleet(classes: classes, regions: regions, total: devices, fractions: fractions)
        var tasks = TaskTable()
        var g = RandomStreams(seed: seed).stream("work-benchmark")
        for _ in 0..<taskCount {
            tasks.add(work: taskSeconds.map { .seconds($0) } ?? .kernel(.gemm(m: 1024, n: 1024, k: 1024, dtype: .fp32)),
                      inputBytes: 12e6, outputBytes: 4e6,
                      dataRegion: g.nextIndex(below: 3), replication: replication, quorum: 1)
        }
        let latency: @Sendable (Int, Int) -> Double = { a, b in a == b ? 0.005 : 0.06 }
        let context = PolicyContext(streams: RandomStreams(seed: seed), latency: latency)
        let policy = try PolicyRegistry.builtin.make(name, context: context)
        let sim = Simulation(expectedPending: devices + taskCount)
        let engine = WorkEngine(fleet: fleet, tasks: tasks, policy: policy, seed: seed,
                                configuration: .init(heartbeatTimeout: .seconds(120), regionLatency: latency,
                                                     trust: .init(validation: .none)),
                                sim: sim)
        let setup = monotonicSeconds() - start
        let t0 = monotonicSeconds()
        engine.run(until: .zero + horizon)
        let seconds = monotonicSeconds() - t0
        let m = engine.metrics
        return Result(policy: name, replication: replication, devices: devices, tasks: taskCount,
                      seconds: seconds, setupSeconds: setup, events: sim.eventsProcessed, peakRSSKiB: peakResidentKiB(),
                      tasksDone: m.tasksDone, makespanHours: m.makespan / 3600, attemptsLost: m.attemptsLost,
                      wastedHours: m.wastedSeconds / 3600, redundantHours: m.redundantSeconds / 3600,
                      energyKWh: m.energyJoules / 3.6e6, latencyP95Hours: m.p95.value / 3600,
                      cloudDollars: m.money, volunteerHours: m.volunteerHours, utilisation: m.utilisation)
    }

    /// Runs each (policy, replicas) of `plan` in its own process (`swarmlab bench work
    /// --single`), so each row's peak memory is its own.
    public static func compare(plan: [(policy: String, replication: Int)], devices: Int, tasks: Int, taskSeconds: Double?,
                               swarmlabExecutable: URL, progress: (String) -> Void) throws -> [Result] {
        var rows: [Result] = []
        for (policy, replication) in plan {
            let arguments = ["bench", "work", "--single", "--devices", "\(devices)", "--tasks", "\(tasks)",
                             "--runs", "\(policy):\(replication)"] + (taskSeconds.map { ["--task-seconds", "\($0)"] } ?? [])
            let r = try execute(swarmlabExecutable, arguments)
            guard r.status == 0 else {
                throw HoldComparison.Failure(description: "swarmlab bench work exited \(r.status): \(r.stderr)")
            }
            let result = try JSONDecoder().decode(Result.self, from: Data(r.stdout.utf8))
            progress("\(policy) ×\(replication): \(String(format: "%.1f", result.seconds)) s, \(result.tasksDone) tasks done")
            rows.append(result)
        }
        return rows
    }

    /// The results as a Markdown table.
    public static func markdown(_ rows: [Result], command: String) -> String {
        var md = "| policy | replicas | devices | tasks | wall (run) | setup | events | peak RSS | tasks done | makespan | attempts lost | wasted | redundant | P95 latency | utilisation | energy | cloud cost | volunteer hours |\n"
        md += "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n"
        for r in rows {
            md += "| \(r.policy) | \(r.replication) | \(grouped(r.devices)) | \(grouped(r.tasks)) | \(fixed(r.seconds, 1)) s | \(fixed(r.setupSeconds, 1)) s | \(grouped(Int(r.events))) | \(mib(r.peakRSSKiB)) | \(grouped(r.tasksDone)) | \(SimDuration.hours(r.makespanHours)) | \(grouped(r.attemptsLost)) | \(fixed(r.wastedHours, 1)) h | \(fixed(r.redundantHours, 1)) h | \(SimDuration.hours(r.latencyP95Hours)) | \(fixed(r.utilisation * 100, 1))% | \(fixed(r.energyKWh, 0)) kWh | $\(fixed(r.cloudDollars, 2)) | \(fixed(r.volunteerHours, 0)) h |\n"
        }
        let info = ProcessInfo.processInfo
        md += "\nWasted = device-hours of attempts lost to churn; redundant = device-hours of replicas beyond the accepted result; energy counts every online device, busy or idle, until the last task ends.\n"
        md += "\nMachine: \(info.hostName), \(info.activeProcessorCount) cores, \(info.physicalMemory >> 30) GiB, \(ISO8601DateFormatter().string(from: Date())). One run per row, each in its own process.\nCommand: `\(command)`\n"
        return md
    }
}
