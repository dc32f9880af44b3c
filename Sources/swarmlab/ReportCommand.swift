import ArgumentParser
import Foundation
import SwarmLab

struct ReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Write one self-contained HTML page (figures embedded) from results or sweep files.",
        discussion: """
            Per file: scenario and provenance, each policy's summary with 95% intervals, latency CDFs, \
            makespan and throughput with error bars, the timeline, churn and lost work, energy, cost and \
            carbon, and for a sweep each metric against each axis per policy (docs/report.md). The figures \
            are drawn by matplotlib in the project's Python environment (scripts/python-env).
            """)

    @Argument(help: "Results files (HDF5) written by run, sweep or merge.") var files: [String] = []
    @Option(name: .shortAndLong, help: "HTML file to write (default: NAME.html beside a single input, report.html for several).")
    var output: String?
    @Option(name: .long, help: "Python with h5py, numpy and matplotlib (default: $SWARMLAB_PYTHON, else the checkout's .build/pyenv).")
    var python: String?
    @Flag(name: .long, help: "Print nothing but errors.") var quiet = false

    func validate() throws {
        if files.isEmpty { throw ValidationError("give at least one results file") }
    }

    func run() throws {
        let target = output ?? ReportRenderer.defaultOutput(for: files)
        let start = Date()
        try exitOnFailure {
            let renderer = try ReportRenderer(pythonPath: python)
            let messages = try renderer.render(files, to: target)
            if !messages.isEmpty { FileHandle.standardError.write(Data(messages.utf8)) }
        }
        if !quiet {
            let size = (try? FileManager.default.attributesOfItem(atPath: target)[.size] as? Int) ?? 0
            print("Report written to \(target) (\(size / 1000) kB, \(String(format: "%.1f", Date().timeIntervalSince(start))) s)")
        }
    }
}
