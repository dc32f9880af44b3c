import Foundation
import Testing
import SwarmLab
import SwarmScenario

/// The built `swarmlab` binary, run as a user would. `make test` builds it first; set
/// SWARMLAB_BIN to test another build.
let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

func swarmlab(_ arguments: String...) throws -> (status: Int32, stdout: String, stderr: String) {
    try swarmlab(arguments)
}

func swarmlab(_ arguments: [String], environment: [String: String] = [:]) throws -> (status: Int32, stdout: String, stderr: String) {
    let binary = ProcessInfo.processInfo.environment["SWARMLAB_BIN"]
        ?? repositoryRoot.appendingPathComponent(".build/debug/swarmlab").path
    guard FileManager.default.isExecutableFile(atPath: binary) else {
        throw CLIError(description: "no swarmlab binary at \(binary): run `swift build` first")
    }
    let p = Process()
    p.executableURL = URL(fileURLWithPath: binary)
    p.arguments = arguments
    p.currentDirectoryURL = repositoryRoot
    if !environment.isEmpty { p.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 } }
    let out = Pipe(), err = Pipe()
    p.standardOutput = out
    p.standardError = err
    try p.run()
    // Small outputs only: both pipes fit in their buffers.
    p.waitUntilExit()
    return (p.terminationStatus,
            String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self),
            String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self))
}

struct CLIError: Error, CustomStringConvertible { var description: String }

