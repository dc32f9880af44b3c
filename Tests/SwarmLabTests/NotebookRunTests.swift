import Foundation
import Testing

/// The notebooks of `notebooks-export/` run on a results file they were not written for: each
/// takes the file as its parameter (a papermill `parameters` cell reading `SWARMLAB_RESULTS`), and
/// Jupyter executes it, in the notebooks' own venv (scripts/notebooks-env), without an error.
@Suite("notebooks-export run on a fresh results file")
struct NotebookRunTests {
    /// Which results file each notebook reads: a run's (quickstart) or a sweep's.
    static let cases: [(notebook: String, sweep: Bool)] = [("quickstart.ipynb", false), ("sweep.ipynb", true), ("policies.ipynb", true)]

    @Test("each notebook's first code cell is a papermill parameters cell reading SWARMLAB_RESULTS", arguments: NotebookTests.notebooks)
    func parameterCell(_ notebook: String) throws {
        let data = try Data(contentsOf: NotebookTests.folder.appendingPathComponent(notebook))
        let json = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let code = try #require(json["cells"] as? [[String: Any]]).filter { $0["cell_type"] as? String == "code" }
        let first = try #require(code.first, "\(notebook) has no code cell")
        let tags = (first["metadata"] as? [String: Any])?["tags"] as? [String] ?? []
        #expect(tags.contains("parameters"), "\(notebook): the first code cell should be tagged `parameters`")
        let source = (first["source"] as? [String])?.joined() ?? (first["source"] as? String ?? "")
        #expect(source.contains(#"results_file = os.environ.get("SWARMLAB_RESULTS", "#), "\(notebook): \(source)")
        let rest = code.dropFirst().map { ($0["source"] as? [String])?.joined() ?? "" }.joined()
        #expect(rest.contains("h5py.File(results_file"), "\(notebook) should open the file its parameter names")
    }

    @Test("Jupyter executes each notebook on a results file made by the test, without an error", arguments: cases.map(\.notebook))
    func execute(_ notebook: String) throws {
        let sweep = Self.cases.first { $0.notebook == notebook }!.sweep
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("swarmlab-notebook-\(getpid())-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let results = folder.appendingPathComponent(sweep ? "sweep.h5" : "run.h5").path
        if sweep {
            // The example sweep, smaller: a 300-task bag, 2 replications.
            let example = try String(contentsOf: repositoryRoot.appendingPathComponent("scenarios/examples/sweep.yaml"), encoding: .utf8)
            let scenario = folder.appendingPathComponent("sweep.yaml")
            try example.replacingOccurrences(of: "tasks: 3000", with: "tasks: 300").write(to: scenario, atomically: true, encoding: .utf8)
            let r = try swarmlab("sweep", scenario.path, "--replications", "2", "--output", results, "--quiet")
            try #require(r.status == 0, "swarmlab sweep failed: \(r.stderr)")
        } else {
            let r = try swarmlab("run", "scenarios/examples/inference-requests.yaml", "--output", results, "--timeline-interval", "5s", "--quiet")
            try #require(r.status == 0, "swarmlab run failed: \(r.stderr)")
        }
        let python = try ReportTests.scriptPath("notebooks-env")
        let p = Process()
        p.executableURL = URL(fileURLWithPath: python)
        p.arguments = ["-m", "jupyter", "nbconvert", "--to", "notebook", "--execute", "--ExecutePreprocessor.timeout=120",
                       "--output-dir", folder.path, NotebookTests.folder.appendingPathComponent(notebook).path]
        p.currentDirectoryURL = NotebookTests.folder
        var environment = ProcessInfo.processInfo.environment
        environment["SWARMLAB_RESULTS"] = results
        environment["MPLBACKEND"] = nil  // Jupyter's inline backend, which keeps the figures in the notebook
        p.environment = environment
        let out = Pipe()
        p.standardOutput = out
        p.standardError = out
        try p.run()
        let output = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        #expect(p.terminationStatus == 0, "jupyter nbconvert --execute \(notebook) failed:\n\(output.suffix(3000))")
        let executed = try Data(contentsOf: folder.appendingPathComponent(notebook))
        let json = try #require(try JSONSerialization.jsonObject(with: executed) as? [String: Any])
        let code = try #require(json["cells"] as? [[String: Any]]).filter { $0["cell_type"] as? String == "code" }
        let outputs = code.flatMap { $0["outputs"] as? [[String: Any]] ?? [] }
        #expect(outputs.allSatisfy { $0["output_type"] as? String != "error" }, "\(notebook) raised an error")
        let figures = outputs.filter { (($0["data"] as? [String: Any])?["image/png"]) != nil }
        #expect(figures.count >= 2, "\(notebook) drew \(figures.count) figures on \(results)")
        #expect(code.allSatisfy { $0["execution_count"] is Int }, "\(notebook): a code cell was not executed")
        // It read the file it was given, not the default: that file's scenario or replications show in its output.
        let text = String(decoding: executed, as: UTF8.self)
        #expect(text.contains(sweep ? "replications: 2" : "example-inference-requests"), "\(notebook) did not print what \(results) holds")
    }
}
