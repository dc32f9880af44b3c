import Foundation
import Testing
import SwarmLab
import SwarmScenario

@Suite("Shipped scenarios are within the untrusted-file rules")
struct ShippedScenarioSafetyTests {
    @Test("every shipped scenario parses with no --allow-paths: its files are beside it, its results relative")
    func shippedScenarios() throws {
        let dir = repositoryRoot.appendingPathComponent("scenarios").path
        let files = FileManager.default.enumerator(atPath: dir)!.compactMap { $0 as? String }.filter { $0.hasSuffix(".yaml") }
        #expect(files.count > 10)
        for f in files.sorted() {
            #expect(throws: Never.self, "\(f)") { _ = try ScenarioRunner.load(dir + "/" + f) }
        }
    }
}
