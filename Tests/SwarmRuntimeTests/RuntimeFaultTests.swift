import Testing
import Foundation
import SwarmKernel
import SwarmModel
import SwarmPolicies
@testable import SwarmRuntime

/// Faults injected on the reference runtime's wire (`FaultPlan`): whatever is lost, delayed,
/// reordered, unread or restarted, every task is accepted once — none lost, none counted twice.
@Suite("reference runtime: injected faults", .serialized)
struct RuntimeFaultTests {
    /// `count` tasks of 1 s (0.1 s wall) arriving at 1 s on `devices` always-on devices;
    /// heartbeat timeout 5 s (0.5 s wall, a heartbeat every 0.125 s wall).
    static func plan(tasks count: Int = 12, devices: Int = 3) -> RuntimePlan {
        var tasks = TaskTable()
        for _ in 0..<count { tasks.add(work: .seconds(1), arrival: SimTime(seconds: 1)) }
        return RuntimePlan(devices: Array(repeating: EmulatedDevice(), count: devices), fleet: localFleet(devices), tasks: tasks,
                           policy: LowestIdle(), heartbeatTimeout: 5, timeScale: 0.1)
    }

    static func run(_ plan: RuntimePlan, _ faults: FaultPlan) throws -> RuntimeReport {
        var o = CoordinatorOptions()
        o.faults = faults
        return try runPlan(plan, options: o)
    }

    /// No task lost: each is accepted, with the honest checksum. None double-counted: each has
    /// exactly one returned attempt (replication 1), every other attempt lost or cancelled.
    static func expectEachTaskOnce(_ r: RuntimeReport, _ plan: RuntimePlan) {
        var compute = WorkerCompute()
        for t in 0..<plan.tasks.count {
            #expect(!r.taskFinish[t].isNaN, "task \(t) was never accepted")
            let returned = r.attempts.filter { $0.task == t && $0.outcome == .returned }
            #expect(returned.count == 1, "task \(t): \(returned.count) returned attempts, expected 1")
            let honest = compute.run(plan.tasks.work[t], seed: SplitMix64.mix(UInt64(t) &+ 1), timeScale: 0).checksum
            #expect(r.acceptedChecksum[t] == honest, "task \(t)")
        }
    }

    /// The counts of the run's "faults injected: …" line.
    static func injected(_ r: RuntimeReport, _ what: String) -> Int? {
        guard let line = r.log.last(where: { $0.contains("faults injected:") }),
              let range = line.range(of: " \(what)") else { return nil }
        return Int(String((line[..<range.lowerBound].split(separator: " ").last ?? "").filter(\.isNumber)))
    }

    @Test("the replay window accepts each sequence once, reordered within 64, and refuses replays and older ones")
    func replayWindow() {
        var w = ReplayWindow()
        // Feeds the window `sequences` in order; what it answered to each.
        func feed(_ sequences: [UInt64]) -> [Bool] { sequences.map { w.accept($0) } }
        #expect(feed([1, 3, 2]) == [true, true, true], "2 after 3: reordered, accepted")
        #expect(feed([2, 3, 1]) == [false, false, false], "each only once")
        #expect(feed([70]) == [true] && w.top == 70)
        #expect(feed([70 - 64]) == [false], "64 below the top, never seen: out of the window")
        #expect(feed([70 - 63]) == [true], "63 below the top, never seen: inside")
        #expect(feed([70 - 63]) == [false], "and only once")
        #expect(feed([1000, 1000 - 64, 999]) == [true, false, true], "a jump past the window forgets what was below")
    }

