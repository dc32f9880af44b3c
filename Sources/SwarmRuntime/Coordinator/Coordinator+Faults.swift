import Foundation
import SwarmKernel
import SwarmModel

/// What keeps the wire reliable when frames are lost, delayed or reordered, a worker stops
/// reading, or the coordinator restarts — and the injection of those faults
/// (`FaultPlan`, applied here to the frames of workers' connections). Without injected
/// faults none of it changes a run: TCP neither loses nor reorders, and a worker's
/// heartbeats always name the attempt it holds.
struct Reliability {
    var injector: FaultInjector?
    /// Per attempt (index into `records`): since when (wall) the worker's heartbeats have
    /// named something else than the attempt (NaN: they named it, or none came yet), and
    /// when its assignment was last sent again (wall; −∞ never).
    var mismatchSince: [Double] = []
    var resentAt: [Double] = []
    /// When its assignment was last written to the worker (wall; NaN: not yet — it is on
    /// its emulated way): heartbeats before it reached the worker say nothing about it.
    var writtenAt: [Double] = []
    /// Assignments sent again, attempts lost because their worker never acknowledged them.
    var resent = 0, unacknowledged = 0
    /// Connections are accepted from this wall time on (a restart's downtime ends).
    var acceptFrom = 0.0

    init(faults: FaultPlan?) { injector = faults.map(FaultInjector.init) }

    mutating func began() { mismatchSince.append(.nan); resentAt.append(-.infinity); writtenAt.append(.nan) }
}

extension Coordinator {
    // MARK: injected faults

    /// Writes a frame to device `d`'s worker — after the fault plan dropped or held it.
    func transmit(_ bytes: [UInt8], kind: FrameKind, to d: Int, fd: Int32, serial: Int) {
        if reliability.injector != nil {
            guard let hold = reliability.injector!.decide(device: d) else {
                note("fault: \(kind) frame to device \(d) dropped")
                return
            }
            if hold > 0 { after(hold, .wire(device: d, connection: serial, bytes)); return }
        }
        if !Socket.writeAll(fd, bytes) { lostWrite(fd, device: d, what: "a \(kind) frame") }
    }

    /// A write that failed or did not complete within `Socket.sendLimit` (the worker stopped
    /// reading): the connection is lost, as when the worker closes it — part of a frame may be
    /// on the wire, so nothing more can be sent on it.
    func lostWrite(_ fd: Int32, device d: Int, what: String) {
        note("device \(d): \(what) not delivered (connection lost or not read within \(Socket.sendLimit) s)")
        closeConnection(fd, why: "write failed or not read within \(Socket.sendLimit) s")
    }

    /// Takes in a verified frame from connection `fd` — after the fault plan dropped or held it.
    func inbound(_ frame: Frame, on fd: Int32) {
        if reliability.injector != nil, let serial = connections[fd]?.serial {
            guard let hold = reliability.injector!.decide(device: Int(frame.device)) else {
                note("fault: \(frame.kind) frame from device \(frame.device) dropped")
                return
            }
            if hold > 0 { after(hold, .arrive(fd: fd, connection: serial, frame)); return }
        }
        received(frame, on: fd)
    }

    /// Notes when an assignment is written (or dropped by an injected fault: as written).
    func written(_ message: Message) {
        guard case .assign(let x) = message, let a = attemptIndex[UInt64(x.task) << 16 | UInt64(x.attempt)] else { return }
        reliability.writtenAt[a] = wall
    }

    func noteInjectedFaults() {
        guard let i = reliability.injector else { return }
        note("faults injected: \(i.dropped) frames dropped, \(i.delayed) delayed (\(i.heldBack) held back to be overtaken); \(reliability.resent) assignments sent again, \(reliability.unacknowledged) attempts lost unacknowledged")
    }

    // MARK: acknowledgements

