import SwarmKernel

/// What makes flows interchangeable for max-min sharing: their shared links (sorted, -1
/// after the last, two per word) and their cap (the bits of the smallest private capacity).
struct BucketKey: Hashable, Sendable {
    var links: (UInt64, UInt64, UInt64, UInt64) = (.max, .max, .max, .max)
    var capBits: UInt64 = Double.infinity.bitPattern

    /// Sets the `k`-th shared link (0 ≤ k < 8).
    mutating func set(_ k: Int, _ link: Int32) {
        let shift = UInt64(32 * (k & 1)), mask = ~(UInt64(UInt32.max) << shift)
        let v = UInt64(UInt32(bitPattern: link)) << shift
        switch k >> 1 {
        case 0: links.0 = links.0 & mask | v
        case 1: links.1 = links.1 & mask | v
        case 2: links.2 = links.2 & mask | v
        default: links.3 = links.3 & mask | v
        }
    }

    static func == (a: BucketKey, b: BucketKey) -> Bool {
        a.links.0 == b.links.0 && a.links.1 == b.links.1 && a.links.2 == b.links.2 && a.links.3 == b.links.3 && a.capBits == b.capBits
    }

    func hash(into h: inout Hasher) {
        h.combine(links.0); h.combine(links.1); h.combine(links.2); h.combine(links.3); h.combine(capBits)
    }
}

extension FlowNetwork {
    // MARK: Buckets and their clocks

    /// Bytes sent per flow of bucket `b` by `time` (its clock, drained at its current rate).
    func clock(of b: Int, at time: SimTime) -> Double {
        let t = bucketClockTime[b]
        return time > t ? bucketClock[b] + bucketRate[b] * (time - t).seconds : bucketClock[b]
    }

    /// Drains bucket `b`'s clock up to `now` at its current rate (before the rate changes).
    mutating func touch(_ b: Int) {
        guard now > bucketClockTime[b] else { return }
        bucketClock[b] += bucketRate[b] * (now - bucketClockTime[b]).seconds
        bucketClockTime[b] = now
    }

    /// Records flow `slot` as crossing a link whose sharing just changed (once per change).
    mutating func noteMoved(_ slot: Int32) {
        for i in 0..<moved.count where moved[i] == slot { return }
        moved.append(slot)
    }

    /// Moves each flow of `moved` to the bucket its links' sharing now gives it, keeping the
    /// bytes it has left; seeds the recomputation with both buckets.
    mutating func rebucketMoved() {
        for m in 0..<moved.count {   // indices, not the array's iterator: nothing allocated unoptimised
            let s = Int(moved[m])
            guard isActive[s] else { continue }
            let old = Int(flowBucket[s])
            let new = bucket(for: s)
            seeds.append(Int32(old))
            guard new != old else { continue }
            let left = detach(s)
            attach(s, to: new, remaining: left)
            seeds.append(Int32(new))
        }
    }

    /// The bucket of flow slot `s` as its links are shared now (created if new).
    mutating func bucket(for s: Int) -> Int {
        let base = s * Self.maxLinksPerFlow, n = Int(pathCounts[s])
        var key = BucketKey()
        var cap = Double.infinity
        for i in 0..<n {
            let l = Int(pathLinks[base + i])
            if linkFlowCount[l] == 1 { cap = min(cap, capacities[l]) }
        }
        key.capBits = cap.bitPattern
        // Shared links in increasing order (K ≤ 8: selection is cheapest).
        var previous: Int32 = -1, k = 0
        while true {
            var next = Int32.max
            for i in 0..<n {
                let l = pathLinks[base + i]
                if linkFlowCount[Int(l)] >= 2 && l > previous && l < next { next = l }
            }
            if next == .max { break }
            key.set(k, next); k += 1; previous = next
        }
        if let b = bucketIndex[key] { return Int(b) }
        let b = bucketCap.count
        bucketIndex[key] = Int32(b)
        bucketCap.append(cap)
        bucketShared.append(contentsOf: repeatElement(-1, count: Self.maxLinksPerFlow))
        previous = -1
        for j in 0..<k {   // the same links again, stored in order
            var next = Int32.max
            for i in 0..<n {
                let l = pathLinks[base + i]
                if linkFlowCount[Int(l)] >= 2 && l > previous && l < next { next = l }
            }
            bucketShared[b * Self.maxLinksPerFlow + j] = next; previous = next
        }
        bucketCount.append(0); bucketRate.append(0); bucketClock.append(0); bucketClockTime.append(now)
        bucketHeap.append([]); bucketMark.append(0)
        duePos.append(-1); dueTime.append(0); dueSlot.append(-1)
        return b
    }

    /// Puts flow slot `s`, with `remaining` bytes left, into bucket `b`.
    mutating func attach(_ s: Int, to b: Int, remaining: Double) {
        if bucketCount[b] == 0 {
            // An empty bucket starts a fresh clock, and joins its links' lists.
            bucketClock[b] = 0; bucketClockTime[b] = now
            for j in 0..<Self.maxLinksPerFlow {
                let l = bucketShared[b * Self.maxLinksPerFlow + j]
                if l < 0 { break }
                linkBuckets[Int(l)].append(Int32(b))
            }
        } else {
            touch(b)
        }
        bucketCount[b] += 1
        flowBucket[s] = Int32(b)
        flowKey[s] = bucketClock[b] + remaining
        heapPush(Int32(s), bucket: b)
    }

