import SwarmKernel

/// Elastic pools in simulated time (`ElasticPool`): one evaluation event per pool per
/// `evaluationInterval`, one ready event per slot provisioned. A run whose work is over keeps
/// going until every pool is back at its minimum (the scale-downs after the work are in the
/// log and on the bill), then stops.
extension WorkEngine {
    /// The run's pools: their scale-event log and bills (nil: the run has none).
    public var elasticPools: ElasticPools? { elastic }

    /// Registers the pools' events and schedules each pool's first evaluation (from `init`).
    func startPools(_ pools: [ElasticPool], taskCount: Int) {
        elastic = ElasticPools(pools: pools, fleetCount: view.fleet.count, taskCount: taskCount, start: sim.now.ticks)
        poolKinds.evaluate = sim.register("pool-evaluate") { [unowned self] e in self.evaluatePool(Int(e.target)) }
        poolKinds.ready = sim.register("pool-ready") { [unowned self] e in self.poolDeviceReady(Int(e.target)) }
        for (p, pool) in pools.enumerated() {
            sim.schedule(poolKinds.evaluate, target: UInt32(p), after: pool.evaluationInterval)
        }
    }

    /// Pool `p`'s periodic evaluation: scale up or down by its rule, outside its cooldown.
    ///
    /// - Complexity: O(1) without a scale event; O(pool slots) with one.
    func evaluatePool(_ p: Int) {
        let pool = elastic!.pools[p]
        let now = sim.now.ticks
        sim.schedule(poolKinds.evaluate, target: UInt32(p), after: pool.evaluationInterval)
        let size = elastic!.size[p]
        let desired = pool.desiredSize(up: elastic!.upCount[p], busy: elastic!.busy[p], queued: elastic!.queued)
        let last = elastic!.lastScale[p]
        let cooling = last != .min && now - last < pool.cooldown.ticks
        if !cooling && desired > size {
            let add = min(pool.stepUp, desired - size)
            var added = 0
            for d in pool.devices where added < add && elastic!.slot[d - elastic!.firstPoolDevice] == ElasticPools.off {
                let s = d - elastic!.firstPoolDevice
                elastic!.slot[s] = ElasticPools.booting
                elastic!.leaseStart[s] = now
                sim.schedule(poolKinds.ready, target: UInt32(d), after: pool.provisioningDelay)
                added += 1
            }
            elastic!.size[p] += added
            elastic!.lastScale[p] = now
            elastic!.bills[p].scaleUps += 1
            elastic!.log(p, .scaleUp, devices: added, desired: desired, at: now)
        } else if !cooling && desired < size && elastic!.upCount[p] == size {
            // No scale-down while a requested device still boots (warm-up): the request is
            // not undone by the next evaluation, as EC2 Auto Scaling's instance warm-up and
            // the cluster autoscaler's scale-down delay after an add do.
            let released = releasePoolDevices(p, count: min(pool.stepDown, size - desired))
            if released > 0 {
                elastic!.lastScale[p] = now
                elastic!.bills[p].scaleDowns += 1
                elastic!.log(p, .scaleDown, devices: released, desired: desired, at: now)
            }
        }
        if workOver && elastic!.quiescent { sim.stop() }
    }

    /// Releases up to `count` idle up slots of pool `p` (highest id first), never a busy one;
    /// returns how many.
    func releasePoolDevices(_ p: Int, count: Int) -> Int {
        let pool = elastic!.pools[p]
        let base = elastic!.firstPoolDevice
        let now = sim.now.ticks
        var released = 0
        for d in pool.devices.reversed() where released < count && elastic!.slot[d - base] == ElasticPools.up {
            // Idle: online and running nothing (an up device the availability model holds
            // offline runs nothing either).
            guard lifecycle.current[d] < 0 else { continue }
            let s = d - base
            elastic!.slot[s] = ElasticPools.off
            if view.isOnline(d) { lifecycle.deviceWentOffline(d) }
            elastic!.upTotal[s] += Double(now - elastic!.upSince[s]) / 1e9
            elastic!.upSince[s] = -1
            elastic!.closeLease(s, pool: p, at: now)
            elastic!.size[p] -= 1
            elastic!.upCount[p] -= 1
            released += 1
        }
        return released
    }

    /// Slot `d` finished provisioning: it is up, and online if its availability allows.
    func poolDeviceReady(_ d: Int) {
        guard let p = elastic!.pool(of: d), elastic!.slot[d - elastic!.firstPoolDevice] == ElasticPools.booting else { return }
        let s = d - elastic!.firstPoolDevice
        elastic!.slot[s] = ElasticPools.up
        elastic!.upSince[s] = sim.now.ticks
        elastic!.upCount[p] += 1
        elastic!.log(p, .ready, devices: 1, desired: elastic!.size[p], at: sim.now.ticks)
        if availability.isAvailable(d, at: sim.now) { cameOnline(d) }
    }
}

extension WorkEngine {
    /// Checks the pools' counters against their slots, the lifecycle and the task table
    /// (tests; O(pool slots + tasks)): size = slots not off, up = slots up and each of them
    /// online when available, busy = pool devices running an attempt, queued = tasks queued,
    /// no device online that is not up.
    public func checkPoolInvariants() {
        guard let e = elastic else { return }
        let base = e.firstPoolDevice
        for (p, pool) in e.pools.enumerated() {
            let slots = pool.devices.map { e.slot[$0 - base] }
            precondition(e.size[p] == slots.filter { $0 != ElasticPools.off }.count, "pool \(pool.name): size is stale")
            precondition(e.upCount[p] == slots.filter { $0 == ElasticPools.up }.count, "pool \(pool.name): up count is stale")
            precondition((pool.minSize...pool.maxSize).contains(e.size[p]), "pool \(pool.name): size outside min…max")
            precondition(e.busy[p] == pool.devices.filter { lifecycle.current[$0] >= 0 }.count, "pool \(pool.name): busy count is stale")
            for d in pool.devices where !e.isUp(d) { precondition(!view.isOnline(d), "pool \(pool.name): device \(d) online but not up") }
        }
        precondition(e.queued == (0..<tasks.count).filter { tasks.state[$0] == .queued }.count, "queued count is stale")
    }
}
