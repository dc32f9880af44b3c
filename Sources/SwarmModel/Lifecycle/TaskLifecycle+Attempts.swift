import SwarmKernel

/// The end of attempts: cancelling, counting out, freeing their slot.
extension TaskLifecycle {
    /// Cancels every running attempt of `t`; returns the seconds they had run, counted as busy.
    @discardableResult
    func cancelAttempts(of t: Int) -> Double {
        var total = 0.0
        // Its slots, most recent first (each attempt's end unlinks it from the list).
        scratch.removeAll(keepingCapacity: true)
        var k = firstLive[t]
        while k >= 0 { scratch.append(k); k = nextLive[Int(k)] }
        scratch.reverse()   // the order they started in
        let running = scratch
        for s in running {
            let s = Int(s), d = device(ofSlot: s)
            driver.cancelAttempt(task: t, device: d, slot: s)
            let seconds = elapsedSeconds(s)
            metrics.busy(seconds * busyShare(s), rates: view.rates(d), tenant: Int(tasks.tenant[t]))
            total += seconds
            endAttempt(t, slot: s)
            driver.record(.cancelled(task: TaskID(index: t), device: d, at: driver.now))
            release(slot: s)
        }
        return total
    }

    /// The attempt of `t` in slot `s` is over (returned or lost): counts it out.
    func endAttempt(_ t: Int, slot s: Int) {
        live[t] -= 1
        attemptsOut -= 1
        queues.running[Int(tasks.tenant[t])] -= 1
        // unlink s from t's list of slots
        if firstLive[t] == Int32(s) {
            firstLive[t] = nextLive[s]
        } else {
            var k = Int(firstLive[t])
            while k >= 0 && nextLive[k] != Int32(s) { k = Int(nextLive[k]) }
            if k >= 0 { nextLive[k] = nextLive[s] }
        }
        nextLive[s] = -1
        if firstLive[t] < 0 && runningPosition[t] >= 0 {
            // swap-remove t from the running tasks
            let i = Int(runningPosition[t]), last = runningTasks.removeLast()
            if Int(last) != t { runningTasks[i] = last; runningPosition[Int(last)] = Int32(i) }
            runningPosition[t] = -1
        }
    }

    /// Whether an attempt of `t` runs on device `d` (in any of its slots).
    func runs(_ t: Int, on d: Int) -> Bool {
        var k = firstLive[t]
        while k >= 0 { if device(ofSlot: Int(k)) == d { return true }; k = nextLive[Int(k)] }
        return false
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