    /// Takes flow slot `s` out of its bucket; returns the bytes it had left.
    mutating func detach(_ s: Int) -> Double {
        let b = Int(flowBucket[s])
        touch(b)
        let left = flowKey[s] - bucketClock[b]
        heapRemove(Int32(s), bucket: b)
        bucketCount[b] -= 1
        flowBucket[s] = -1
        if bucketCount[b] == 0 {
            for j in 0..<Self.maxLinksPerFlow {
                let l = Int(bucketShared[b * Self.maxLinksPerFlow + j])
                if l < 0 { break }
                let last = linkBuckets[l].count - 1
                for i in 0...last where linkBuckets[l][i] == Int32(b) {
                    linkBuckets[l][i] = linkBuckets[l][last]
                    break
                }
                linkBuckets[l].removeLast()
            }
        }
        seeds.append(Int32(b))
        return left
    }

    // MARK: Max-min fair rates

    /// Recomputes the rates of every bucket connected to `seeds` through shared links, then
    /// when each of them next sees a flow finish.
    mutating func recomputeRates() {
        if epoch >= UInt32.max - 2 {   // about to wrap: clear marks so none equals a new epoch
            for i in linkMark.indices { linkMark[i] = 0 }
            for i in bucketMark.indices { bucketMark[i] = 0 }
            epoch = 0
        }
        epoch += 1
        componentLinks.removeAll(keepingCapacity: true)
        componentBuckets.removeAll(keepingCapacity: true)
        for i in 0..<seeds.count where bucketMark[Int(seeds[i])] != epoch {
            bucketMark[Int(seeds[i])] = epoch; componentBuckets.append(seeds[i])
        }
        // Breadth-first over the bipartite graph shared links ↔ buckets.
        var next = 0
        while next < componentBuckets.count {
            let b = Int(componentBuckets[next]); next += 1
            for j in 0..<Self.maxLinksPerFlow {
                let l = Int(bucketShared[b * Self.maxLinksPerFlow + j])
                if l < 0 { break }
                // An emptied bucket's links may carry one flow or none now: not shared any more.
                guard linkMark[l] != epoch, linkFlowCount[l] >= 2 else { continue }
                linkMark[l] = epoch; componentLinks.append(Int32(l))
                for i in 0..<linkBuckets[l].count where bucketMark[Int(linkBuckets[l][i])] != epoch {
                    let c = linkBuckets[l][i]
                    bucketMark[Int(c)] = epoch; componentBuckets.append(c)
                }
            }
        }
        let seedCount = componentBuckets.count
        oldRates.removeAll(keepingCapacity: true)
        for i in 0..<componentBuckets.count {
            let b = Int(componentBuckets[i])
            touch(b); oldRates.append(bucketRate[b])
        }
        progressiveFilling()
        // A bucket whose flows and rate are unchanged keeps its due time.
        for i in 0..<componentBuckets.count where i < seedCount || bucketRate[Int(componentBuckets[i])] != oldRates[i] {
            updateDue(Int(componentBuckets[i]))
        }
    }

    /// Max-min fair rates for `componentBuckets` over `componentLinks` by progressive filling,
    /// a bucket of n flows counting n times on its shared links and its cap acting as each
    /// flow's private link. The next bottleneck comes from a heap of candidate shares (a link's
    /// R/n, a bucket's cap), stale entries skipped. A bucket is fixed once its mark is epoch + 1;
    /// the epoch then moves there, so the next change starts with every mark at or below it.
    mutating func progressiveFilling() {
        let fixedMark = epoch + 1
        candidateValue.removeAll(keepingCapacity: true)
        candidateID.removeAll(keepingCapacity: true)
        for i in 0..<componentLinks.count {
            let l32 = componentLinks[i], l = Int(l32)
            linkRemaining[l] = capacities[l]
            linkUnfixed[l] = linkFlowCount[l]
            candidatePush(capacities[l] / Double(linkFlowCount[l]), l32)
        }
        var unfixed = 0
        for i in 0..<componentBuckets.count {
            let b32 = componentBuckets[i], b = Int(b32)
            guard bucketCount[b] > 0 else { bucketMark[b] = fixedMark; continue }
            unfixed += 1
            if bucketCap[b].isFinite { candidatePush(bucketCap[b], ~b32) }
        }
        while unfixed > 0 {
            precondition(!candidateID.isEmpty, "unfixed flows but no link carrying them")
            let (share, id) = candidatePop()
            if id < 0 {
                let b = Int(~id)
                if bucketMark[b] != fixedMark { fix(b, at: share, fixedMark); unfixed -= 1 }
            } else {
                let l = Int(id)
                guard linkUnfixed[l] > 0, share == max(0, linkRemaining[l]) / Double(linkUnfixed[l]) else { continue }
                var i = 0
                while i < linkBuckets[l].count {   // fix() pushes candidates, never edits this list
                    let b = Int(linkBuckets[l][i]); i += 1
                    if bucketMark[b] != fixedMark { fix(b, at: share, fixedMark); unfixed -= 1 }
                }
            }
        }
        epoch = fixedMark
    }

    /// Fixes bucket `b`'s flows at `rate` and takes them off their shared links.
    mutating func fix(_ b: Int, at rate: Double, _ fixedMark: UInt32) {
        bucketMark[b] = fixedMark
        bucketRate[b] = rate
        let n = bucketCount[b]
        for j in 0..<Self.maxLinksPerFlow {
            let l32 = bucketShared[b * Self.maxLinksPerFlow + j]
            if l32 < 0 { break }
            let l = Int(l32)
            linkRemaining[l] -= Double(n) * rate
            linkUnfixed[l] -= n
            if linkUnfixed[l] > 0 { candidatePush(max(0, linkRemaining[l]) / Double(linkUnfixed[l]), l32) }
        }
    }
}
