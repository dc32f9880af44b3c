import Foundation
import Testing
import SwarmModel
import SwarmScenario
import SwarmPolicies
import SwarmResults
import SwarmRuntime
@testable import SwarmLab

@Suite("Validation, any machine")
struct ValidationProfileMatchingTests {
    static let committed = repositoryRoot.appendingPathComponent("results/calibration/2-core-x86_64-debian-12.json").path

    func folder() throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("swarmlab-profiles-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir.path
    }

    @Test("a profile is used only on a machine with its CPU model, cores and OpenBLAS core; another CPU of the same class is calibrated anew")
    func matching() throws {
        let dir = try folder()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var profile = try DeviceProfile.read(path: Self.committed)
        profile.blasCore = "Haswell"
        try profile.jsonData().write(to: URL(fileURLWithPath: dir + "/a.json"))
        let same = MachineIdentity(cpu: profile.cpu, cores: profile.cores, blasCore: "Haswell", blasConfiguration: "whatever")
        #expect(same.mismatch(profile) == nil)
        var calibrated: [String] = []
        let choice = try Calibration.choose(directory: dir, identity: same) { calibrated.append($0); return profile }
        #expect(choice.path == dir + "/a.json" && !choice.calibratedNow && calibrated.isEmpty)

        // Same machine class (2 cores, same OpenBLAS), another CPU: never that profile.
        let other = MachineIdentity(cpu: "Intel(R) Xeon(R) Platinum 8375C CPU @ 2.90GHz", cores: profile.cores,
                                    blasCore: "Haswell", blasConfiguration: profile.blas)
        #expect(other.mismatch(profile)?.contains("CPU") == true)
        let fresh = try Calibration.choose(directory: dir, identity: other) { path in calibrated.append(path); return profile }
        #expect(fresh.calibratedNow && calibrated.count == 1)
        #expect(fresh.path != dir + "/a.json" && fresh.path.hasPrefix(dir + "/"))
        #expect(fresh.path.contains("intel-r-xeon-r-platinum-8375c-cpu-2-90ghz--haswell"), "\(fresh.path)")
        #expect(fresh.reason.contains("a.json") && fresh.reason.contains("CPU"))
        // The two CPUs' default files differ.
        #expect(Calibration.defaultPath(directory: dir, identity: same) != Calibration.defaultPath(directory: dir, identity: other))
        // Another OpenBLAS core, or other cores, do not match either.
        #expect(MachineIdentity(cpu: profile.cpu, cores: profile.cores, blasCore: "Zen", blasConfiguration: "").mismatch(profile) != nil)
        #expect(MachineIdentity(cpu: profile.cpu, cores: 4, blasCore: "Haswell", blasConfiguration: "").mismatch(profile) != nil)
    }

    @Test("the committed profile, which predates the OpenBLAS core field, loads and matches only on its OpenBLAS build description")
    func legacyProfile() throws {
        let profile = try DeviceProfile.read(path: Self.committed)
        #expect(profile.blasCore == nil)
        let identity = MachineIdentity(cpu: profile.cpu, cores: profile.cores, blasCore: "Haswell", blasConfiguration: profile.blas)
        #expect(identity.mismatch(profile) == nil)
        var otherBuild = identity
        otherBuild.blasConfiguration = "OpenBLAS 0.3.26 DYNAMIC_ARCH SkylakeX MAX_THREADS=64"
        #expect(otherBuild.mismatch(profile)?.contains("no OpenBLAS core recorded") == true)
    }

    @Test("this machine's identity reads a CPU model, its cores and OpenBLAS's core name")
    func current() {
        let me = MachineIdentity.current
        #expect(!me.cpu.isEmpty && me.cores == ProcessInfo.processInfo.activeProcessorCount)
        #expect(!me.blasCore.isEmpty && me.blasConfiguration.contains("OpenBLAS"))
    }

    @Test("a profile calibrated here records this machine's identity, matches it, and is found in its folder")
    func calibratedHere() throws {
        let dir = try folder()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = Calibration.defaultPath(directory: dir)
        let p = try Calibration.run(path: path, quick: true)
        #expect(p.blasCore == MachineIdentity.current.blasCore && p.cpu == MachineIdentity.current.cpu)
        #expect(MachineIdentity.current.mismatch(try DeviceProfile.read(path: path)) == nil)
        let choice = try Calibration.choose(directory: dir) { _ in
            Issue.record("calibrated again though a matching profile exists"); return p
        }
        #expect(choice.path == path && !choice.calibratedNow)
    }

    @Test("an explicit profile of another machine is refused")
    func explicitRefused() throws {
        let dir = try folder()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var profile = try DeviceProfile.read(path: Self.committed)
        profile.cpu = "Some Other CPU"
        try profile.jsonData().write(to: URL(fileURLWithPath: dir + "/other.json"))
        #expect(throws: Validation.Failure.self) { try Calibration.explicit(dir + "/other.json") }
    }
}
