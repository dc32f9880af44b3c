import Foundation
import Testing
import SwarmKernel
import SwarmModel
import SwarmPolicies
import SwarmTestKit

// BEGIN docs/policies.md example (keep identical to the page's "Writing your own policy")
/// Volunteers before paid machines: each task on the cheapest idle device its residency
/// allows, fastest first among equal prices.
struct CheapestFirstPolicy: SchedulingPolicy {
    static let name = "cheapest-first"
    static let summary = "The cheapest idle device allowed (volunteers before paid VMs)."
    var byPrice: [Int] = []   // class ids, cheapest first (computed once, on the first call)

    init(parameters: NoParameters, context: PolicyContext) {}

    mutating func place(_ ready: ReadyTasks, on fleet: FleetView, into placements: inout Placements) {
        let price = { (c: Int) in fleet.fleet.classes[c].pricePerHour }
        if byPrice.isEmpty { byPrice = fleet.classesBySpeed.sorted { price($0) < price($1) } }   // stable: speed breaks ties
        for task in ready {
            if fleet.idleCount == 0 { return }   // nothing left to place on: stop early
            if let d = fleet.firstIdle(in: task.residency, classOrder: byPrice) { placements.assign(task, to: d) }
        }
    }
}
// END docs/policies.md example

@Suite("The custom policy of docs/policies.md")
struct PolicyCustomExampleTests {
    @Test("the example policy passes checkSchedulingPolicy")
    func conforms() {
        let violations = checkSchedulingPolicy({ CheapestFirstPolicy(context: $0) }, seeds: [1, 2, 3])
        #expect(violations.isEmpty, "\(violations.joined(separator: "\n"))")
    }

    @Test("the example policy puts work on the volunteer before the paid VM, then on the VM")
    func cheapestFirst() {
        // 0: a paid VM, 1: a volunteer laptop; both idle, the task queue in order 0, 1.
        let fleet = smallFleet((DeviceClass.cloudVM, "eu", 1), (DeviceClass.laptop.alwaysOn(), "eu", 1))
        var tasks = TaskTable()
        tasks.add(work: .seconds(10))
        tasks.add(work: .seconds(10))
        let engine = WorkEngine(fleet: fleet, tasks: tasks, policy: CheapestFirstPolicy(context: PolicyContext(streams: RandomStreams(seed: 1))), seed: 1)
        var devices: [Int] = []
        engine.observer = { if case .started(_, let d, _, _) = $0 { devices.append(d) } }
        #expect(engine.run())
        #expect(devices == [1, 0])
    }

    @Test("the example registers beside the built-ins")
    func registers() throws {
        let registry = PolicyRegistry.builtin + [CheapestFirstPolicy.self]
        #expect(registry.entries.last?.name == "cheapest-first")
        _ = try registry.make("cheapest-first", context: PolicyContext(streams: RandomStreams(seed: 1)))
    }

    @Test("docs/policies.md shows exactly this file's example, in at most 20 lines")
    func docMatches() throws {
        let here = URL(fileURLWithPath: #filePath)
        let root = here.deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let doc = try String(contentsOf: root.appendingPathComponent("docs/policies.md"), encoding: .utf8)
        let source = try String(contentsOf: here, encoding: .utf8)
        let marker = try #require(doc.range(of: "<!-- custom-policy-example"))
        let fence = try #require(doc.range(of: "```swift\n", range: marker.upperBound..<doc.endIndex))
        let close = try #require(doc.range(of: "```", range: fence.upperBound..<doc.endIndex))
        let shown = String(doc[fence.upperBound..<close.lowerBound])
        let begin = try #require(source.range(of: "(keep identical to the page's \"Writing your own policy\")\n"))
        let end = try #require(source.range(of: "// END docs/policies.md example"))
        let tested = String(source[begin.upperBound..<end.lowerBound])
        #expect(shown == tested, "docs/policies.md and PolicyCustomExampleTests.swift differ")
        #expect(shown.split(separator: "\n", omittingEmptySubsequences: false).count - 1 <= 20)
    }
}
