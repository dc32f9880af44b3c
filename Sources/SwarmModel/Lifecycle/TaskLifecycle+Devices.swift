import SwarmKernel

/// Devices coming and going, lost attempts and their detection, and the accounting of idle
/// time and bytes: what a driver tells the lifecycle about its devices.
extension TaskLifecycle {
    // MARK: churn

    /// Device `d` came online.
    public func deviceCameOnline(_ d: Int) {
        guard !view.isOnline(d) else { return }
        let driver = self.driver   // one retain for the call, not one per use
        let now = driver.now
        view.onlineSince[d] = now.ticks
        view.onlineCount += 1
        driver.record(.online(device: d, at: now))
        guard !blacklisted[d] else { return }
        refreshIdle(d)
        policy.deviceJoined(d, fleet: view)
        requestDispatch()
    }

    /// Device `d`'s attempt is gone with the device (it went offline, or its worker went
    /// silent): its work is wasted. Returns the task, whose loss is noticed later
    /// (`lossDetected`). Nil if the device ran nothing.
    @discardableResult
    public func attemptLost(device d: Int) -> Int? { attemptLost(slot: d) }

    /// The attempt in slot `s` is gone with its device (a Kubernetes node going offline loses
    /// the attempt of every slot it has: call this for each). Nil if the slot ran nothing.
    @discardableResult
    public func attemptLost(slot s: Int) -> Int? {
        guard current[s] >= 0 else { return nil }
        let driver = self.driver   // one retain for the call, not one per use
        let t = Int(current[s]), d = device(ofSlot: s)
        let now = driver.now
        let lostSeconds = elapsedSeconds(s)
        metrics.wastedSeconds += lostSeconds
        metrics.busy(lostSeconds * busyShare(s), rates: view.rates(d), tenant: Int(tasks.tenant[t]))
        metrics.attemptsLost += 1
        view.failed[d] += 1
        endAttempt(t, slot: s)
        unreplaced[t] += 1
        current[s] = -1
        view.running[d] -= 1
        if view.runsPods(d) { giveBack(slot: s, device: d) }
        driver.record(.lost(task: TaskID(index: t), device: d, at: now))
        return t
    }

    /// Device `d` went offline (call `attemptLost` first if it ran an attempt).
    public func deviceWentOffline(_ d: Int) {
        guard view.isOnline(d) else { return }
        let driver = self.driver   // one retain for the call, not one per use
        let now = driver.now
        if view.isIdle(d) {
            view.markNotIdle(d)
            accountIdle(d, until: now.ticks)
        }
        view.onlineSince[d] = .min
        view.onlineCount -= 1
        driver.record(.offline(device: d, at: now))
        policy.deviceLeft(d, fleet: view)
    }

    /// The loss of an attempt of `t` was noticed (its heartbeats stopped): one more attempt.
    public func lossDetected(task t: Int) {
        guard tasks.state[t] != .done && tasks.state[t] != .dropped else { return }
        driver.record(.requeued(task: TaskID(index: t), at: driver.now))
        policy.taskFailed(TaskID(index: t), on: Int(lastDevice[t]), fleet: view)
        guard unreplaced[t] > 0 else { return }   // already replaced by a validator's request
        unreplaced[t] -= 1
        needed[t] += 1
        enqueue(t)
    }

    /// Whether the driver holds device `d` busy with work the lifecycle no longer counts (a
    /// worker still computing an attempt that was given up on): it is not offered meanwhile.
    public func setOccupied(_ d: Int, _ busy: Bool) {
        guard occupied[d] != busy else { return }
        occupied[d] = busy
        if busy {
            if view.isIdle(d) { view.markNotIdle(d); accountIdle(d, until: driver.now.ticks) }
        } else {
            refreshIdle(d)
        }
    }

    /// Offers device `d` again if it is online, runs nothing, is allowed and not held.
    public func refreshIdle(_ d: Int) {
        guard view.hasRoom(d) && !occupied[d] && !blacklisted[d] && view.isOnline(d) && !view.isIdle(d) else { return }
        view.markIdle(d); idleSince[d] = driver.now.ticks; requestDispatch()
    }

    /// A transfer of task `t` to or from device `d` delivered `bytes`; those crossing regions
    /// (the data's region is not the device's) count as WAN bytes too.
    public func moved(task t: Int, device d: Int, bytes: Double) {
        guard bytes > 0 else { return }
        taskBytes[t] += bytes
        deviceBytes[d] += bytes
        metrics.bytesMoved += bytes
        if Int(tasks.dataRegion[t]) != view.region(d) { metrics.wanBytes += bytes }
    }

    /// Closes the idle stretches still open at the end of a run (for the metrics).
    public func closeIdle() {
        let now = driver.now.ticks
        for d in 0..<view.fleet.count where view.isIdle(d) { accountIdle(d, until: now); idleSince[d] = now }
    }

    /// Idle time counts while a device runs nothing (a Kubernetes node with pods running is
    /// offered, not idle).
    func accountIdle(_ d: Int, until now: Int64) {
        guard view.running[d] == 0 else { return }
        metrics.idle(Double(now - idleSince[d]) / 1e9, rates: view.rates(d))
    }
}
