import Foundation
import Testing
import SwarmKernel
import SwarmModel
@testable import SwarmScenario

/// `storage`: objects on the devices (`ScenarioParser+Storage.swift`).
@Suite("Scenario files: storage")
struct StorageScenarioTests {
    static let storage = """

    storage:
      classes:
        - { class: desktop, capacity: 1GB, lifetime: 30d }
      objects:
        - { name: w, count: 4, size: 10MB, erasure: 3-of-6 }
        - { name: d, size: 1MB, replicas: 2, repair_threshold: off }

    """
    static var text: String { goodScenario + storage }

    @Test("the section parses with its defaults, and the explained file reads back the same")
    func parses() throws {
        let s = try Scenario.parse(text: Self.text, file: "storage.yaml", policies: policyNames)
        let spec = try #require(s.storage)
        #expect(spec.placement == "random" && spec.pricePerTBMonth == 1.5 && spec.sampleInterval == 3_600 && spec.cacheBytes == 0)
        #expect(spec.classes == [StorageClassTerms(className: "desktop", capacity: 1e9, meanLifetime: 30 * 86_400)])
        #expect(spec.objects[0] == StoredObjects(name: "w", count: 4, bytes: 10e6, redundancy: .erasure(k: 3, n: 6),
                                                  repairThreshold: (3 + 6 + 1) / 2))
        #expect(spec.objects[1].count == 1 && spec.objects[1].redundancy == .replication(2) && spec.objects[1].repairThreshold == 0)
        let again = try Scenario.parse(text: s.explained, file: "explained.yaml", policies: policyNames)
        #expect(again.storage?.objects == spec.objects && again.storage?.classes == spec.classes)
    }

    @Test("a workload's input_object names a kind of stored object; an unknown one is refused with a suggestion")
    func inputObject() throws {
        let text = Self.text.replacingOccurrences(of: "      input: 1MB\n", with: "      input: 1MB\n      input_object: w\n")
        let s = try Scenario.parse(text: text, file: "storage.yaml", policies: policyNames)
        #expect((s.workloads[0] as? PlacedWorkload)?.inputObject == 0)   // `w`, the first kind
        do {
            _ = try Scenario.parse(text: text.replacingOccurrences(of: "input_object: w\n", with: "input_object: dd\n"), file: "bad.yaml", policies: policyNames)
            Issue.record("accepted an unknown stored object")
        } catch {
            #expect(error.description == "bad.yaml:14:21: workloads[0].bag.input_object: unknown stored object `dd`; did you mean `d`? (expected one of: w, d)")
        }
        do {
            _ = try Scenario.parse(text: goodScenario.replacingOccurrences(of: "      input: 1MB\n", with: "      input: 1MB\n      input_object: w\n"),
                                   file: "bad.yaml", policies: policyNames)
            Issue.record("accepted input_object without storage")
        } catch {
            #expect(error.description == "bad.yaml:14:21: workloads[0].bag.input_object: no `storage` section: there are no stored objects to read")
        }
    }

    static let badCases: [(String, String, String)] = [
        ("erasure: 3-of-6", "erasure: 3of6",
         "bad.yaml:19:49: storage.objects[0].erasure: expected `K-of-N` (any K of N pieces rebuild a segment, e.g. 29-of-80), found `3of6`"),
        ("erasure: 3-of-6", "erasure: 7-of-6",
         "bad.yaml:19:49: storage.objects[0].erasure: expected 1 ≤ K ≤ N ≤ 255, found K = 7, N = 6"),
        ("erasure: 3-of-6", "replicas: 2, erasure: 3-of-6",
         "bad.yaml:19:62: storage.objects[0].erasure: give `replicas` or `erasure`, not both"),
        ("replicas: 2, ", "",
         "bad.yaml:20:7: storage.objects[1]: expected one of `replicas` (e.g. 3) or `erasure` (e.g. 29-of-80), found neither"),
        ("repair_threshold: off", "repair_threshold: 7",
         "bad.yaml:20:60: storage.objects[1].repair_threshold: expected live pieces in k…n (1…2) or `off`, found 7"),
        ("class: desktop, capacity", "class: dsktop, capacity",
         "bad.yaml:17:16: storage.classes[0].class: unknown device class `dsktop`; did you mean `desktop`? (expected one of: phone, laptop, desktop, edge-box, cloud-vm, gpu-server)"),
        ("capacity: 1GB", "capacity: 1 gigabyte",
         "bad.yaml:17:35: storage.classes[0].capacity: \"1 gigabyte\" is not a data size: expected a number and one of B, kB, MB, GB, TB, PB, KiB, MiB, GiB, TiB, PiB (e.g. \"512MiB\", \"1.5GB\")"),
        ("  classes:", "  placement: regoin-spread\n  classes:",
         "bad.yaml:16:14: storage.placement: unknown placement policy `regoin-spread`; did you mean `region-spread`? (expected one of: random, region-spread, reliability-aware, nearest-to-consumers)"),
    ]

    @Test("bad storage sections are refused with file:line:column, the field, and what was expected", arguments: badCases.indices)
    func bad(_ i: Int) {
        let (old, new, expected) = Self.badCases[i]
        let text = Self.text.replacingOccurrences(of: old, with: new)
        #expect(text != Self.text, "the case must change the file")
        do {
            _ = try Scenario.parse(text: text, file: "bad.yaml", policies: policyNames)
            Issue.record("accepted a bad storage section")
        } catch {
            #expect(error.description == expected)
        }
    }
}