    /// A heartbeat of connection `serial` says its worker holds attempt `attempt` of `task`
    /// (task −1: nothing). It acknowledges device `d`'s current attempt when it names it.
    /// When it names something else for longer than a result takes to arrive, the
    /// assignment or the result was lost: the assignment is sent again (the worker answers a
    /// repeated assignment with the result it kept, never by computing again). When that
    /// lasts `heartbeatTimeout`, the worker is not reading: the attempt is lost, through the
    /// shared lifecycle like any lost attempt, and its connection closed.
    func reported(task: Int32, attempt: UInt16, from d: Int, connection serial: Int) {
        let a = current[d]
        guard a >= 0, attemptSerial[a] == serial, !paused[d], !killed[d] else { return }
        if Int(task) == records[a].task && Int(attempt) == records[a].attempt {
            reliability.mismatchSince[a] = .nan
            return
        }
        let w = wall
        // A heartbeat sent before the assignment reached the worker (it is written after
        // its emulated delay; the heartbeat's own delay, plus one interval of slack) does
        // not count.
        guard !reliability.writtenAt[a].isNaN, w - reliability.writtenAt[a] > delay(d, bytes: 0) + heartbeatWall / 4 else { return }
        if reliability.mismatchSince[a].isNaN { reliability.mismatchSince[a] = w; return }
        let waited = w - reliability.mismatchSince[a]
        let grace = delay(d, bytes: records[a].task < m ? plan.tasks.outputBytes[records[a].task] : 0, fromDevice: true) + heartbeatWall / 4
        guard open[a] else {
            // An attempt the lifecycle gave up on, whose result or abandon was lost: the
            // worker says it is free, so it is.
            if waited > grace { workerDone(a, on: d) }
            return
        }
        if waited > heartbeatWall {
            note("device \(d) has not acknowledged attempt \(records[a].attempt) of task \(records[a].task) for \(String(format: "%.3f", waited / plan.timeScale)) s: not reading; attempt lost, connection closed")
            reliability.unacknowledged += 1
            loseAttempt(a, workedUntil: w, detectAt: w)
            workerDone(a, on: d)
            if let fd = connectionOf[d] { closeConnection(fd, why: "not reading") }
        } else if waited > grace && w - reliability.resentAt[a] > grace {
            reliability.resentAt[a] = w
            reliability.resent += 1
            let t = records[a].task
            note("device \(d) does not hold attempt \(records[a].attempt) of task \(t): assignment sent again")
            sendAssignment(task: t, attempt: records[a].attempt, to: d, connection: serial)
        }
    }

    /// Sends the assignment of attempt `attempt` of task `t` to device `d`'s connection `serial`.
    func sendAssignment(task t: Int, attempt: Int, to d: Int, connection serial: Int) {
        let assignment = Message.Assignment(task: UInt32(t), attempt: UInt16(attempt),
                                            seed: SplitMix64.mix(UInt64(t) &+ 1), work: plan.tasks.work[t])
        let leg = delay(d, bytes: plan.tasks.inputBytes[t])
        guard sharesClock[d] else { after(leg, .send(device: d, connection: serial, .assign(assignment))); return }
        // One clock: written now, stamped with the instant the emulated link delivers it,
        // which the worker waits for itself (`Worker.run`). Written when due instead, it
        // reached the worker a wake-up late (up to a millisecond or more on a VM), late
        // past what the device's idle absorbs for a short task.
        var early = assignment
        early.due = start + actingInstant + leg
        write(.assign(early), to: d, connection: serial)
    }

    // MARK: restart

    /// The coordinator restarts (an injected fault): what a new coordinator process would
    /// not know is dropped — every connection, every message on its way, when each worker
    /// was last heard from — and it accepts connections again after the downtime. What it
    /// keeps is the lifecycle (tasks, accepted results, attempt records), as a restart from
    /// a journal would; every attempt in flight is lost (no worker can return it to the new
    /// connections) and queued again through the lifecycle. Workers reconnect and say hello.
    func restartSession() {
        let downtime = options.faults?.restartDowntime ?? 0
        note("coordinator restart: every connection and message in flight dropped; accepting again in \(String(format: "%.3f", downtime)) wall s")
        let w = wall
        for d in 0..<n where current[d] >= 0 {
            let a = current[d]
            if open[a] { loseAttempt(a, workedUntil: w, detectAt: w) }
            workerDone(a, on: d)
        }
        for fd in connections.keys.sorted() { closeConnection(fd, why: "coordinator restart") }
        timers.removeAll {
            switch $0.action {
            case .send, .deliver, .wire, .arrive: return true
            default: return false
            }
        }
        heard.removeAll()
        reliability.acceptFrom = w + downtime
    }
}
