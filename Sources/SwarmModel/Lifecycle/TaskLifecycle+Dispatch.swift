import SwarmKernel

/// Dispatch rounds: the policy places ready tasks on idle devices, refused devices are hidden
/// and the policy asked again, placements start attempts; speculation queues backups.
extension TaskLifecycle {
    /// One dispatch: the policy places queued tasks (their replicas together) on idle devices,
    /// in rounds at the same instant while rounds make progress.
    public func dispatch() {
        dispatchPending = false
        var waiting = queues.compact(tasks)
        if !waiting && view.idleCount > 0, configuration.speculation != nil { waiting = speculate() }
        guard waiting, view.idleCount > 0 else { return }
        let now = driver.now
        view.now = now
        // One vote per device: a device that already returned a result for the task is refused;
        // so is a device the task's tenant may not use (owned by a contributor who did not
        // lend it to that tenant).
        let alreadyVoted = refusesDevice
        var placements = Placements(view: view, alreadyTried: alreadyVoted)
        placements.reuse(&assignmentBuffer)
        // The policy's view of the queues shares the task table: it must be gone before
        // attempts start and write to the table, or every round would copy the table's arrays.
        do {
            let ready = queues.ready(tasks, needed: needed, weights: tenantWeights, quotas: tenantQuotas)
            policy.place(ready, on: view, into: &placements)
            // A policy that keeps picking an idle device the task may not use — one that already
            // voted on it (fastest-first takes the last idle device of its bucket), one too small
            // for it, one outside its residency — would leave the task waiting while other devices
            // idle. While a round places nothing but refused such a device, the first one is
            // hidden from the idle index and the policy asked again; hidden devices come back at
            // the end of this dispatch. One at a time: the device one task may not use may be the
            // one another task needs. Each pass hides a device, so this ends.
            while placements.assignments.isEmpty && placements.firstRefusedIdle >= 0 {
                let pick = placements.firstRefusedIdle
                view.markNotIdle(Int(pick))
                hidden.append(pick)
                guard view.idleCount > 0 else { break }
                metrics.refusedPlacements += placements.refused
                var again = Placements(view: view, alreadyTried: alreadyVoted)
                var buffer = placements.takeAssignments()
                again.reuse(&buffer)
                placements = again
                policy.place(ready, on: view, into: &placements)
            }
        }
        metrics.refusedPlacements += placements.refused
        var moreWanted = false, startedAny = false
        // A round places hundreds of tasks on devices picked at random across the fleet:
        // the driver fetches the state of the device a few placements ahead, so starting one
        // does not wait on memory (at 10⁶ devices each start missed the cache on every table).
        let starter = driver   // one retain for the round
        let count = placements.assignments.count
        for i in 0..<min(count, TaskLifecycle.startLookahead) { starter.willStart(device: placements.assignments[i].device) }
        // by index: an iterator over the tuples is generic code that allocates in a debug build
        for i in 0..<count {
            if i + TaskLifecycle.startLookahead < count {
                starter.willStart(device: placements.assignments[i + TaskLifecycle.startLookahead].device)
            }
            let (task, device) = placements.assignments[i]
            let t = task.index
            let pod = view.runsPods(device)
            if pod { view.releaseHold(podRequests(t), on: device) }
            // Assign already checked the device, residency and memory; attempts beyond what
            // the task needs, or beyond its tenant's quota, are refused.
            let k = t < tasks.count ? Int(tasks.tenant[t]) : 0
            guard t < tasks.count, tasks.state[t] == .queued, needed[t] > 0,
                  queues.running[k] < configuration.tenants[k].quota ?? .max else {
                metrics.refusedPlacements += 1
                if pod { refreshIdle(device) } else { view.markIdle(device) }
                continue
            }
            start(t, on: device)
            startedAny = true
            if needed[t] > 0 { moreWanted = true }
        }
        placements.reuse(&assignmentBuffer)   // the buffer back, for the next round
        // Hidden devices are still idle, online and not blacklisted: nothing else ran meanwhile.
        if !hidden.isEmpty {
            for d in hidden { view.markIdle(Int(d)) }
            hidden.removeAll(keepingCapacity: true)
            if startedAny { moreWanted = true }
        }
        if moreWanted && view.idleCount > 0 { requestDispatch() }
    }

    /// How many placements ahead of the one starting its device's state is fetched.
    static let startLookahead = 8

    /// Queues backup attempts for stragglers; returns whether any was queued.
    func speculate() -> Bool {
        let now = driver.now.ticks
        guard let spec = configuration.speculation, now >= nextSpeculationCheck, !runningTasks.isEmpty else { return false }
        nextSpeculationCheck = now + spec.checkEvery.ticks
        // Look again later even if nothing else happens (a straggler raises no event).
        driver.requestDispatch(at: SimTime(ticks: nextSpeculationCheck))
        guard attemptSeconds.count > 0 else { return false }
        let limit = spec.slowdown * attemptSeconds.mean
        var queued = false
        scratch.removeAll(keepingCapacity: true)
        scratch.append(contentsOf: runningTasks)
        scratch.sort()   // task order, whatever order attempts started and ended in
        for t32 in scratch where live[Int(t32)] == 1 && !speculated.contains(Int(t32)) && tasks.state[Int(t32)] == .running {
            let t = Int(t32)
            let elapsed = elapsedSeconds(Int(firstLive[t]))
            guard elapsed > limit else { continue }
            speculated.insert(t)
            metrics.backupAttempts += 1
            needed[t] += 1
            enqueue(t)
            queued = true
        }
        return queued
    }
}
