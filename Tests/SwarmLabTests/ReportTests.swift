import Foundation
import Testing
import SwarmLab

/// `swarmlab report` end to end: results written by the built binary, the page drawn by
/// matplotlib (scripts/python-env), then opened in headless Chromium (scripts/chromium-env).
@Suite("swarmlab report")
struct ReportTests {
    /// A fresh folder under the system's temporary one.
    static func folder(_ name: String) throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("swarmlab-report-\(name)-\(getpid())-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// Runs one of the project's scripts that install what they need when missing; its last line is a path.
    static func scriptPath(_ script: String) throws -> String {
        let r = try runProcess("/bin/bash", [repositoryRoot.appendingPathComponent("scripts/\(script)").path])
        guard r.status == 0, let path = r.output.split(separator: "\n").last.map(String.init),
              FileManager.default.isExecutableFile(atPath: path) else {
            throw CLIError(description: "scripts/\(script) failed (status \(r.status)):\n\(r.output)")
        }
        return path
    }

    /// `swarmlab report INPUTS -o folder/NAME.html`, checked to succeed; returns the page.
    static func report(_ inputs: [String], into folder: URL, name: String) throws -> (path: String, html: String) {
        let output = folder.appendingPathComponent("\(name).html").path
        let r = try swarmlab(["report"] + inputs + ["-o", output, "--python", try scriptPath("python-env")])
        #expect(r.status == 0, "swarmlab report failed: \(r.stderr)")
        #expect(r.stdout.contains("Report written to \(output)"))
        return (output, try String(contentsOfFile: output, encoding: .utf8))
    }

    /// Headless Chromium with a throwaway profile; returns its stdout.
    static func chromium(_ arguments: [String], in folder: URL) throws -> String {
        let browser = try scriptPath("chromium-env")
        let r = try runProcess("/usr/bin/timeout", ["60", browser, "--headless", "--no-sandbox", "--disable-gpu",
                                                      "--user-data-dir=\(folder.appendingPathComponent("chromium").path)",
                                                      "--virtual-time-budget=5000"] + arguments, in: folder)
        #expect(r.status == 0, "chromium failed (status \(r.status)): \(r.output.suffix(2000))")
        return r.output
    }

    /// Figures in the page: every one an embedded PNG, and nothing fetched from elsewhere.
    static func checkSelfContained(_ html: String) -> Int {
        let images = html.components(separatedBy: "<img ").count - 1
        let embedded = html.components(separatedBy: "src=\"data:image/png;base64,").count - 1
        #expect(images == embedded, "every <img> should be a data: URI: \(images) images, \(embedded) embedded")
        for remote in ["src=\"http", "href=\"http", "<link", "@import", "url(http"] {
            #expect(!html.contains(remote), "the page refers to something outside itself (\(remote))")
        }
        return images
    }

    /// What the page's own script found after load: `LOADED/TOTAL` decoded figures.
    static func figuresLoaded(_ page: String, in folder: URL) throws -> String? {
        let dom = try chromium(["--dump-dom", URL(fileURLWithPath: page).absoluteString], in: folder)
        guard let range = dom.range(of: #"data-figures="([^"]*)""#, options: .regularExpression) else { return nil }
        return String(dom[range].dropFirst("data-figures=\"".count).dropLast())
    }

    @Test("a run's report is one self-contained page; Chromium loads every figure and the screenshot is not blank")
    func runReport() throws {
        let folder = try Self.folder("run")
        defer { try? FileManager.default.removeItem(at: folder) }
        let results = folder.appendingPathComponent("bag.h5").path
        let run = try swarmlab("run", "scenarios/examples/bag-of-tasks.yaml", "--output", results, "--quiet")
        try #require(run.status == 0, "swarmlab run failed: \(run.stderr)")
        let (page, html) = try Self.report([results], into: folder, name: "bag")
        for heading in ["Scenario and provenance", "Summary per policy", "Makespan and throughput", "Latency",
                        "Timeline", "Churn and lost work", "Energy, cost and carbon", "random", "round-robin"] {
            #expect(html.contains(heading), "the page lacks \(heading)")
        }
        let images = Self.checkSelfContained(html)
        #expect(images >= 5, "expected a figure per section (5), found \(images)")
        #expect(try Self.figuresLoaded(page, in: folder) == "\(images)/\(images)")

        let shot = folder.appendingPathComponent("shot.png").path
        _ = try Self.chromium(["--window-size=1200,2400", "--screenshot=\(shot)", URL(fileURLWithPath: page).absoluteString], in: folder)
        // Distinct colours and the share of non-white pixels, counted by Pillow (matplotlib's own dependency).
        let measure = """
            import sys, numpy as np; from PIL import Image
            a = np.asarray(Image.open(sys.argv[1]).convert("RGB")).reshape(-1, 3)
            print(len(np.unique(a, axis=0)), float((a != 255).any(axis=1).mean()))
            """
        let r = try runProcess(try Self.scriptPath("python-env"), ["-c", measure, shot])
        let numbers = r.output.split(whereSeparator: \.isWhitespace).compactMap { Double($0) }
        try #require(r.status == 0 && numbers.count == 2, "could not measure the screenshot: \(r.output)")
        #expect(numbers[0] > 100, "a blank-looking screenshot: \(Int(numbers[0])) distinct colours")
        #expect(numbers[1] > 0.05, "a blank-looking screenshot: \(numbers[1] * 100)% non-white pixels")
    }

    @Test("a sweep's report plots each metric against the sweep's axis, per policy, and Chromium loads every figure")
    func sweepReport() throws {
        let folder = try Self.folder("sweep")
        defer { try? FileManager.default.removeItem(at: folder) }
        // The example sweep, smaller: 3 fleet sizes × 2 policies × 2 replications of a 300-task bag.
        let example = try String(contentsOf: repositoryRoot.appendingPathComponent("scenarios/examples/sweep.yaml"), encoding: .utf8)
        let small = example.replacingOccurrences(of: "tasks: 3000", with: "tasks: 300")
        try #require(small != example, "scenarios/examples/sweep.yaml no longer has `tasks: 3000`")
        let scenario = folder.appendingPathComponent("sweep.yaml")
        try small.write(to: scenario, atomically: true, encoding: .utf8)
        let results = folder.appendingPathComponent("sweep.h5").path
        let sweep = try swarmlab("sweep", scenario.path, "--replications", "2", "--output", results, "--quiet")
        try #require(sweep.status == 0, "swarmlab sweep failed: \(sweep.stderr)")
        let (page, html) = try Self.report([results], into: folder, name: "sweep")
        #expect(html.contains("Sweep: each metric against each axis"))
        #expect(html.contains("Each metric against fleet[1].count, per policy."))
        #expect(html.contains("availability-aware") && html.contains("random"))
        #expect(html.contains(" ± "), "replicated runs should show 95% intervals")
        let images = Self.checkSelfContained(html)
        #expect(images >= 6)
        #expect(try Self.figuresLoaded(page, in: folder) == "\(images)/\(images)")
    }

    @Test("a size file's report shows the search: every candidate with its price and targets, the answer, a figure Chromium loads")
    func sizeReport() throws {
        let folder = try Self.folder("size")
        defer { try? FileManager.default.removeItem(at: folder) }
        // The sizing example, smaller: 1 200 requests over 3 minutes, two replications.
        let example = try String(contentsOf: repositoryRoot.appendingPathComponent("scenarios/examples/sizing.yaml"), encoding: .utf8)
        let small = example.replacingOccurrences(of: "count: 12000", with: "count: 1200")
            .replacingOccurrences(of: "duration: 30min", with: "duration: 3min")
            .replacingOccurrences(of: "replications: 3", with: "replications: 2")
        try #require(small.contains("count: 1200\n") && small.contains("replications: 2\n"), "scenarios/examples/sizing.yaml changed shape")
        let scenario = folder.appendingPathComponent("sizing.yaml")
        try small.write(to: scenario, atomically: true, encoding: .utf8)
        let results = folder.appendingPathComponent("sizing-size.h5").path
        let size = try swarmlab("size", scenario.path, "--output", results)
        try #require(size.status == 0, "swarmlab size failed: \(size.stderr)")
        let (page, html) = try Self.report([results], into: folder, name: "size")
        #expect(html.contains("The sizing search") && html.contains("Answer: <b>fleet[0].count="))
        // one table row per candidate the search tried, and a column per target
        let candidates = try ResultsReader(path: results).tableShape("size_candidates").rows
        #expect(candidates >= 2)
        #expect(html.components(separatedBy: "<td>yes</td>").count - 1 + html.components(separatedBy: "<td>no</td>").count - 1 == candidates)
        #expect(html.contains("<th>latency_p95</th>") && html.contains("<th>slo_attainment</th>") && html.contains("<th>cost_per_day</th>"))
        let images = Self.checkSelfContained(html)
        #expect(images == 1)
        #expect(try Self.figuresLoaded(page, in: folder) == "1/1")
    }

    @Test("a run with elastic pools gets a pool-size panel and the pools' bill")
    func elasticPools() throws {
        let folder = try Self.folder("elastic")
        defer { try? FileManager.default.removeItem(at: folder) }
        let results = folder.appendingPathComponent("bag.h5").path
        let run = try swarmlab("run", "scenarios/examples/bag-of-tasks.yaml", "--output", results, "--quiet")
        try #require(run.status == 0, "swarmlab run failed: \(run.stderr)")
        // /<run>/elastic and /<run>/pools as docs/results-schema.md describes them (written here with h5py
        // so this test does not depend on a scenario with pools): pool "burst" scales up to 4, then down to 2.
        let add = """
            import sys, h5py, numpy as np
            with h5py.File(sys.argv[1], "a") as f:
                for run in ["random", "round-robin"]:
                    e = f.create_dataset(f"{run}/elastic", data=np.array([(0.0, 0, 0, 4, 4, 0, 4), (3.0, 0, 1, 4, 4, 4, 4), (12.0, 0, 2, 2, 2, 2, 2)],
                        dtype=[("time", "<f8"), ("pool", "<u2"), ("event", "u1"), ("devices", "<u4"), ("size", "<u4"), ("up", "<u4"), ("desired", "<u4")]))
                    e.attrs["pool_names"] = ["burst"]
                    p = f.create_dataset(f"{run}/pools", data=np.array([(0, 0, 8, 4, 1, 1, 0.5, 1.0, 2.5)],
                        dtype=[("pool", "<u2"), ("min", "<u4"), ("max", "<u4"), ("peak", "<u4"), ("scale_ups", "<u4"), ("scale_downs", "<u4"),
                               ("provisioned_hours", "<f8"), ("billed_hours", "<f8"), ("cost", "<f8")]))
                    p.attrs["pool_names"] = ["burst"]
            """
        let written = try runProcess(try Self.scriptPath("python-env"), ["-c", add, results])
        try #require(written.status == 0, "could not add the pool tables: \(written.output)")
        let (_, html) = try Self.report([results], into: folder, name: "elastic")
        #expect(html.contains("the size of each elastic pool"), "no pool-size panel")
        #expect(html.contains("<td>burst</td><td>0</td><td>8</td><td>4</td><td>1</td><td>1</td><td>0.5</td><td>1</td><td>2.5</td>"),
                "the pools table should list burst: min 0, max 8, peak 4, one scale-up and -down, 0.5 h, 1 h billed, 2.5 USD")
    }

    @Test("the page goes beside a single input as NAME.html, and to report.html for several")
    func defaultOutput() {
        #expect(ReportRenderer.defaultOutput(for: ["results/quickstart.h5"]).hasSuffix("/results/quickstart.html"))
        #expect(ReportRenderer.defaultOutput(for: ["/tmp/a.h5", "/tmp/b.h5"]) == "report.html")
    }

    @Test("report refuses a file that is not a results file (65) and says which command makes a missing Python environment (69)")
    func errors() throws {
        let folder = try Self.folder("errors")
        defer { try? FileManager.default.removeItem(at: folder) }
        let bogus = folder.appendingPathComponent("bogus.h5").path
        try "not HDF5".write(toFile: bogus, atomically: true, encoding: .utf8)
        let bad = try swarmlab("report", bogus, "-o", folder.appendingPathComponent("x.html").path,
                               "--python", try Self.scriptPath("python-env"))
        #expect(bad.status == 65)
        #expect(bad.stderr.contains("not an HDF5 file"), "stderr: \(bad.stderr)")
        let noPython = try swarmlab("report", bogus, "--python", folder.appendingPathComponent("no-python").path)
        #expect(noPython.status == 69)
        #expect(noPython.stderr.contains("scripts/python-env"), "stderr: \(noPython.stderr)")
        #expect(!FileManager.default.fileExists(atPath: folder.appendingPathComponent("bogus.html").path))
    }
}
