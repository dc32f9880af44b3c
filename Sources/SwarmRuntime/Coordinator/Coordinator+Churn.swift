import Foundation
import SwarmModel

/// The plan's churn, made real: pauses (SIGSTOP … SIGCONT), kills and restarts, each losing
/// the attempt it hits as an OFF period does in the simulator. The launcher delivers them
/// (`WorkerLauncher`: directly to a local worker, through `srun` to a remote one).
extension Coordinator {
    // MARK: churn

    /// The plan stops device `d` (pause or kill): as in the simulator, its attempt is lost at
    /// once and the loss noticed a heartbeat timeout later.
    func planStopped(_ d: Int) {
        let a = current[d]
        if a >= 0 && open[a] {
            loseAttempt(a, workedUntil: wall, detectAt: wall + heartbeatWall)
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

    func resume(_ d: Int) {
        guard paused[d] else { return }
        launcher.resume(pid[d])
        paused[d] = false
        note("device \(d) resumed (SIGCONT)")
    }

    func kill(_ d: Int) {
        guard pid[d] > 0, !killed[d] else { return }
        launcher.kill(pid[d])
        pid[d] = 0
        // A step Slurm is still cancelling may hold its connection a moment longer: close it
        // now, so the restarted worker is not refused as a second connection for the device.
        if case .srun = launcher.launch, let fd = connectionOf[d] { closeConnection(fd, why: "killed through srun") }
        killed[d] = true
        paused[d] = false
        planStopped(d)
        if current[d] >= 0 { workerDone(current[d], on: d) }   // the process is gone with it
        note("device \(d) killed (SIGKILL)")
    }

    func restart(_ d: Int) {
        guard killed[d] else { return }
        killed[d] = false
        do { try spawn(d); note("device \(d) restarted") } catch { note("device \(d) not restarted: \(error)") }
    }

    /// Device `d` is away: no new work for it.
    func goneAway(_ d: Int) {
        if lifecycle.view.isOnline(d) { lifecycle.deviceWentOffline(d) }
    }
}
