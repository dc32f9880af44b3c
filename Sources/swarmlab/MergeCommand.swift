import ArgumentParser
import Foundation
import SwarmResults

struct MergeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "merge",
        abstract: "Join shard results files (groups of distinct runs of one scenario) into one.",
        discussion: """
        Refuses shards of different scenarios or schema versions, and a group name found in two \
        shards. Root attributes come from the first shard (wall_time summed, hosts listed); \
        OUT appears only once complete (temporary file + rename).
        """)

    @Argument(help: "The merged file to write.") var output: String
    @Argument(help: "Shard files.") var shards: [String]

    func validate() throws {
        if shards.isEmpty { throw ValidationError("give at least one shard file after \(output)") }
        if shards.contains(output) { throw ValidationError("\(output) is both the output and a shard") }
    }

    func run() throws {
        do {
            let report = try ResultsMerge.merge(into: output, shards: shards)
            print("\(output): \(report.groups.count) runs from \(shards.count) shards"
                  + (report.tables.isEmpty ? "" : "; tables joined: \(report.tables.joined(separator: ", "))"))
        } catch {
            FileHandle.standardError.write(Data("swarmlab merge: \(error.description)\n".utf8))
            throw ExitCode.failure
        }
    }
}