/// Writes `text` as `name` in a fresh temporary folder; the caller removes the folder.
func temporaryScenario(_ name: String, _ text: String) throws -> (folder: URL, path: String) {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("swarmlab-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    let path = folder.appendingPathComponent(name).path
    try text.write(toFile: path, atomically: true, encoding: .utf8)
    return (folder, path)
}

@Suite("swarmlab command line")
struct CLITests {
    @Test("run says how far it is on a pipe too (a log, a Slurm job): a dated line per interval with simulated time, events/s and tasks")
    func progressOnAPipe() throws {
        let (dir, file) = try temporaryScenario("p.yaml", """
        version: 1
        name: progress-test
        seed: 1
        duration: 24h
        regions:
          - { name: eu }
        fleet:
          - { class: desktop, region: eu, count: 20000 }
        workloads:
          - bag: { tasks: 100000, work: { gemm: { m: 2048, n: 2048, k: 2048 } }, input: 10MB, output: 1MB }
        policies: [random]
        """)
        defer { try? FileManager.default.removeItem(at: dir) }
        // stderr is a pipe here; lines every 0.2 s (the runner looks at most every 0.5 s)
        let r = try swarmlab(["run", file, "--output", dir.appendingPathComponent("results/p.h5").path],
                             environment: ["SWARMLAB_PROGRESS_INTERVAL": "0.2"])
        #expect(r.status == 0)
        let lines = r.stderr.split(separator: "\n")
        #expect(lines.contains { $0.hasPrefix("[") && $0.contains("] random: ") && $0.contains(" simulated, ") && $0.contains(" events/s, ") && $0.contains("/100000 tasks") })
        #expect(lines.contains { $0.hasPrefix("random: 100000 of 100000 tasks in ") })
        // no terminal control sequences in a log
        #expect(!r.stderr.contains("\u{1B}["))
        // the results folder did not exist: it was created
        #expect(FileManager.default.fileExists(atPath: dir.appendingPathComponent("results/p.h5").path))
    }

    @Test("an unknown subcommand is refused with exit code 64 and a pointer to --help")
    func unknownSubcommand() throws {
        let r = try swarmlab("frobnicate")
        #expect(r.status == 64)
        #expect(r.stderr.contains("Unexpected argument 'frobnicate'"))
        #expect(r.stderr.contains("See 'swarmlab --help'"))
        #expect(r.stdout.isEmpty)
    }

    @Test("a negative or malformed N is refused with a clear message and exit code 64",
          arguments: [("-5", "--pending must be at least 1 (got -5)"),
                      ("0", "--pending must be at least 1 (got 0)"),
                      ("lots", "--pending: 'lots' is not a whole number"),
                      ("2.5", "--pending: '2.5' is not a whole number")])
    func badPending(value: String, message: String) throws {
        let r = try swarmlab("bench", "hold", "--pending=\(value)", "--operations", "10")
        #expect(r.status == 64)
        #expect(r.stderr.contains(message), "stderr was: \(r.stderr)")
    }

    @Test("a single hold run prints its figures and exits 0")
    func singleRun() throws {
        let r = try swarmlab("bench", "hold", "--single", "--pending", "1e3", "--operations", "10k")
        #expect(r.status == 0)
        #expect(r.stdout.contains("pending 1000 steps 10000 seconds"))
        #expect(r.stdout.contains("events_per_second "))
    }

    @Test("help text matches its snapshot", arguments: [["--help"], ["bench", "hold", "--help"], ["bench", "churn", "--help"], ["size", "--help"], ["check", "--help"]])
    func helpSnapshot(arguments: [String]) throws {
        let name = arguments.filter { $0 != "--help" }.joined(separator: "-")
        let snapshot = repositoryRoot.appendingPathComponent("Tests/SwarmLabTests/Snapshots/help\(name.isEmpty ? "" : "-" + name).txt")
        let r = try swarmlab(arguments)
        #expect(r.status == 0)
        if ProcessInfo.processInfo.environment["SWARMLAB_RECORD_SNAPSHOTS"] == "1" {
            try r.stdout.write(to: snapshot, atomically: true, encoding: .utf8)
        }
        let expected = try String(contentsOf: snapshot, encoding: .utf8)
        #expect(r.stdout == expected, "help changed; rerun with SWARMLAB_RECORD_SNAPSHOTS=1 to accept")
    }
}

@Suite("swarmlab inspect and merge")
struct InspectMergeCLITests {
    @Test("inspect summarises a results file, refuses other files with exit 1; merge refuses duplicate runs")
    func inspectAndMerge() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("swarmlab-cli-\(getpid())-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("run.h5").path
        let s = try Scenario.parse(text: ScenarioRunTests.text, file: "cli.yaml", policies: ["random", "availability-aware"])
        _ = try ScenarioRunner.run(s, resultsPath: path)

        let ok = try swarmlab("inspect", path)
        #expect(ok.status == 0)
        #expect(ok.stdout.contains("/random\n") && ok.stdout.contains("tasks_done           2500"), "\(ok.stdout)")
        let json = try swarmlab("inspect", path, "--json")
        #expect(json.status == 0 && (try? JSONSerialization.jsonObject(with: Data(json.stdout.utf8))) != nil)

        let text = folder.appendingPathComponent("notes.txt").path
        try "not hdf5".write(toFile: text, atomically: true, encoding: .utf8)
        let bad = try swarmlab("inspect", text)
        #expect(bad.status == 1)
        #expect(bad.stderr == "swarmlab inspect: \(text) is not an HDF5 file (so not a Swarmlab results file)\n")

        let out = folder.appendingPathComponent("merged.h5").path
        let twice = try swarmlab("merge", out, path, path)
        #expect(twice.status == 1)
        #expect(twice.stderr.contains("group 'availability-aware' is in both \(path) and \(path); shards must hold distinct runs"))
        #expect(!FileManager.default.fileExists(atPath: out))
    }

    @Test("a run killed mid-way leaves no file at the results path, only its temporary, which the next run removes")
    func killedRun() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("swarmlab-kill-\(getpid())-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let scenario = folder.appendingPathComponent("s.yaml").path, out = folder.appendingPathComponent("out.h5").path
        try ScenarioRunTests.text.write(toFile: scenario, atomically: true, encoding: .utf8)
        let p = Process()
        p.executableURL = URL(fileURLWithPath: ProcessInfo.processInfo.environment["SWARMLAB_BIN"]
            ?? repositoryRoot.appendingPathComponent(".build/debug/swarmlab").path)
        p.arguments = ["run", scenario, "--output", out, "--quiet"]
        p.standardOutput = FileHandle.nullDevice
        try p.run()
        // The temporary file appears before the first policy runs; kill the run then.
        let temporary = "\(out).tmp-\(p.processIdentifier)"
        var waited = 0
        while !FileManager.default.fileExists(atPath: temporary) && p.isRunning && waited < 2_000 { usleep(5_000); waited += 1 }
        kill(p.processIdentifier, SIGKILL)
        p.waitUntilExit()
        #expect(p.terminationReason == .uncaughtSignal, "the run was killed before it finished")
        #expect(FileManager.default.fileExists(atPath: temporary))
        #expect(!FileManager.default.fileExists(atPath: out), "nothing that looks complete at the results path")
        // The next run writes the file and removes the dead run's temporary.
        let again = try swarmlab(["run", scenario, "--output", out, "--quiet"])
        #expect(again.status == 0, "\(again.stderr)")
        #expect(FileManager.default.fileExists(atPath: out))
        #expect(!FileManager.default.fileExists(atPath: temporary), "the next run removed the killed run's temporary file")
    }
}
