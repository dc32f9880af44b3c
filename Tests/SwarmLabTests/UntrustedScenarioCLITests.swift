import Foundation
import Testing

@Suite("swarmlab on untrusted scenario files")
struct UntrustedScenarioCLITests {
    static let outsideFile = "/etc/hostname"

    static func scenario(_ arrivals: String) -> String {
        """
        version: 1
        name: untrusted
        seed: 1
        duration: 10min
        regions:
          - { name: us, utc_offset: -5 }
        fleet:
          - { class: edge-box, region: us, count: 2 }
        workloads:
          - traced_requests: { file: \(arrivals), work: { seconds: 1s } }
        policies: [random]
        """
    }

    @Test("check refuses a file outside the scenario's folder (exit 65, naming --allow-paths) and accepts it with --allow-paths")
    func allowPaths() throws {
        let (outside, _) = try temporaryScenario("arrivals.csv", "arrival_s\n0.5\n1.5\n")
        defer { try? FileManager.default.removeItem(at: outside) }
        let csv = outside.appendingPathComponent("arrivals.csv").path
        let (dir, file) = try temporaryScenario("s.yaml", Self.scenario(csv))
        defer { try? FileManager.default.removeItem(at: dir) }
        let refused = try swarmlab("check", file)
        #expect(refused.status == 65)
        #expect(refused.stderr.contains("\(file):10:") && refused.stderr.contains("absolute path") && refused.stderr.contains("--allow-paths"))
        for command in [["check", file], ["run", file, "--output", "none", "--quiet"]] {
            let allowed = try swarmlab(command + ["--allow-paths", outside.path])
            #expect(allowed.status == 0, "\(command): \(allowed.stderr)")
        }
        // validate reads with the flag too: another folder allowed, this one still refused.
        let validate = try swarmlab("validate", file, "--results", "none", "--allow-paths", dir.path)
        #expect(validate.status != 0 && validate.stderr.contains("absolute path") && validate.stderr.contains("--allow-paths"), "\(validate.stderr)")
        for command in ["run", "check", "sweep", "validate"] {
            #expect(try swarmlab(command, "--help").stdout.contains("--allow-paths <DIR>"), "\(command) --help")
        }
    }

    @Test("check on a list nested 100,000 deep reports the nesting limit instead of crashing")
    func deepNesting() throws {
        let (dir, file) = try temporaryScenario("deep.yaml", String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000))
        defer { try? FileManager.default.removeItem(at: dir) }
        let r = try swarmlab("check", file)
        #expect(r.status == 65)
        #expect(r.stderr.contains("\(file):1:") && r.stderr.contains("nesting is deeper than"))
    }
}
