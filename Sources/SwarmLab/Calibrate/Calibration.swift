import Foundation
import SwarmModel
import SwarmRuntime

/// `swarmlab calibrate`'s logic: measures this machine (`Calibrator`) and writes the device
/// profile as JSON, where `CalibratedCostModel` and scenarios can read it.
public enum Calibration {
    /// The default file for this machine: results/calibration/<machine class>--<CPU model>--
    /// <OpenBLAS core>.json, kebab-case (e.g. `2-core-x86_64-debian-12--amd-epyc--haswell.json`):
    /// two CPUs of the same machine class never share a file.
    public static func defaultPath(directory: String = "results/calibration", identity: MachineIdentity = .current) -> String {
        let slug = Calibrator.machineClass().lowercased().map { $0.isLetter || $0.isNumber || $0 == "_" ? $0 : "-" }
        return directory + "/" + String(slug) + "--" + identity.slug + ".json"
    }

    /// Measures and writes the profile to `path` (temporary file + rename); returns it.
    /// `quick` measures a few small shapes briefly (tests); `worker` times the start of that
    /// executable (with `workerArguments`) instead of /bin/true.
    public static func run(path: String, quick: Bool = false, threads: Int = 1, worker: String? = nil,
                           workerArguments: [String] = ["--help"], machineClass: String? = nil,
                           progress: (String) -> Void = { _ in }) throws -> DeviceProfile {
        var options = quick ? Calibrator.Options.quick : Calibrator.Options()
        options.threads = threads
        if let worker { options.processStartCommand = worker; options.processStartArguments = workerArguments }
        if let machineClass { options.machineClass = machineClass }
        let profile = try Calibrator.run(options, progress: progress)
        let url = URL(fileURLWithPath: path)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try profile.jsonData().write(to: url, options: .atomic)
        return profile
    }

    /// A short human summary of a profile.
    public static func summary(_ p: DeviceProfile) -> String {
        var s = "\(p.machineClass) — \(MachineIdentity(recordedIn: p)), \(p.threads) OpenBLAS thread(s)\n"
        s += String(format: "reference GEMM rate %.2f GFLOP/s; memory copy %.2f GB/s; inputs %.0f M elements/s\n",
                    p.referenceFlopsPerSecond / 1e9, p.memoryBandwidth / 1e9, p.inputElementsPerSecond / 1e6)
        s += String(format: "per-task overhead %.2f µs; process start %.2f ms (%@)\n", p.perTaskOverhead * 1e6,
                    p.processStartSeconds * 1e3, p.processStartCommand)
        for k in p.kernels {
            s += String(format: "  %-11@ %-60@ %9.3f ms  %7.2f GFLOP/s\n", k.kind, k.shape, k.seconds * 1e3, k.flopsPerSecond / 1e9)
        }
        return s
    }
}
