import Foundation
import SwarmModel

/// The plan's churn, made real: pauses (SIGSTOP … SIGCONT), kills and restarts, each losing
/// the attempt it hits as an OFF period does in the simulator. The launcher delivers them
/// (`WorkerLauncher`: directly to a local worker, through `srun` to a remote one).
extension Coordinator {
    // MARK: churn

    /// Puts the plan's churn on the timers at its scenario instants, on the task arrivals'
    /// clock (`wallTime(ofScenario:)`): a device off from the first instant (the simulator's
    /// devices start in their stationary state, some OFF) is paused before a task arriving
    /// then is placed. Timed from when this ran, a few microseconds after `origin`, the pause
    /// came after the arrival, the placement took the device, and the attempt was lost a
    /// heartbeat timeout later.
    func scheduleChurn() {
        for d in 0..<n {
            let e = plan.devices[d]
            for p in e.pauses {
                at(wallTime(ofScenario: p.start), .pause(d))
                at(wallTime(ofScenario: p.end), .resume(d))
            }
            if let k = e.killAt {
                at(wallTime(ofScenario: k), .kill(d))
                if let back = e.pauses.filter({ $0.start >= k }).min(by: { $0.start < $1.start }) {
                    at(wallTime(ofScenario: back.end), .restart(d))
                }
            }
        }
    }

    /// The plan stops device `d` (pause or kill): as in the simulator, its attempt is lost at
    /// once and the loss noticed a heartbeat timeout later.
    func planStopped(_ d: Int) {
        let a = current[d]
        if a >= 0 && open[a] {
            loseAttempt(a, workedUntil: actingInstant, detectAt: actingInstant + heartbeatWall)
            lifecycle.setOccupied(d, true)   // the stopped worker still holds it
        }
        goneAway(d)
    }

    func pause(_ d: Int) {
        guard pid[d] > 0, !killed[d], !paused[d] else { return }
        launcher.pause(pid[d])
        paused[d] = true
        planStopped(d)
        note("device \(d) paused (SIGSTOP)")
    }

    /// The OFF period ends: the device is back now, as in the simulator — not when its next
    /// heartbeat gets through (up to a heartbeat interval later, which made every return from
    /// OFF late). A worker stopped in a kernel finishes it and abandons it first: the device
    /// is busy until that `abandon` comes.
    func resume(_ d: Int) {
        guard paused[d] else { return }
        launcher.resume(pid[d])
        paused[d] = false
        lastFrame = wall   // a stall is silence after this, not since the pause began
        note("device \(d) resumed (SIGCONT)")
        comeBack(d)
    }

    /// Device `d`'s OFF period is over and its worker is connected: online for the lifecycle.
    func comeBack(_ d: Int) {
        guard started, let fd = connectionOf[d], let serial = connections[fd]?.serial, !lifecycle.view.isOnline(d) else { return }
        heard[serial] = wall   // woken by us just now: its silence while stopped is over
        if current[d] >= 0 && lifecycle.current[d] < 0 { lifecycle.setOccupied(d, true) }
        lifecycle.deviceCameOnline(d)
    }

    func kill(_ d: Int) {
        guard pid[d] > 0, !killed[d] else { return }
        launcher.kill(pid[d])
        pid[d] = 0
        killed[d] = true
        paused[d] = false
        planStopped(d)
        if current[d] >= 0 { workerDone(current[d], on: d) }   // the process is gone with it
        note("device \(d) killed (SIGKILL)")
        // Closed now (a step Slurm is still cancelling may hold it a moment longer), so the
        // successor's hello is not refused as a second connection for the device.
        if let fd = connectionOf[d] { closeConnection(fd, why: "its worker was killed") }
        // Its successor starts now and warms up while the device is OFF, so the device is
        // back when the period ends, as in the simulator, not a process start and a warm-up
        // later (about 0.1 s with a large kernel, which cost attempts to the next OFF period).
        // It says hello, but counts as offline until `restart`. A kill with no restart
        // planned is a device gone for good: nothing is started.
        if restartPending(d) { respawn(d) }
    }

    func respawn(_ d: Int) {
        do { try spawn(d); note("device \(d) restarted (offline until its OFF period ends)") } catch {
            note("device \(d) not restarted: \(error)")
        }
    }

    /// The killed device's OFF period ends: back now if its new worker has said hello, else
    /// when it does.
    func restart(_ d: Int) {
        guard killed[d] else { return }
        killed[d] = false
        lastFrame = wall
        if pid[d] == 0 { respawn(d) }
        comeBack(d)
        note("device \(d) back after its kill")
    }

    /// Device `d` is away: no new work for it.
    func goneAway(_ d: Int) {
        if lifecycle.view.isOnline(d) { lifecycle.deviceWentOffline(d) }
    }
}
