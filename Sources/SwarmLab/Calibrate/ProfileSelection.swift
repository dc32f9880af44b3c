import Foundation
import SwarmModel
import SwarmRuntime

/// Which calibration profile a validation uses, and why: the committed profile whose machine
/// identity (CPU model, cores, OpenBLAS core: `MachineIdentity`) matches this machine, or —
/// when none does — a profile measured now and written where `swarmlab calibrate` would.
/// A profile of the same machine class but another CPU is never used.
public struct ProfileChoice: Sendable {
    public var path: String
    public var profile: DeviceProfile
    /// One line for the user: which file, and why it was chosen or made.
    public var reason: String
    /// True when no profile matched and this one was measured now.
    public var calibratedNow: Bool
}

extension Calibration {
    /// The profiles under `directory` (`*.json`, sorted by name) that can be read, with the
    /// ones that cannot and why.
    public static func profiles(in directory: String) -> (readable: [(path: String, profile: DeviceProfile)], unreadable: [String]) {
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []).filter { $0.hasSuffix(".json") }.sorted()
        var readable: [(String, DeviceProfile)] = [], unreadable: [String] = []
        for n in names {
            let path = (directory as NSString).appendingPathComponent(n)
            do { readable.append((path, try DeviceProfile.read(path: path))) } catch { unreadable.append("\(error)") }
        }
        return (readable, unreadable)
    }

    /// The profile under `directory` matching `identity` (the newest by `measuredAt` when
    /// several do), or nil, with a line per profile passed over saying why.
    public static func matchingProfile(in directory: String, identity: MachineIdentity) -> (match: (path: String, profile: DeviceProfile)?, passedOver: [String]) {
        let (readable, unreadable) = profiles(in: directory)
        var passed = unreadable.map { "unreadable: \($0)" }
        var matches: [(path: String, profile: DeviceProfile)] = []
        for (path, p) in readable {
            if let why = identity.mismatch(p) { passed.append("\(path): \(why)") }
            else if p.threads != 1 { passed.append("\(path): measured with \(p.threads) OpenBLAS threads; validation needs 1") }
            else { matches.append((path, p)) }
        }
        let best = matches.max { ($0.profile.measuredAt, $1.path) < ($1.profile.measuredAt, $0.path) }
        return (best, passed)
    }

    /// Picks the profile for this machine: the matching one under `directory`, else
    /// `calibrate(path)` run now, writing to `defaultPath(directory:identity:)`.
    public static func choose(directory: String = "results/calibration", identity: MachineIdentity = .current,
                              calibrate: (String) throws -> DeviceProfile) throws -> ProfileChoice {
        let (match, passed) = matchingProfile(in: directory, identity: identity)
        if let match {
            var why = "\(match.path): recorded on a machine like this one (\(identity))"
            if match.profile.blasCore == nil { why += "; it predates the OpenBLAS core field and was matched on its OpenBLAS build description" }
            return ProfileChoice(path: match.path, profile: match.profile, reason: why, calibratedNow: false)
        }
        let path = defaultPath(directory: directory, identity: identity)
        let profile = try calibrate(path)
        var why = "\(path): measured now, since no profile under \(directory) matches this machine (\(identity))"
        if !passed.isEmpty { why += " — passed over: " + passed.joined(separator: "; ") }
        return ProfileChoice(path: path, profile: profile, reason: why, calibratedNow: true)
    }

    /// The profile at `path`, given explicitly: refused when it was measured on another
    /// machine (`MachineIdentity.mismatch`).
    public static func explicit(_ path: String, identity: MachineIdentity = .current) throws -> ProfileChoice {
        let profile = try DeviceProfile.read(path: path)
        if let why = identity.mismatch(profile) {
            throw Validation.Failure(description: "\(path) was measured on another machine (\(why)); leave --profile out and validate picks or measures this machine's profile")
        }
        return ProfileChoice(path: path, profile: profile, reason: "\(path): given with --profile; it matches this machine (\(identity))", calibratedNow: false)
    }

    /// Calibrates this machine into `path` as `make calibrate` does, timing the start of the
    /// `swarmlab-worker` executable when it can be found (else /bin/true).
    public static func calibrateForValidation(path: String, worker: String?, progress: (String) -> Void) throws -> DeviceProfile {
        do {
            return try run(path: path, worker: try? ReferenceRuntime.locateWorker(explicit: worker), progress: progress)
        } catch let e as CalibrationError {
            throw Validation.Failure(description: "calibrating this machine into \(path) failed: \(e.description)")
        }
    }
}
