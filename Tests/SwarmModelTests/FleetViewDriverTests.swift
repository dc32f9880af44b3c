import Testing
import SwarmKernel
@testable import SwarmModel

@Suite("FleetView driver API")
struct FleetViewDriverTests {
    func fleet() throws -> Fleet {
        try Fleet(classes: [.desktop, .phone], regions: [("eu", 1), ("us", -5)],
                  mix: [.init(className: "desktop", region: "eu", count: 2), .init(className: "phone", region: "us", count: 1)])
    }

    @Test("online, busy, idle and offline keep the idle index exact")
    func lifecycle() throws {
        let view = FleetView(fleet: try fleet())
        #expect(view.idleCount == 0)
        for d in 0..<3 { view.deviceCameOnline(d, at: SimTime(seconds: 1)) }
        view.checkInvariants()
        #expect(view.idleCount == 3 && view.onlineCount == 3)
        view.deviceBecameBusy(1)
        #expect(!view.isIdle(1) && view.running[1] == 1 && view.idleCount == 2)
        view.deviceWentOffline(1)
        #expect(!view.isOnline(1) && view.onlineCount == 2)
        view.deviceBecameIdle(1)   // finished while offline: stays out of the index
        #expect(!view.isIdle(1))
        view.deviceCameOnline(1, at: SimTime(seconds: 5))
        #expect(view.isIdle(1) && view.onlineSince[1] == SimTime(seconds: 5).ticks)
        view.deviceBecameBusy(2); view.deviceWentOffline(2); view.deviceCameOnline(2, at: .zero)
        #expect(!view.isIdle(2))   // came back still busy
        view.deviceBecameIdle(2)
        #expect(view.isIdle(2))
        view.checkInvariants()
        view.recordAttempt(on: 0, succeeded: true); view.recordAttempt(on: 0, succeeded: false)
        #expect(view.reliability(0) == 0.5)
    }

    @Test("ReadyTasks built outside the engine offers the queued tasks; Placements takes idle devices")
    func readyAndPlacements() throws {
        let view = FleetView(fleet: try fleet())
        view.deviceCameOnline(0, at: .zero); view.deviceCameOnline(2, at: .zero)
        var table = TaskTable()
        for _ in 0..<3 { table.add(work: .seconds(1)) }
        let ready = ReadyTasks(queued: [TaskID(index: 2), TaskID(index: 0)], in: table)
        #expect(ready.map(\.id) == [TaskID(index: 2), TaskID(index: 0)])
        var p = Placements(on: view) { t, d in t.index == 0 && d == 2 }
        let tasks = Array(ready)
        let first = p.assign(tasks[0], to: 0)
        let again = p.assign(tasks[1], to: 0)     // no longer idle
        let tried = p.assign(tasks[1], to: 2)     // already tried
        #expect(first && !again && !tried)
        #expect(p.refused == 2 && p.assignments.count == 1)
        view.returnAssigned(0)
        #expect(view.isIdle(0))
        view.checkInvariants()
    }
}
