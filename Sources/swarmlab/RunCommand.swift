import ArgumentParser
import Foundation
import SwarmLab

struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run a scenario under each of its policies and compare them.",
        discussion: "Without a scenario, runs scenarios/quickstart.yaml. Results go to results/NAME.h5.")

    @Argument(help: "Scenario file (YAML).") var scenario: String = "scenarios/quickstart.yaml"
    @Option(name: .long, help: "Results file (default: results/NAME.h5; 'none' to skip).") var output: String?
    @Flag(name: .long, help: "No progress on stderr.") var quiet = false

    func run() throws {
        // A live status line only on a terminal: logs and pipes get the per-policy lines.
        let terminal = isatty(STDERR_FILENO) == 1 && !quiet
        let live: ((String) -> Void)? = terminal ? { line in
            FileHandle.standardError.write(Data(("\r\u{1B}[2K" + line).utf8))
        } : nil
        do {
            print(try ScenarioRunner.runFile(scenario, output: output, progress: { line in
                if !quiet { FileHandle.standardError.write(Data(((terminal ? "\r\u{1B}[2K" : "") + line + "\n").utf8)) }
            }, live: live), terminator: "")
        } catch let e as ScenarioRunner.FileError {
            throw ValidationError(e.description)
        }
    }
}
