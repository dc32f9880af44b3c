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
    @Option(name: .long, help: "Timeline sampling interval in the results file, e.g. 10s (default: from the duration, ≤ 2,000 samples).")
    var timelineInterval: String?
    @Flag(name: .long, help: "No progress on stderr.") var quiet = false

    func validate() throws {
        if let t = timelineInterval {
            do { _ = try ScenarioRunner.timelineInterval(t) } catch { throw ValidationError("\(error)") }
        }
    }

    func run() throws {
        // A live status line only on a terminal: logs and pipes get the per-policy lines.
        let terminal = isatty(STDERR_FILENO) == 1 && !quiet
        let live: ((String) -> Void)? = terminal ? { line in
            FileHandle.standardError.write(Data(("\r\u{1B}[2K" + line).utf8))
        } : nil
        do {
            let interval = try timelineInterval.map(ScenarioRunner.timelineInterval)
            print(try ScenarioRunner.runFile(scenario, output: output, timelineInterval: interval, progress: { line in
                if !quiet { FileHandle.standardError.write(Data(((terminal ? "\r\u{1B}[2K" : "") + line + "\n").utf8)) }
            }, live: live), terminator: "")
        } catch let e as ScenarioRunner.FileError {
            throw ValidationError(e.description)
        }
    }
}

struct CheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "check", abstract: "Check a scenario file and say what it describes.")
    @Argument(help: "Scenario file (YAML).") var scenario: String

    func run() throws {
        do { print(try ScenarioRunner.checkFile(scenario)) }
        catch let e as ScenarioRunner.FileError { throw ValidationError(e.description) }
    }
}
