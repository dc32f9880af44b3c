import Foundation
import Testing

/// A package outside Swarmlab's (Tests/Fixtures/OutsidePackage) depends on it by path and runs
/// a policy of its own with `import SwarmLab` alone — what a researcher's package does. Built
/// with its own scratch folder under .build (the first build compiles Swarmlab again; later
/// ones reuse it).
@Suite("Library API: a package outside Swarmlab's")
struct OutsidePackageTests {
    @Test("a package depending on Swarmlab by path builds with one import and runs its own policy beside a built-in one")
    func outsidePackage() throws {
        let fixture = repositoryRoot.appendingPathComponent("Tests/Fixtures/OutsidePackage").path
        let scratch = repositoryRoot.appendingPathComponent(".build/outside-package").path
        // Planned and compiled again each time, reusing the dependency's objects: an incremental
        // build neither sees source files added to a path dependency (its plan is cached) nor
        // recompiles a dependent when only a dependency's stored properties changed (a stale
        // layout of a Swarmlab struct in it would crash).
        for sub in ["debug.yaml", "x86_64-unknown-linux-gnu/debug/description.json",
                    "x86_64-unknown-linux-gnu/debug/CustomPolicyRun.build"] {
            try? FileManager.default.removeItem(atPath: scratch + "/" + sub)
        }
        let build = try shell(["swift", "build", "--package-path", fixture, "--scratch-path", scratch])
        #expect(build.status == 0, "swift build of the outside package failed:\n\(build.output.suffix(3000))")
        guard build.status == 0 else { return }
        let (dir, file) = try temporaryScenario("mine.yaml", OneImportTests.mine(tasks: 5))
        defer { try? FileManager.default.removeItem(at: dir) }
        let run = try shell([scratch + "/debug/CustomPolicyRun", file])
        #expect(run.status == 0, "\(run.output)")
        #expect(run.output.split(separator: "\n").map(String.init) == ["highest-idle 5/5", "random 5/5"])
    }

    func shell(_ arguments: [String]) throws -> (status: Int32, output: String) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = arguments
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("swarmlab-outside-\(getpid())-\(UInt32.random(in: 0...UInt32.max)).log")
        FileManager.default.createFile(atPath: out.path, contents: nil)
        defer { try? FileManager.default.removeItem(at: out) }
        let handle = try FileHandle(forWritingTo: out)
        p.standardOutput = handle; p.standardError = handle
        try p.run()
        p.waitUntilExit()
        try handle.close()
        return (p.terminationStatus, (try? String(contentsOf: out, encoding: .utf8)) ?? "")
    }
}
