import Foundation
import SwarmModel

/// What the coordinator does with a worker's message once it has arrived (after its emulated delay).
extension Coordinator {
    // MARK: messages that have arrived (after their emulated delay)

    func handle(_ message: Message, from d: Int, connection serial: Int) {
        heard[serial] = wall
        switch message {
        case .hello:
            if started && !paused[d] && !killed[d] && connectionOf[d] != nil { lifecycle.deviceCameOnline(d) }
        case .heartbeat(let task, let attempt):
            reported(task: task, attempt: attempt, from: d, connection: serial)
            // A device heard from again after it went silent comes back; if its worker still
            // holds an attempt given up on, it stays busy until that result comes.
            if started && !paused[d] && !killed[d] && connectionOf[d] != nil && !lifecycle.view.isOnline(d) {
                if task >= 0 && lifecycle.current[d] < 0 { lifecycle.setOccupied(d, true) }
                lifecycle.deviceCameOnline(d)
                note("device \(d) heard from again")
            }
        case .result(let r):
            returned(r, from: d)
        case .abandon(let t, let attempt):
            abandoned(task: t, attempt: attempt, from: d)
        case .welcome, .assign, .submit, .shutdown:
            break
        }
    }

    /// The worker of device `d` no longer holds attempt `a`: the device is free again.
    func workerDone(_ a: Int, on d: Int) {
        if current[d] == a { current[d] = -1 }
        if current[d] < 0 { lifecycle.setOccupied(d, false) }
    }

    /// Device `d` gave up an attempt because its worker was stopped while holding it.
    func abandoned(task t: UInt32, attempt: UInt16, from d: Int) {
        guard let a = attemptIndex[UInt64(t) << 16 | UInt64(attempt)], records[a].device == d else {
            note("device \(d): abandoned task \(t) attempt \(attempt), which it was not given; dropped")
            return
        }
        if open[a] {
            // A stop the plan did not make: lost now, noticed a heartbeat timeout after the
            // connection was last heard from.
            note("device \(d) abandoned attempt \(attempt) of task \(t) after a stop")
            let last = heard[attemptSerial[a]] ?? wall
            loseAttempt(a, workedUntil: last, detectAt: last + heartbeatWall)
        } else {
            note("device \(d) abandoned attempt \(attempt) of task \(t), already lost or cancelled")
        }
        workerDone(a, on: d)
    }

    func returned(_ r: Message.AttemptResult, from d: Int) {
        guard let a = attemptIndex[UInt64(r.task) << 16 | UInt64(r.attempt)], records[a].device == d else {
            note("device \(d): result for task \(r.task) attempt \(r.attempt), which it was not given; dropped")
            return
        }
        guard records[a].outcome != .returned else {
            note("device \(d): result of attempt \(r.attempt) of task \(r.task) again (a retransmission); ignored")
            return
        }
        // The worker's stamps of instants this process chose (`due`) can come back a last
        // bit apart ((start + x) − start ≠ x in floating point): kept in order.
        records[a].computeStart = max(records[a].assigned, scenario(r.computeStart - start))
        records[a].computeEnd = max(records[a].computeStart, scenario(r.computeEnd - start))
        records[a].kernelCPUSeconds = r.kernelCPUSeconds >= 0 ? r.kernelCPUSeconds : .nan
        records[a].attemptCPUSeconds = r.attemptCPUSeconds >= 0 ? r.attemptCPUSeconds : .nan
        records[a].returned = max(records[a].computeEnd, scenarioNow)
        records[a].checksum = r.checksum
        let stillCounted = open[a]
        if stillCounted {
            open[a] = false
            records[a].outcome = .returned
            current[d] = -1
            lifecycle.attemptReturned(device: d, result: r.checksum)
        } else {
            note("device \(d): late result of attempt \(r.attempt) of task \(r.task) (lost or cancelled); ignored")
            workerDone(a, on: d)
        }
    }
}
