import SwarmKernel

/// Repairs under way: per job its segment and the devices reserved for its new pieces, a
/// fixed-stride slice of one flat array (`stride`: the largest n, the most pieces a repair
/// writes), jobs recycled through a free list, so repairs allocate nothing once warm.
struct RepairJobs {
    var stride = 1
    var segment: [Int] = []
    var targetCount: [Int] = []
    var targets: [UInt32] = []
    var freeJobs: [Int] = []
    var running = 0
    /// On a shared network (`StorageEngine.transport`): per job its sources (stride
    /// `sourceStride`, the largest k), its phase (`RepairPhase`), the pieces still moving,
    /// and when it started (ticks).
    var sourceStride = 1
    var sources: [UInt32] = []
    var sourceCount: [Int] = []
    var phase: [RepairPhase] = []
    var piecesLeft: [Int] = []
    var startedAt: [Int64] = []

    mutating func start(_ s: Int, _ devices: [Int]) -> Int {
        precondition(devices.count <= stride, "a repair writes at most n pieces")
        running += 1
        let j: Int
        if let free = freeJobs.popLast() {
            j = free
            segment[j] = s
        } else {
            j = segment.count
            segment.append(s); targetCount.append(0)
            // One by one: the generic append(contentsOf:) allocates in unoptimised builds.
            for _ in 0..<stride { targets.append(StorageEngine.none) }
            for _ in 0..<sourceStride { sources.append(StorageEngine.none) }
            sourceCount.append(0); phase.append(.readLatency); piecesLeft.append(0); startedAt.append(0)
        }
        targetCount[j] = devices.count
        for i in devices.indices { targets[j * stride + i] = UInt32(devices[i]) }
        return j
    }

    /// Job j's reserved devices.
    func targets(of j: Int) -> Range<Int> { (j * stride)..<(j * stride + targetCount[j]) }

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
        guard !targets.isEmpty else { metrics.repairsStalled += 1; return }
        let repairer = targets[0]
        repairing[s] = true
        metrics.repairsStarted += 1
        // Read: k live pieces from the holders nearest the repairer, in parallel into its
        // downlink. Write: the other new pieces out of its uplink (it keeps one itself).
        let piece = groupPieceBytes[g]
        let k = groupK[g]
        nearestLive(slots(of: s), to: repairer, count: k)
        let r = fleet.deviceClass(repairer)
        var read = 0.0
        for i in near.indices {
            let src = near[i]
            let c = fleet.deviceClass(src)
            let t = transferSeconds(bytes: piece, from: src, to: repairer, rate: min(c.uplink, r.downlink / Double(k)))
            read = max(read, t)
            metrics.repairEnergyJoules += c.busyWatts * piece / c.uplink
        }
        var write = 0.0
        for i in targets.indices.dropFirst() {
            let t = targets[i]
            let c = fleet.deviceClass(t)
            write = max(write, transferSeconds(bytes: piece * Double(targets.count - 1), from: repairer, to: t, rate: r.uplink))
            metrics.repairEnergyJoules += c.busyWatts * piece / c.downlink
        }
        metrics.repairEnergyJoules += r.busyWatts * (read + write)
        metrics.repairBytesRead += Double(k) * piece
        metrics.repairBytesWritten += Double(targets.count) * piece
        let job = repairs.start(s, targets)
        if transport != nil {
            // On the shared network: the read's latency, then its pieces as flows (`StorageEngine+RepairFlows.swift`).
            startOnNetwork(job, sources: near)
            return
        }
        metrics.repairSeconds += read + write
        _ = sim.schedule(kinds.repaired, target: UInt32(job), after: SimDuration(seconds: read + write))
    }

    /// The network model's rule for one transfer: one-way latency between the regions plus
    /// both access latencies, then the bytes at `rate` (bytes/s).
    func transferSeconds(bytes: Double, from a: Int, to b: Int, rate: Double) -> Double {
        regionLatency(Int(fleet.regionOf[a]), Int(fleet.regionOf[b]))
            + fleet.deviceClass(a).accessLatency.seconds + fleet.deviceClass(b).accessLatency.seconds + bytes / rate
    }

    /// Fills `near` with up to `count` online holders among `slots`: device d itself first
    /// (a piece it holds is read locally), then by one-way latency from their region to d's,
    /// then by device id. Insertion into kept buffers: no allocation once warm.
    /// - Complexity: O(n × count).
    func nearestLive(_ slots: Range<Int>, to d: Int, count: Int) {
        // Kept buffers moved into locals (and back), and the engine's arrays read through local
        // references: no exclusivity check per element.
        var chosen: [Int] = [], keys: [Double] = []
        swap(&chosen, &near); swap(&keys, &nearKey)
        defer { swap(&chosen, &near); swap(&keys, &nearKey) }
        chosen.removeAll(keepingCapacity: true)
        keys.removeAll(keepingCapacity: true)
        guard count > 0 else { return }
        let holder = self.holder, online = self.online, regionOf = fleet.regionOf, view = self.view
        let r = Int(regionOf[d])
        for i in slots {
            let h32 = holder[i]
            guard h32 != StorageEngine.none, online[Int(h32)] else { continue }
            let h = Int(h32)
            let key = h == d ? -1 : view.latency(from: Int(regionOf[h]), to: r)
            // Position among the kept ones (ties: lower id first).
            var p = chosen.count
            while p > 0 && (keys[p - 1], chosen[p - 1]) > (key, h) { p -= 1 }
            guard p < count else { continue }
            if chosen.count < count { chosen.append(h); keys.append(key) }
            var q = chosen.count - 1
            while q > p { chosen[q] = chosen[q - 1]; keys[q] = keys[q - 1]; q -= 1 }
            chosen[p] = h; keys[p] = key
        }
    }

    /// A repair finished: the new pieces replace the segment's pieces that are not live now
    /// (on offline holders, or gone); reservations not needed are released.
    func repairDone(_ job: Int) {
        account()
        let s = repairs.segment[job]
        let targets = repairs.targets(of: job)
        repairing[s] = false
        let piece = groupPieceBytes[group(ofSegment: s)]
        var next = targets.lowerBound
        var placed = 0
        if !segmentLost[s] {
            for slot in slots(of: s) where holder[slot] == StorageEngine.none || !online[Int(holder[slot])] {
                guard let t = nextTarget(&next, before: targets.upperBound) else { break }
                if holder[slot] != StorageEngine.none { drop(slot: slot, segment: s) }
                put(slot: slot, segment: s, on: t)
                placed += 1
            }
        }
        metrics.repairsDone += 1
        metrics.piecesRepaired += placed
        while let t = nextTarget(&next, before: targets.upperBound) { view.free[t] += piece; refresh(t) }
        repairs.finish(job)
        if placed > 0 { considerRepair(s) }
    }

    /// The next reserved device (from `repairs.targets[i]` on, before `end`) that has not
    /// left meanwhile.
    func nextTarget(_ i: inout Int, before end: Int) -> Int? {
        while i < end {
            let t = Int(repairs.targets[i])
            i += 1
            if !departed[t] { return t }
        }
        return nil
    }
}