    @Test("SWARMLAB_FAULTS is read into a fault plan; a bad item is refused, naming it")
    func environment() throws {
        let p = try #require(try FaultPlan(environment: ["SWARMLAB_FAULTS": "loss=0.1, delay=5ms,jitter=0.02s,reorder=0.5,hold=30ms,devices=0+2,stop-reading=1@3,restart=4s+300ms,seed=9"]))
        #expect(p == FaultPlan(loss: 0.1, delay: 0.005, jitter: 0.02, reorder: 0.5, devices: [0, 2], stopReading: [1: 3],
                               restartAt: 4, restartDowntime: 0.3, seed: 9).with(reorderHold: 0.03))
        #expect(try FaultPlan(environment: [:]) == nil, "unset: no faults")
        for (text, names) in [("loss=2", "a probability in [0, 1], found '2'"), ("delay=5", "a duration"), ("lose=0.1", "one of loss"),
                              ("stop-reading=1", "DEVICE@ASSIGNMENTS")] {
            #expect(throws: RuntimeError.self) { _ = try FaultPlan(environment: ["SWARMLAB_FAULTS": text]) }
            do { _ = try FaultPlan(environment: ["SWARMLAB_FAULTS": text]) } catch {
                #expect("\(error)".contains("SWARMLAB_FAULTS item '\(text)'") && "\(error)".contains(names), "\(error)")
            }
        }
    }

    @Test("frames lost both ways (20%): every task is accepted once; lost assignments and results are sent again",
          arguments: [UInt64(1), 2])
    func frameLoss(seed: UInt64) throws {
        let plan = Self.plan()
        let r = try Self.run(plan, FaultPlan(loss: 0.2, seed: seed))
        Self.expectEachTaskOnce(r, plan)
        #expect((Self.injected(r, "frames dropped") ?? 0) > 0, "\(r.log.suffix(3))")
        #expect((Self.injected(r, "assignments sent again") ?? 0) > 0, "a lost assignment or result was recovered by sending the assignment again")
    }

    @Test("replicas vote under loss and reordering: each task gets exactly its two votes, from two devices, never one counted twice")
    func replicatedUnderFaults() throws {
        var tasks = TaskTable()
        for _ in 0..<8 { tasks.add(work: .seconds(1), arrival: SimTime(seconds: 1), replication: 2, quorum: 2) }
        let plan = RuntimePlan(devices: Array(repeating: EmulatedDevice(), count: 3), fleet: localFleet(3), tasks: tasks,
                               policy: LowestIdle(), heartbeatTimeout: 5, timeScale: 0.1)
        let r = try Self.run(plan, FaultPlan(loss: 0.15, jitter: 0.02, reorder: 0.2, seed: 5))
        var compute = WorkerCompute()
        for t in 0..<tasks.count {
            #expect(!r.taskFinish[t].isNaN, "task \(t) was never accepted")
            let votes = r.attempts.filter { $0.task == t && $0.outcome == .returned }
            #expect(votes.count == 2 && Set(votes.map(\.device)).count == 2, "task \(t): \(votes)")
            let honest = compute.run(tasks.work[t], seed: SplitMix64.mix(UInt64(t) &+ 1), timeScale: 0).checksum
            #expect(r.acceptedChecksum[t] == honest)
        }
        #expect((Self.injected(r, "frames dropped") ?? 0) > 0)
    }

    @Test("frames delayed and reordered: every task is accepted once, and no reordered frame is refused as a replay")
    func delayAndReorder() throws {
        let plan = Self.plan()
        let r = try Self.run(plan, FaultPlan(delay: 0.002, jitter: 0.03, reorder: 0.3, seed: 3))
        Self.expectEachTaskOnce(r, plan)
        #expect((Self.injected(r, "held back") ?? 0) > 0)
        #expect(!r.log.contains { $0.contains("(replayed") }, "\(r.log.filter { $0.contains("replayed") })")
    }

    @Test("a worker that stops reading: its unacknowledged attempt is lost and re-run elsewhere; every task accepted once")
    func stopsReading() throws {
        let plan = Self.plan()
        // LowestIdle gives device 0 the first task; its worker reads that one and no more.
        let r = try Self.run(plan, FaultPlan(stopReading: [0: 1]))
        Self.expectEachTaskOnce(r, plan)
        #expect(r.attempts.filter { $0.device == 0 && $0.outcome == .returned }.count == 1)
        let lost = r.attempts.filter { $0.device == 0 && $0.outcome == .lost }
        #expect(lost.count == 1, "\(r.attempts)")
        #expect(r.log.contains { $0.contains("device 0 has not acknowledged") && $0.contains("not reading") })
        #expect(r.log.contains { $0.contains("device 0 disconnected (not reading)") })
        #expect(Self.injected(r, "attempts lost unacknowledged") == 1)
    }

    @Test("a coordinator restart mid-run: attempts in flight are lost and re-run, workers reconnect, every task accepted once")
    func coordinatorRestart() throws {
        let plan = Self.plan()
        // Tasks from 1 s, 1 s each, three at a time: at 2.5 s three attempts are half done. The
        // restart fires when the loop gets to it (up to 0.2 wall s late on a loaded machine).
        let restartAt = 2.5, downtime = 0.3
        let r = try Self.run(plan, FaultPlan(restartAt: restartAt, restartDowntime: downtime))
        Self.expectEachTaskOnce(r, plan)
        #expect(r.log.contains { $0.contains("coordinator restart") })
        let lost = r.attempts.filter { $0.outcome == .lost }
        #expect((1...3).contains(lost.count) && lost.allSatisfy { $0.lost >= restartAt && $0.lost < restartAt + 2 }, "\(r.attempts)")
        for a in lost {
            #expect(r.attempts.contains { $0.task == a.task && $0.outcome == .returned && $0.assigned > a.assigned }, "task \(a.task) re-run")
        }
        // Back online only once the downtime (0.3 wall s = 3 scenario s) is over.
        let back = restartAt + downtime / plan.timeScale
        for d in 0..<3 {
            #expect(r.log.contains { $0.contains("device \(d) disconnected (coordinator restart)") })
            #expect(r.attempts.contains { $0.device == d && $0.outcome == .returned && $0.assigned >= back - 0.1 },
                    "device \(d) reconnected and worked after the restart")
        }
    }

    @Test("without faults the reliability layer stays silent: no assignment sent again, no second hello, even with slow transfers")
    func silentWithoutFaults() throws {
        // An assignment takes 0.3 + 5e6 / 1e6 = 5.3 s to arrive (more than the 5 s heartbeat
        // timeout), a result 0.3 + 1e6 / 1e6 = 1.3 s (more than a heartbeat interval, 5 / 4 s):
        // heartbeats name nothing while an assignment is on its way, and overtake every result.
        var tasks = TaskTable()
        for _ in 0..<6 { tasks.add(work: .seconds(1), inputBytes: 5e6, outputBytes: 1e6, arrival: SimTime(seconds: 1)) }
        let devices = [EmulatedDevice(latency: 0.3, bandwidth: 1e6), EmulatedDevice(speed: 0.5, latency: 0.3, bandwidth: 1e6)]
        let plan = RuntimePlan(devices: devices, fleet: localFleet(2), tasks: tasks, policy: LowestIdle(),
                               heartbeatTimeout: 5, timeScale: 0.1)
        let r = try runPlan(plan)
        Self.expectEachTaskOnce(r, plan)
        for note in ["sent again", "second hello", "not acknowledged", "retransmission", "faults injected", "disconnected"] {
            #expect(!r.log.contains { $0.contains(note) }, "\(note): \(r.log)")
        }
        #expect(r.attempts.count == 6 && r.attempts.allSatisfy { $0.outcome == .returned })
    }

    @Test("a worker whose coordinator is gone for good (connection closed, port no longer listening) exits")
    func workerExitsWithoutCoordinator() throws {
        let listener = try Socket.listen()
        let p = Process()
        p.executableURL = URL(fileURLWithPath: try ReferenceRuntime.locateWorker())
        p.arguments = ["--device", "0"]
        p.environment = ["SWARMLAB_PORT": "\(listener.port)", "SWARMLAB_DEVICE": "0", "SWARMLAB_KEY": String(repeating: "ab", count: 32)]
        try p.run()
        var connection: Int32 = -1
        let deadline = Date().addingTimeInterval(30)
        while connection < 0 && Date() < deadline {
            connection = accept(listener.fd, nil, nil)
            if connection < 0 { usleep(20_000) }
        }
        #expect(connection >= 0)
        close(listener.fd)
        close(connection)
        let closed = Date()
        // It tries to connect again for `Worker.reconnectWindow` seconds, then exits.
        let gone = closed.addingTimeInterval(Worker.reconnectWindow + 5)
        while p.isRunning && Date() < gone { usleep(20_000) }
        let running = p.isRunning
        if running { p.terminate() }
        #expect(!running, "the worker outlived its coordinator's port")
        #expect(!running && p.terminationStatus == 0)
        #expect(Date().timeIntervalSince(closed) >= Worker.reconnectWindow - 0.5, "it tried to reconnect first")
    }
}

extension FaultPlan {
    func with(reorderHold: Double) -> FaultPlan { var p = self; p.reorderHold = reorderHold; return p }
}
