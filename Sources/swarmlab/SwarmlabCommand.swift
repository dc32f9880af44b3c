import ArgumentParser
import SwarmLab

@main
struct SwarmlabCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "swarmlab",
        abstract: "A discrete-event simulator for AI work on millions of intermittent devices.",
        subcommands: [RunCommand.self, CheckCommand.self, SweepCommand.self, SizeCommand.self, InspectCommand.self, MergeCommand.self, BenchCommand.self,
                      CalibrateCommand.self, ValidateCommand.self, ReportCommand.self])
}
