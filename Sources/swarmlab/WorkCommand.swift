import ArgumentParser
import Foundation
import SwarmLab

struct WorkCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "work",
        abstract: "AI work on a churning fleet: GEMM tasks under named policies.",
        discussion: """
        A volunteer fleet (desktops, laptops, phones with Weibull churn, a few cloud VMs) over \
        three regions runs 1024³ FP32 GEMM tasks (12 MB in, 4 MB out) under each policy; \
        replicated runs accept the first result back. Each run in its own process.
        """)

    @Option(name: .long, help: "Fleet size.") var devices: String = "1e6"
    @Option(name: .long, help: "Number of GEMM tasks.") var tasks: String = "1e6"
    @Option(name: .long, parsing: .upToNextOption, help: "policy[:replicas] runs, e.g. least-loaded random:2.")
    var runs: [String] = ["least-loaded", "random:2"]
    @Option(name: .long, help: "Fixed seconds of work per task instead of the GEMM (long tasks make churn bite).")
    var taskSeconds: Double?
    @Option(name: .long, help: "Name of the results/BENCHMARKS.md section --record replaces.")
    var section: String = "work"
    @OptionGroup var output: BenchOutputOptions

    var deviceCount = 0, taskCount = 0
    var plan: [(policy: String, replication: Int)] = []

    enum CodingKeys: String, CodingKey { case devices, tasks, runs, taskSeconds, section, output }

    mutating func validate() throws {
        deviceCount = try count(devices, option: "--devices", minimum: 1)
        taskCount = try count(tasks, option: "--tasks", minimum: 0)
        plan = try runs.flatMap { $0.split(separator: ",") }.map { spec in
            let parts = spec.split(separator: ":")
            guard (1...2).contains(parts.count), let r = parts.count == 2 ? Int(parts[1]) : 1, (1...16).contains(r) else {
                throw ValidationError("--runs: '\(spec)' is not policy[:replicas] with 1 ≤ replicas ≤ 16")
            }
            return (String(parts[0]), r)
        }
        if output.single && plan.count != 1 { throw ValidationError("--single takes exactly one run") }
        if let s = taskSeconds, !(s > 0 && s.isFinite) { throw ValidationError("--task-seconds must be a positive number (got \(s))") }
    }

    func run() throws {
        if output.single {
            let r = try WorkBenchmark.run(policy: plan[0].policy, replication: plan[0].replication, devices: deviceCount,
                                          tasks: taskCount, taskSeconds: taskSeconds)
            print(String(decoding: try JSONEncoder().encode(r), as: UTF8.self))
            return
        }
        let me = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        let rows = try WorkBenchmark.compare(plan: plan, devices: deviceCount, tasks: taskCount, taskSeconds: taskSeconds,
                                             swarmlabExecutable: me, progress: output.progress)
        let command = "swarmlab bench work " + CommandLine.arguments.dropFirst(3).joined(separator: " ")
        try output.publish(rows, markdown: WorkBenchmark.markdown(rows, command: command), section: section)
    }
}
