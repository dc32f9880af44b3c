internal import COpenBLAS
import Foundation
import SwarmModel

/// What makes two machines interchangeable for a calibration profile: the CPU model
/// (/proc/cpuinfo "model name"), the logical cores, and the kernel OpenBLAS picked for this CPU
/// (`openblas_get_corename`: a DYNAMIC_ARCH build runs Haswell, SkylakeX, Zen… code). Two
/// machines of the same class (cores, architecture, OS) with different CPUs compute at
/// different speeds, so a profile is used only on a machine whose identity it matches.
public struct MachineIdentity: Sendable, Equatable, CustomStringConvertible {
    public var cpu: String
    public var cores: Int
    /// OpenBLAS's core name, e.g. "Haswell".
    public var blasCore: String
    /// OpenBLAS's whole build description (`openblas_get_config`): what older profiles,
    /// written before `blasCore` was recorded, are compared on.
    public var blasConfiguration: String

    public init(cpu: String, cores: Int, blasCore: String, blasConfiguration: String) {
        self.cpu = cpu; self.cores = cores; self.blasCore = blasCore; self.blasConfiguration = blasConfiguration
    }

    /// This machine.
    public static var current: MachineIdentity {
        MachineIdentity(cpu: Calibrator.cpuModel(), cores: ProcessInfo.processInfo.activeProcessorCount,
                        blasCore: String(cString: openblas_get_corename()),
                        blasConfiguration: String(cString: openblas_get_config()))
    }

    /// The identity `profile` records. A profile written before `blasCore` was recorded
    /// has an empty `blasCore`; `matches` then compares its `blas` configuration instead.
    public init(recordedIn profile: DeviceProfile) {
        self.init(cpu: profile.cpu, cores: profile.cores, blasCore: profile.blasCore ?? "", blasConfiguration: profile.blas)
    }

    /// Why `profile` was not measured on a machine like this one, or nil when it was: same
    /// CPU model, same cores, same OpenBLAS core — or, for a profile without the core
    /// recorded, the same OpenBLAS build description (which names the core in DYNAMIC_ARCH
    /// builds). A field the profile lacks never matches by default.
    public func mismatch(_ profile: DeviceProfile) -> String? {
        var out: [String] = []
        if profile.cpu != cpu { out.append("CPU '\(profile.cpu)', this machine '\(cpu)'") }
        if profile.cores != cores { out.append("\(profile.cores) cores, this machine \(cores)") }
        if let core = profile.blasCore {
            if core != blasCore { out.append("OpenBLAS core \(core), this machine \(blasCore)") }
        } else if profile.blas != blasConfiguration {
            out.append("no OpenBLAS core recorded and OpenBLAS '\(profile.blas)', this machine '\(blasConfiguration)'")
        }
        return out.isEmpty ? nil : out.joined(separator: "; ")
    }

    /// A file-name-safe slug of the CPU model and OpenBLAS core, e.g. "amd-epyc--haswell"
    /// (the machine class beside it in a file name gives the cores): two CPUs never share one.
    public var slug: String {
        func clean(_ s: String) -> String {
            var out = "", dash = false
            for c in s.lowercased() {
                if c.isASCII && (c.isLetter || c.isNumber) { out.append(c); dash = false }
                else if !dash && !out.isEmpty { out.append("-"); dash = true }
            }
            return out.hasSuffix("-") ? String(out.dropLast()) : (out.isEmpty ? "unknown" : out)
        }
        return "\(clean(cpu))--\(clean(blasCore))"
    }

    /// "AMD EPYC, 2 cores, OpenBLAS core Haswell".
    public var description: String { "\(cpu), \(cores) cores, OpenBLAS core \(blasCore.isEmpty ? "unrecorded" : blasCore)" }
}
