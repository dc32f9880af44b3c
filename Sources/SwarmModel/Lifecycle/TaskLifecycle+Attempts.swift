import SwarmKernel

/// The end of attempts: cancelling, counting out, freeing their slot.
extension TaskLifecycle {
    /// Cancels every running attempt of `t`; returns the seconds they had run, counted as busy.
    @discardableResult
    func cancelAttempts(of t: Int) -> Double {
        var total = 0.0
        for d in liveDevices[t] ?? [] {
            let d = Int(d), s = slot(of: t, on: d)
            driver.cancelAttempt(task: t, device: d, slot: s)
            let seconds = elapsedSeconds(s)
            metrics.busy(seconds * busyShare(s), on: view.deviceClass(d), tenant: Int(tasks.tenant[t]))
            total += seconds
            endAttempt(t, d)
            driver.record(.cancelled(task: TaskID(index: t), device: d, at: driver.now))
            release(slot: s)
        }
        liveDevices[t] = nil
        return total
    }

    /// The attempt of `t` on `d` is over (returned or lost): counts it out.
    func endAttempt(_ t: Int, _ d: Int) {
        live[t] -= 1
        attemptsOut -= 1
        queues.running[Int(tasks.tenant[t])] -= 1
        liveDevices[t]?.removeAll { $0 == Int32(d) }
        if liveDevices[t]?.isEmpty == true { liveDevices[t] = nil }
    }

    /// Slot `s` is free again; its device is idle if it is online, allowed and not held by
    /// the driver (a Kubernetes node: idle all along if it had room, idle time counted from now
    /// if it runs no pod any more).
    func release(slot s: Int) {
        let d = device(ofSlot: s)
        current[s] = -1
        view.running[d] -= 1
        if view.runsPods(d) {
            giveBack(slot: s, device: d)
            if view.running[d] == 0 && view.isIdle(d) { idleSince[d] = driver.now.ticks }
            // Offered all along, it now has more free: a task too big before may fit.
            if view.isIdle(d) { requestDispatch() }
        }
        refreshIdle(d)
    }

    /// Seconds slot `s`'s current attempt has run.
    func elapsedSeconds(_ s: Int) -> Double { Double(driver.now.ticks - attemptStart[s]) / 1e9 }
}
