import Foundation
import SwarmResults

/// `swarmlab report`: one self-contained HTML page (figures embedded as `data:` PNGs, no network
/// at view time) from one or more results files — provenance, per-policy summaries with 95%
/// intervals, latency CDFs, makespan and throughput with error bars, the timeline, churn and lost
/// work, energy, cost and carbon, and for a sweep each metric against each axis (docs/report.md).
///
/// The figures are drawn by matplotlib, not by Swift: the renderer checks its inputs, then runs
/// `python/report.py` (a resource of this target, with its modules) with a Python that has h5py, numpy and matplotlib —
/// the project's venv that `scripts/python-env` builds.
public struct ReportRenderer {
    /// Why a report could not be written; `kind` decides the CLI's exit code.
    public struct Failure: Error, CustomStringConvertible {
        public enum Kind: Sendable { case noInput, badInput, environment, failed }
        public var kind: Kind
        public var description: String
    }

    /// The Python interpreter that runs `report.py`.
    public var python: String
    /// `report.py` itself.
    public var script: String

    /// Finds the Python and the script. The Python is `pythonPath` when given, else
    /// `$SWARMLAB_PYTHON`, else the `.build/pyenv` of the checkout this binary was built in or
    /// of the current folder; it must import h5py, numpy and matplotlib. Throws a `Failure`
    /// naming the command that makes the environment when none does.
    public init(pythonPath: String? = nil, environment: [String: String] = ProcessInfo.processInfo.environment) throws {
        script = try Self.findScript()
        let candidates = pythonPath.map { [$0] } ?? (environment["SWARMLAB_PYTHON"].map { [$0] } ?? Self.venvCandidates())
        let usable = candidates.first { FileManager.default.isExecutableFile(atPath: $0) && Self.hasPackages($0) }
        guard let python = usable else {
            let tried = candidates.isEmpty ? "" : " (tried: \(candidates.joined(separator: ", ")))"
            throw Failure(kind: .environment, description:
                "swarmlab report draws its figures with matplotlib and needs a Python with h5py, numpy and matplotlib\(tried). "
                + "Create the project's environment with `scripts/python-env` (or `make test`) in the Swarmlab checkout, "
                + "or point SWARMLAB_PYTHON (or --python) at such an interpreter.")
        }
        self.python = python
    }

    /// Writes the page for `inputs` to `output` (through a temporary file, renamed when
    /// complete). Returns matplotlib's messages on stderr, if any.
    @discardableResult
    public func render(_ inputs: [String], to output: String) throws -> String {
        guard !inputs.isEmpty else { throw Failure(kind: .badInput, description: "no results file given") }
        for path in inputs {
            guard FileManager.default.isReadableFile(atPath: path) else {
                throw Failure(kind: .noInput, description: "cannot read \(path)")
            }
            do { try ResultsReader(path: path).checkSchema() } catch {
                throw Failure(kind: .badInput, description: error.description)
            }
        }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: python)
        p.arguments = [script, output] + inputs
        var environment = ProcessInfo.processInfo.environment
        environment["MPLBACKEND"] = "Agg"
        environment["PYTHONDONTWRITEBYTECODE"] = "1"  // nothing written beside the resource
        environment["MPLCONFIGDIR"] = environment["MPLCONFIGDIR"] ?? NSTemporaryDirectory() + "swarmlab-matplotlib"
        p.environment = environment
        let errors = Pipe()
        p.standardError = errors
        p.standardOutput = FileHandle.nullDevice
        try p.run()
        let message = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        guard p.terminationStatus == 0 else {
            throw Failure(kind: .failed, description: "report.py failed (status \(p.terminationStatus)):\n\(message)")
        }
        return message
    }

    /// The output path when none is given: `NAME.html` beside a single input, `report.html` for several.
    public static func defaultOutput(for inputs: [String]) -> String {
        guard inputs.count == 1, let input = inputs.first else { return "report.html" }
        let url = URL(fileURLWithPath: input)
        return url.deletingPathExtension().appendingPathExtension("html").path
    }

    /// `report.py` as SwiftPM copied it beside the executable (`Swarmlab_SwarmLab.resources`),
    /// or in the source tree this binary was built from.
    static func findScript() throws -> String {
        let executable = URL(fileURLWithPath: CommandLine.arguments.first ?? "").resolvingSymlinksInPath().deletingLastPathComponent()
        let candidates = [
            Bundle.main.bundleURL.appendingPathComponent("Swarmlab_SwarmLab.resources/python/report.py").path,
            executable.appendingPathComponent("Swarmlab_SwarmLab.resources/python/report.py").path,
            URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("python/report.py").path,
        ]
        guard let found = candidates.first(where: { FileManager.default.isReadableFile(atPath: $0) }) else {
            throw Failure(kind: .environment, description: "report.py not found (looked in \(candidates.joined(separator: ", ")))")
        }
        return found
    }

    /// `.build/pyenv/bin/python` of the checkout the binary was built in (found from the
    /// executable's folder upwards and from the sources' path) and of the current folder.
    static func venvCandidates() -> [String] {
        var roots: [URL] = []
        var folder = URL(fileURLWithPath: CommandLine.arguments.first ?? "").resolvingSymlinksInPath().deletingLastPathComponent()
        for _ in 0..<4 {
            if folder.lastPathComponent == ".build" { roots.append(folder.deletingLastPathComponent()) }
            folder = folder.deletingLastPathComponent()
        }
        // Sources/SwarmLab/Report/ReportRenderer.swift → the checkout.
        roots.append(URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent())
        roots.append(URL(fileURLWithPath: FileManager.default.currentDirectoryPath))
        var seen = Set<String>()
        return roots.map { $0.appendingPathComponent(".build/pyenv/bin/python").path }.filter { seen.insert($0).inserted }
    }

    static func hasPackages(_ python: String) -> Bool {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: python)
        p.arguments = ["-c", "import h5py, numpy, matplotlib"]
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        do { try p.run() } catch { return false }
        p.waitUntilExit()
        return p.terminationStatus == 0
    }
}
