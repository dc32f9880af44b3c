import Foundation
import Testing
import SwarmLab
import SwarmModel
import SwarmResults
import SwarmScenario

@Suite("Roles that act, end to end")
struct AccessRunTests {
    /// alice researches, ops administers, vol contributes desktops lent to alice only, carol
    /// (a researcher) tries to lend laptops, vol tries to submit.
    static let text = """
    version: 1
    name: access
    duration: 6h
    regions:
      - { name: eu, utc_offset: 1 }
    tenants:
      - { name: alice }
      - { name: ops, role: admin }
      - { name: vol, role: contributor }
      - { name: carol }
    fleet:
      - { class: desktop, region: eu, count: 20, owner: vol, lend_to: [alice] }
      - { class: cloud-vm, region: eu, count: 5 }
      - { class: laptop, region: eu, count: 7, owner: carol }
    workloads:
      - bag: { tasks: 30, work: { seconds: 60s }, tenant: alice }
      - bag: { tasks: 40, work: { seconds: 60s }, tenant: vol }
    policies: [fastest-first]
    """

    @Test("a contributor's lent devices carry its ownership; refused submissions and lendings are counted, not run")
    func scenario() throws {
        let s = try Scenario.parse(text: Self.text, file: "access.yaml", registry: .builtin)
        // carol's laptops are left out, vol's 40 tasks refused.
        #expect(s.deviceCount == 20 + 5 && s.taskCount == 30)
        #expect(s.access.refused(.submit, to: 2) == 1 && s.access.refused(.lendDevices, to: 3) == 1 && s.access.total == 2)
        #expect(s.accessNotes == ["fleet[2]: tenant `carol` (researcher) may not lend devices; its 7 devices are left out of the fleet",
                                  "workloads[1]: tenant `vol` (contributor) may not submit work; its 40 tasks are refused"])
        let m = try s.materialize()
        #expect(m.tasks.count == 30)
        // Desktops 0–19 are vol's, for alice (and vol); the cloud VMs 20–24 anyone's.
        #expect(m.ownership.owner == [Int32](repeating: 2, count: 20) + [Int32](repeating: -1, count: 5))
        #expect(m.ownership.mayRun(tenant: 0, onDevice: 3) && !m.ownership.mayRun(tenant: 1, onDevice: 3))
        #expect(m.ownership.mayRun(tenant: 1, onDevice: 22))
    }

    @Test("the results carry an access table per run, and run prints the refusals")
    func results() throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("swarmlab-access-\(getpid()).yaml").path
        let out = file + ".h5"
        try Self.text.write(toFile: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: file); try? FileManager.default.removeItem(atPath: out) }
        let r = try swarmlab("run", file, "--output", out, "--quiet")
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("Refused by the tenants' roles:\n  fleet[2]: tenant `carol` (researcher) may not lend devices"))
        let f = try ResultsReader(path: out)
        #expect(try f.tableShape("fastest-first/access").fields == ResultsSchema.access.columns.map(\.name))
        #expect(try f.column("fastest-first/access", "refused_submit") == [0, 0, 1, 0])
        #expect(try f.column("fastest-first/access", "refused_lend_devices") == [0, 0, 0, 1])
        #expect(try f.column("fastest-first/access", "devices_owned") == [0, 0, 20, 0])
        #expect(try f.column("fastest-first/access", "role") == [1, 0, 2, 1])
        #expect(f.attribute("role_names", on: "/fastest-first/access") == .strings(["admin", "researcher", "contributor"]))
        let j = try swarmlab("run", file, "--output", "none", "--quiet", "--json")
        let object = try JSONSerialization.jsonObject(with: Data(j.stdout.utf8)) as? [String: Any]
        let refused = object?["refused_actions"] as? [[String: Any]]
        #expect(refused?.count == 2 && refused?.first?["tenant"] as? String == "vol" && refused?.first?["action"] as? String == "submit")
    }
}
