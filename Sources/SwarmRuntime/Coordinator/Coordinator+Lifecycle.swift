import Foundation
import SwarmKernel
import SwarmModel

/// The coordinator as the shared lifecycle's driver in wall time: its clock (the acting
/// instant), attempts begun and cancelled as messages, barriers and dispatches as timers.
extension Coordinator: LifecycleDriver {
    var now: SimTime { SimTime(seconds: scenarioNow) }

    func beginAttempt(task t: Int, device d: Int) {
        let serial = connectionOf[d].flatMap { connections[$0]?.serial } ?? -1
        let attempt = Int(lifecycle.tasks.attempts[t])
        let a = records.count
        records.append(AttemptRecord(task: t, device: d, attempt: attempt, assigned: scenarioNow, computeStart: .nan,
                                     computeEnd: .nan, returned: .nan, outcome: .cancelled, checksum: 0))
        open.append(true)
        attemptSerial.append(serial)
        reliability.began()
        attemptIndex[UInt64(t) << 16 | UInt64(attempt)] = a
        current[d] = a
        sendAssignment(task: t, attempt: attempt, to: d, connection: serial)
    }

    /// The lifecycle no longer counts the attempt; its worker computes on (a kernel cannot
    /// be interrupted) and the device is busy until the result comes back.
    func cancelAttempt(task t: Int, device d: Int) {
        let a = current[d]
        guard a >= 0, open[a] else { return }
        open[a] = false
        records[a].outcome = .cancelled
        lifecycle.setOccupied(d, true)
    }

    func wakeBarrier(_ task: Int, after delay: SimDuration) { after(delay.seconds * plan.timeScale, .barrier(task: task)) }

    func requestDispatch(at time: SimTime?) {
        if let time { at(wallTime(ofScenario: time.seconds), .dispatch) } else { dispatchWanted = true }
    }

    func record(_ r: LifecycleRecord) {}

    func lifecycleFinished() { finished = true }

    /// The runtime cannot tell a right result from a wrong one without recomputing it.
    func isCorrect(task: Int, result: UInt64) -> Bool { true }
}
