import Foundation
import Testing
import SwarmLab

/// Inputs the fuzz targets (Fuzz/README.md) found crashing or hanging a reader, kept under
/// Fuzz/regressions/TARGET/ and fed to the same entry point the target uses: each must now
/// be refused with an error naming the file, quickly.
@Suite("Fuzz regressions")
struct FuzzRegressionTests {
    static func inputs(_ target: String) -> [String] {
        let dir = repositoryRoot.appendingPathComponent("Fuzz/regressions/\(target)").path
        return ((try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []).sorted().map { dir + "/" + $0 }
    }

    @Test("a results file whose global heap has a free-space object of size 0 is refused by inspect and merge (HDF5 looped forever on it)",
          .timeLimit(.minutes(1)))
    func results() throws {
        let inputs = Self.inputs("results")
        #expect(inputs.contains { $0.hasSuffix("/gcol-free-space-size-0.h5") })
        for path in inputs {
            let start = Date()
            let inspected = #expect(throws: ResultsError.self) { try ResultsInspection(path: path) }
            #expect(inspected?.description.hasPrefix("\(path): byte ") == true, "\(inspected?.description ?? "")")
            let out = FileManager.default.temporaryDirectory.appendingPathComponent("fuzz-merge-\(getpid()).h5").path
            #expect(throws: ResultsError.self) { try ResultsMerge.merge(into: out, shards: [path]) }
            #expect(!FileManager.default.fileExists(atPath: out))
            #expect(Date().timeIntervalSince(start) < 10, "\(path) took more than 10 s")
        }
    }
}
