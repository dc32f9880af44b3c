import ArgumentParser
import Foundation
import SwarmResults

struct InspectCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inspect",
        abstract: "Summarise a results file: root attributes, groups, tables with row counts, each run's summary.",
        discussion: "Exit code 1 when the file is not a Swarmlab results file of this schema version.")

    @Argument(help: "Results file (HDF5).") var file: String?
    @Flag(name: .long, help: "Print the summary as JSON.") var json = false
    @Flag(name: .long, help: "Print the results schema (Markdown, as in docs/results-schema.md) instead.") var schema = false

    func validate() throws {
        if file == nil && !schema { throw ValidationError("give a results file (or --schema)") }
    }

    func run() throws {
        if schema { print(ResultsSchema.markdown(), terminator: ""); return }
        do {
            let report = try ResultsInspection(path: file!)
            print(json ? report.json() : report.text, terminator: json ? "\n" : "")
        } catch {
            FileHandle.standardError.write(Data("swarmlab inspect: \(error.description)\n".utf8))
            throw ExitCode.failure
        }
    }
}
