import Foundation
import SwarmRuntime

/// The committed calibration profile with this machine's identity written over its own, for
/// tests whose assertions compare the reference runtime with itself (local spawn against
/// `srun`, a coordinator killed): the profile only feeds the simulated side there, and
/// `validate --profile` refuses a profile of another CPU or OpenBLAS core — which a fresh
/// machine of this kind may well have (the committed one says Haswell; an EPYC here reported
/// Cooperlake). Tests of the profile's own numbers use the file as committed.
enum ProfileForThisMachine {
    static let committed = repositoryRoot.appendingPathComponent("results/calibration/2-core-x86_64-debian-12.json").path

    /// Writes the relabelled copy into `directory` and returns its path.
    static func write(into directory: String) throws -> String {
        let data = try Data(contentsOf: URL(fileURLWithPath: committed))
        guard var json = try JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw CocoaError(.fileReadCorruptFile, userInfo: [NSFilePathErrorKey: committed])
        }
        let me = MachineIdentity.current
        json["cpu"] = me.cpu
        json["cores"] = me.cores
        json["blas"] = me.blasConfiguration
        json["blasCore"] = me.blasCore
        let path = (directory as NSString).appendingPathComponent("profile-this-machine.json")
        try JSONSerialization.data(withJSONObject: json, options: [.prettyPrinted, .sortedKeys])
            .write(to: URL(fileURLWithPath: path))
        return path
    }
}
