import ArgumentParser
import Foundation
import SwarmLab

struct ResultsBenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "results",
        abstract: "Writing results: attempts recorded and written as /tasks rows, per deflate level.",
        discussion: "Goal (issue [4]): at least 1M task rows/s written at the default level.")

    @Option(name: .long, help: "Attempt rows to write.") var rows: String = "1e6"
    @Option(name: .long, parsing: .upToNextOption, help: "Deflate levels to measure (0 = no compression).")
    var levels: [Int] = [0, 1, 4]
    @OptionGroup var output: BenchOutputOptions

    var rowCount = 0
    enum CodingKeys: String, CodingKey { case rows, levels, output }

    mutating func validate() throws {
        rowCount = try count(rows, option: "--rows", minimum: 1)
        if let bad = levels.first(where: { !(0...9).contains($0) }) { throw ValidationError("--levels: \(bad) is not a deflate level 0…9") }
    }

    func run() throws {
        output.progress("writing \(rowCount) rows at deflate levels \(levels.map(String.init).joined(separator: ", "))…")
        let results = try ResultsBenchmark.run(rows: rowCount, levels: levels)
        let command = "swarmlab bench results " + CommandLine.arguments.dropFirst(3).joined(separator: " ")
        try output.publish(results, markdown: ResultsBenchmark.markdown(results, command: command), section: "results")
    }
}
