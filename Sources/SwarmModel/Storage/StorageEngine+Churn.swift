import SwarmKernel

extension StorageEngine {
    /// Device d's availability changed (its pending event): its pieces go live or not.
    func changed(_ d: Int) {
        guard !departed[d] else { return }
        account()
        let s = availability.state(of: d, at: sim.now)
        if s.available != online[d] {
            if s.available { cameOnline(d) } else { wentOffline(d) }
        }
        if s.until != .distantFuture { _ = sim.schedule(kinds.change, target: UInt32(d), at: s.until) }
    }

    /// Device d went offline: each of its pieces stops being live; segments falling below
    /// their repair threshold start repair.
    public func wentOffline(_ d: Int) {
        guard online[d] else { return }
        online[d] = false
        refresh(d)
        // A local reference walked by index: no exclusivity check per piece, and no iterator
        // (which allocates in unoptimised builds); a repair started here never moves d's pieces.
        let held = piecesOf[d]
        for i in held.indices {
            let s = segment(ofSlot: Int(held[i]))
            loseLive(s)
            considerRepair(s)
        }
    }

    /// Device d came back: its pieces are live again.
    public func cameOnline(_ d: Int) {
        guard !online[d] && !departed[d] else { return }
        online[d] = true
        refresh(d)
        // A local reference walked by index: no exclusivity check per piece, and no iterator
        // (which allocates in unoptimised builds); a repair started here never moves d's pieces.
        let held = piecesOf[d]
        for i in held.indices {
            let s = segment(ofSlot: Int(held[i]))
            gainLive(s)
            considerRepair(s)   // readable again (≥ k) but still below threshold
        }
    }

    /// Schedules device d to leave the swarm at t (a scripted departure; the class lifetimes
    /// schedule the others). Outside a handler, call this rather than `depart` once the
    /// simulation has run: events can only be added at or after the next pending one.
    public func scheduleDeparture(_ d: Int, at t: SimTime) {
        _ = sim.schedule(kinds.depart, target: UInt32(d), at: t)
    }

    /// Device d left the swarm for good: its pieces are lost; a segment with fewer than k
    /// pieces left is lost.
    public func depart(_ d: Int) {
        guard !departed[d] else { return }
        account()
        if online[d] { wentOffline(d) }
        departed[d] = true
        metrics.departures += 1
        refresh(d)
        for slot in piecesOf[d] {
            let s = segment(ofSlot: Int(slot))
            holder[Int(slot)] = StorageEngine.none
            present[s] -= 1
            let g = group(ofSegment: s)
            metrics.storedBytes -= groupPieceBytes[g]
            metrics.piecesLost += 1
            if Int(present[s]) < groupK[g] { markLost(s) }
        }
        piecesOf[d] = []
        view.free[d] = 0
    }

    /// Adds the time since the last change to the integrals (available object-seconds,
    /// stored byte-seconds).
    func account() {
        let dt = (sim.now - lastAccounted).seconds
        guard dt > 0 else { return }
        metrics.availableObjectSeconds += Double(metrics.availableObjects) * dt
        metrics.storedByteSeconds += metrics.storedBytes * dt
        metrics.seconds += dt
        lastAccounted = sim.now
    }

    /// A row of the timeline now, and the next one `sampleInterval` later.
    func sample() {
        account()
        timeline.append(StorageSample(time: sim.now.seconds,
                                      availableFraction: metrics.objects == 0 ? 1 : Double(metrics.availableObjects) / Double(metrics.objects),
                                      objectsLost: metrics.objectsLost, storedBytes: metrics.storedBytes,
                                      repairBytes: metrics.repairBytesRead + metrics.repairBytesWritten,
                                      repairsRunning: repairs.running))
        _ = sim.schedule(kinds.sample, after: SimDuration(seconds: spec.sampleInterval))
    }
}
