import ArgumentParser
import SwarmLab

struct CheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Check a scenario file: what it describes and the memory it will need.",
        discussion: "With --explain, prints the scenario with every default filled in, with units (YAML that parses to the same scenario).")
    @Argument(help: "Scenario file (YAML).") var scenario: String
    @Flag(name: .long, help: "Print the scenario with every default filled in.") var explain = false
    @OptionGroup var paths: PathOptions

    func run() throws {
        print(try exitOnFailure { try ScenarioRunner.checkFile(scenario, explain: explain, allowedPaths: paths.allowPaths) }, terminator: "")
    }
}
