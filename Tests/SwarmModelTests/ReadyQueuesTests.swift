import Testing
import SwarmKernel
@testable import SwarmModel

@Suite("Ready queues")
struct ReadyQueuesTests {
    /// The order a policy is offered the tenant's queued tasks.
    static func offered(_ q: ReadyQueues, _ tasks: TaskTable) -> [Int] {
        q.ready(tasks, needed: [UInt8](repeating: 1, count: tasks.count), weights: [1], quotas: [.max]).map(\.id.index)
    }

    @Test("a task queued again goes to the back, whether or not a dispatch passed over its old entry in between")
    func requeuedGoesToBack() {
        var tasks = TaskTable()
        for _ in 0..<3 { tasks.add(work: .seconds(1), arrival: .zero) }
        func scenario(compactBetween: Bool) -> [Int] {
            var t = tasks
            var q = ReadyQueues(tenants: 1, tasks: 3)
            for i in 0..<3 { t.state[i] = .queued; q.push(i, tenant: 0, alreadyWaiting: false) }
            _ = q.compact(t)
            t.state[0] = .running                     // task 0 placed
            if compactBetween { _ = q.compact(t) }    // the runtime: a dispatch in between
            t.state[0] = .queued                      // its attempt lost: queued again
            q.push(0, tenant: 0, alreadyWaiting: false)
            _ = q.compact(t)
            return Self.offered(q, t)
        }
        // the simulator (both attempts end at one instant) and the runtime (a few ms apart)
        #expect(scenario(compactBetween: false) == [1, 2, 0])
        #expect(scenario(compactBetween: true) == [1, 2, 0])
    }

    @Test("a task already waiting keeps its place when queued again, and is offered once")
    func waitingKeepsPlace() {
        var tasks = TaskTable()
        for _ in 0..<3 { tasks.add(work: .seconds(1), arrival: .zero) }
        var q = ReadyQueues(tenants: 1, tasks: 3)
        for i in 0..<3 { tasks.state[i] = .queued; q.push(i, tenant: 0, alreadyWaiting: false) }
        q.push(0, tenant: 0, alreadyWaiting: true)   // e.g. one more replica asked while it waits
        _ = q.compact(tasks)
        #expect(Self.offered(q, tasks) == [0, 1, 2])
    }
}
