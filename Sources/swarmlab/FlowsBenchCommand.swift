import ArgumentParser
import Foundation
import SwarmLab

struct FlowsBenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "flows",
        abstract: "Flow changes per second with many transfers sharing links, and the quickstart with flows against latency only.",
        discussion: """
        Starts --flows transfers over --regions regions and --sites edge sites (half the devices \
        behind a site), then times --changes changes (the transfer finishing next ends, its \
        device starts another), --repeats times in this process (goal: ≥ 1e5 changes/s with 1e5 \
        flows). Then runs the quickstart under --policy with network.model latency and flows, \
        alternating, --quickstart-repeats times each (goal: flows within 2× of latency).
        """)

    @Option(name: .long, parsing: .upToNextOption, help: "Flows in progress (comma- or space-separated).")
    var flows: [String] = ["1e4", "1e5"]
    @Option(name: .long, help: "Changes timed per run.") var changes: String = "1e6"
    @Option(name: .long, help: "Regions.") var regions: Int = 3
    @Option(name: .long, parsing: .upToNextOption, help: "Edge-site counts (comma- or space-separated).")
    var sites: [String] = ["30"]
    @Option(name: .long, help: "Runs per size; median, min and max are reported.") var repeats: Int = 5
    @Option(name: .long, help: "Quickstart runs per network model (0: skip the quickstart).") var quickstartRepeats: Int = 3
    @Option(name: .long, help: "The quickstart's policy.") var policy: String = "random"
    @OptionGroup var output: BenchOutputOptions

    var flowCounts: [Int] = []
    var siteCounts: [Int] = []
    var changeCount = 0
    enum CodingKeys: String, CodingKey { case flows, changes, regions, sites, repeats, quickstartRepeats, policy, output }

    mutating func validate() throws {
        flowCounts = try flows.flatMap { $0.split(separator: ",") }.map { try count(String($0), option: "--flows", minimum: 1) }
        siteCounts = try sites.flatMap { $0.split(separator: ",") }.map { try count(String($0), option: "--sites", minimum: 0) }
        changeCount = try count(changes, option: "--changes", minimum: 0)
        guard regions >= 1 && regions <= 65536 else { throw ValidationError("--regions must be in 1…65536 (got \(regions))") }
        guard repeats >= 1 else { throw ValidationError("--repeats must be at least 1 (got \(repeats))") }
        guard quickstartRepeats >= 0 else { throw ValidationError("--quickstart-repeats must be at least 0 (got \(quickstartRepeats))") }
    }

    func run() throws {
        var runs: [FlowBenchmark.ChangesRun] = []
        for s in siteCounts where changeCount > 0 {   // --changes 0: the quickstart only
            for f in flowCounts {
                for i in 0..<repeats {
                    let r = FlowBenchmark.changes(regions: regions, sites: s, flows: f, changes: changeCount)
                    output.progress("flows \(f), sites \(s), run \(i + 1): \(Int(r.changesPerSecond)) changes/s wall, \(Int(r.changesPerCPUSecond)) per CPU-second (\(r.buckets) buckets; \(r.replayed) replayed, \(r.filled) filled, \(r.refused) refused)")
                    runs.append(r)
                }
            }
        }
        var quick: [FlowBenchmark.QuickstartRun] = []
        for i in 0..<quickstartRepeats {
            for model in ["latency", "flows"] {
                let r = try FlowBenchmark.quickstart(model: model, policy: policy)
                output.progress("quickstart \(model), run \(i + 1): \(String(format: "%.2f", r.seconds)) s, \(r.events) events, \(r.tasksDone) tasks done")
                quick.append(r)
            }
        }
        let command = "swarmlab bench flows " + CommandLine.arguments.dropFirst(3).joined(separator: " ")
        struct Rows: Encodable { var changes: [FlowBenchmark.ChangesRun]; var quickstart: [FlowBenchmark.QuickstartRun] }
        try output.publish(Rows(changes: runs, quickstart: quick),
                           markdown: FlowBenchmark.markdown(changes: runs, quickstart: quick, command: command), section: "flows")
    }
}
