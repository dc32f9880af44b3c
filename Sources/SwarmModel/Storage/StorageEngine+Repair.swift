import SwarmKernel

/// Repairs under way: per job its segment, the devices reserved for new pieces (a slice of
/// one flat array), recycled through a free list so repairs allocate nothing once warm.
struct RepairJobs {
    var segment: [Int] = []
    var targets: [[UInt32]] = []
    var freeJobs: [Int] = []
    var running = 0

    mutating func start(_ s: Int, _ devices: [Int]) -> Int {
        running += 1
        if let j = freeJobs.popLast() {
            segment[j] = s
            targets[j].removeAll(keepingCapacity: true)
            targets[j].append(contentsOf: devices.map(UInt32.init))
            return j
        }
        segment.append(s); targets.append(devices.map(UInt32.init))
        return segment.count - 1
    }

    mutating func finish(_ j: Int) { running -= 1; freeJobs.append(j) }
}

extension StorageEngine {
    /// Starts repairing segment s if its live pieces are below its threshold, it is still
    /// readable (≥ k live) and no repair of it is under way.
    func considerRepair(_ s: Int) {
        let g = group(ofSegment: s)
        let threshold = spec.objects[g].repairThreshold
        let l = Int(live[s])
        guard threshold > 0, l < threshold, l >= groupK[g], !repairing[s], !segmentLost[s] else { return }
        let missing = groupN[g] - l
        let targets = choose(for: s, pieces: missing, repair: true)
        guard let repairer = targets.first else { metrics.repairsStalled += 1; return }
        repairing[s] = true
        metrics.repairsStarted += 1
        // Read: k live pieces from the holders nearest the repairer, in parallel into its
        // downlink. Write: the other new pieces out of its uplink (it keeps one itself).
        let piece = groupPieceBytes[g]
        let k = groupK[g]
        let sources = nearestLive(slots(of: s), to: repairer, count: k)
        let r = fleet.deviceClass(repairer)
        var read = 0.0
        for src in sources {
            let c = fleet.deviceClass(src)
            let t = transferSeconds(bytes: piece, from: src, to: repairer, rate: min(c.uplink, r.downlink / Double(k)))
            read = max(read, t)
            metrics.repairEnergyJoules += c.busyWatts * piece / c.uplink
        }
        var write = 0.0
        for t in targets.dropFirst() {
            let c = fleet.deviceClass(t)
            write = max(write, transferSeconds(bytes: piece * Double(targets.count - 1), from: repairer, to: t, rate: r.uplink))
            metrics.repairEnergyJoules += c.busyWatts * piece / c.downlink
        }
        metrics.repairEnergyJoules += r.busyWatts * (read + write)
        metrics.repairBytesRead += Double(k) * piece
        metrics.repairBytesWritten += Double(targets.count) * piece
        metrics.repairSeconds += read + write
        let job = repairs.start(s, targets)
        _ = sim.schedule(kinds.repaired, target: UInt32(job), after: SimDuration(seconds: read + write))
    }

    /// The network model's rule for one transfer: one-way latency between the regions plus
    /// both access latencies, then the bytes at `rate` (bytes/s).
    func transferSeconds(bytes: Double, from a: Int, to b: Int, rate: Double) -> Double {
        regionLatency(Int(fleet.regionOf[a]), Int(fleet.regionOf[b]))
            + fleet.deviceClass(a).accessLatency.seconds + fleet.deviceClass(b).accessLatency.seconds + bytes / rate
    }

    /// Up to `count` online holders among `slots`, nearest to device d first (one-way latency
    /// between regions, then device id).
    func nearestLive(_ slots: Range<Int>, to d: Int, count: Int) -> [Int] {
        let r = Int(fleet.regionOf[d])
        let holders = slots.compactMap { i -> Int? in
            let h = holder[i]
            return h != StorageEngine.none && online[Int(h)] ? Int(h) : nil
        }
        return Array(holders.sorted { (view.latency(from: Int(fleet.regionOf[$0]), to: r), $0) < (view.latency(from: Int(fleet.regionOf[$1]), to: r), $1) }.prefix(count))
    }

    /// A repair finished: the new pieces replace the segment's pieces that are not live now
    /// (on offline holders, or gone); reservations not needed are released.
    func repairDone(_ job: Int) {
        account()
        let s = repairs.segment[job]
        let targets = repairs.targets[job]
        repairs.finish(job)
        repairing[s] = false
        let piece = groupPieceBytes[group(ofSegment: s)]
        var next = targets.makeIterator()
        var placed = 0
        if !segmentLost[s] {
            for slot in slots(of: s) where holder[slot] == StorageEngine.none || !online[Int(holder[slot])] {
                guard let t = nextTarget(&next) else { break }
                if holder[slot] != StorageEngine.none { drop(slot: slot, segment: s) }
                put(slot: slot, segment: s, on: t)
                placed += 1
            }
        }
        metrics.repairsDone += 1
        metrics.piecesRepaired += placed
        while let t = nextTarget(&next) { view.free[t] += piece; refresh(t) }
        if placed > 0 { considerRepair(s) }
    }

    /// The next reserved device that has not left meanwhile.
    func nextTarget(_ it: inout IndexingIterator<[UInt32]>) -> Int? {
        while let t = it.next() { if !departed[Int(t)] { return Int(t) } }
        return nil
    }
}
