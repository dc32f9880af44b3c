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

/// Buckets, and the rate groups that hold their clocks.
///
/// A **group** is the set of buckets one bottleneck fixed in the latest filling of their
/// component (a shared link, or a bucket's own cap): they share one rate, so they share one
/// clock of bytes sent per flow, `groupClock` (drained lazily, when the rate changes). A bucket
/// reads its own clock as the group's less its `bucketOffset`, set when it joins the group, so a
/// change of rate is one write per group, not per bucket, and moving a bucket between groups
/// keeps its flows' finish points. Each group keeps its buckets in a heap by where their first
/// flow ends on the group's clock; the due heap holds the groups.
extension FlowNetwork {
    // MARK: Clocks

    /// The clock of group `g` at `time` (bytes sent per flow at its current rate).
    @inline(__always)
    func groupClock(of g: Int, at time: SimTime) -> Double {
        let t = groupClockTime[g]
        return time > t ? groupClock[g] + groupRate[g] * (time - t).seconds : groupClock[g]
    }

    /// Bytes sent per flow of bucket `b` by `time`: its group's clock less its offset (a
    /// bucket outside any group is not moving).
    func clock(of b: Int, at time: SimTime) -> Double {
        let g = Int(bucketGroup[b])
        return (g >= 0 ? groupClock(of: g, at: time) : 0) - bucketOffset[b]
    }

    /// Drains group `g`'s clock up to `now` at its current rate (before the rate changes).
    mutating func drain(_ g: Int) {
        guard now > groupClockTime[g] else { return }
        groupClock[g] += groupRate[g] * (now - groupClockTime[g]).seconds
        groupClockTime[g] = now
    }

    /// Sets group `g`'s rate from `now` on; its due time is refreshed at the end of the change.
    mutating func setRate(_ g: Int, _ rate: Double) {
        guard groupRate[g] != rate else { return }
        drain(g)
        groupRate[g] = rate
        markDirty(g)
    }

    /// Notes that group `g`'s first finishing flow or rate changed.
    mutating func markDirty(_ g: Int) {
        guard g >= 0, !groupDirty[g] else { return }
        groupDirty[g] = true
        dirtyGroups.append(Int32(g))
    }

    /// Refreshes the due time of every group marked in this change.
    mutating func updateDirtyGroups() {
        for i in 0..<dirtyGroups.count {
            let g = Int(dirtyGroups[i])
            groupDirty[g] = false
            updateDue(g)
        }
        dirtyGroups.removeAll(keepingCapacity: true)
    }

    // MARK: Groups

    /// A new, empty group.
    mutating func makeGroup() -> Int32 {
        groupRate.append(0); groupClock.append(0); groupClockTime.append(now)
        groupHeap.append([]); groupDirty.append(false)
        duePos.append(-1); dueTime.append(0); dueSlot.append(-1)
        return Int32(groupRate.count - 1)
    }

    /// The group of the buckets fixed by candidate `id` (a link, or `~bucket` for its cap).
    mutating func group(fixedBy id: Int32) -> Int {
        if id >= 0 {
            if linkGroup[Int(id)] < 0 { linkGroup[Int(id)] = makeGroup() }
            return Int(linkGroup[Int(id)])
        }
        let b = Int(~id)
        if bucketCapGroup[b] < 0 { bucketCapGroup[b] = makeGroup() }
        return Int(bucketCapGroup[b])
    }

    /// Moves non-empty bucket `b` into group `g`, keeping its clock.
    mutating func move(_ b: Int, to g: Int) {
        let v = clock(of: b, at: now)
        leaveGroup(b)
        if groupHeap[g].isEmpty {   // an empty group starts a fresh clock
            groupClock[g] = 0; groupClockTime[g] = now
        }
        bucketGroup[b] = Int32(g)
        bucketOffset[b] = groupClock(of: g, at: now) - v
        bucketDueKey[b] = flowKey[Int(bucketHeap[b][0])] + bucketOffset[b]
        groupPush(Int32(b), group: g)
        markDirty(g)
    }

    /// Takes bucket `b` out of its group, if any; its clock stops.
    mutating func leaveGroup(_ b: Int) {
        let g = Int(bucketGroup[b])
        guard g >= 0 else { return }
        let v = clock(of: b, at: now)
        groupRemove(Int32(b), group: g)
        bucketGroup[b] = -1
        bucketOffset[b] = -v
        markDirty(g)
    }

    /// Re-sorts bucket `b` in its group after its first flow changed.
    mutating func refreshInGroup(_ b: Int) {
        let g = Int(bucketGroup[b])
        guard g >= 0 else { return }
        bucketDueKey[b] = flowKey[Int(bucketHeap[b][0])] + bucketOffset[b]
        groupResift(Int32(b), group: g)
        markDirty(g)
    }

    // MARK: Buckets

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
        bucketEntry.append(contentsOf: repeatElement(-1, count: Self.maxLinksPerFlow))
        previous = -1
        for j in 0..<k {   // the same links again, stored in order
            var next = Int32.max
            for i in 0..<n {
                let l = pathLinks[base + i]
                if linkFlowCount[Int(l)] >= 2 && l > previous && l < next { next = l }
            }
            bucketShared[b * Self.maxLinksPerFlow + j] = next; previous = next
        }
        bucketCount.append(0); bucketHeap.append([]); bucketMark.append(0)
        bucketGroup.append(-1); bucketOffset.append(0); bucketGroupPos.append(-1); bucketDueKey.append(0)
        bucketCapGroup.append(-1); bucketLevel.append(0); bucketRecordedCount.append(0)
        bucketComponent.append(-1); bucketComponentGeneration.append(0); bucketRate.append(0)
        bucketCapRank.append(-1)
        if cap.isFinite { rankCap(of: b) }
        return b
    }

    /// Gives new bucket `b` the rank of its cap among the distinct finite caps (what the
    /// filling sorts capped buckets by); a cap not seen before shifts the ranks above it. Past
    /// `maxRankedCaps` distinct caps (bandwidths drawn per device) ranks are dropped and the
    /// filling sorts by comparison.
    mutating func rankCap(of b: Int) {
        guard capsRanked else { return }
        let cap = bucketCap[b]
        var r = 0
        while r < capValues.count && capValues[r] < cap { r += 1 }
        if r == capValues.count || capValues[r] != cap {
            guard capValues.count < Self.maxRankedCaps else {
                capsRanked = false
                for x in 0..<b { bucketCapRank[x] = -1 }
                return
            }
            capValues.insert(cap, at: r)
            capCounts.append(0)
            for x in 0..<b where bucketCapRank[x] >= Int32(r) { bucketCapRank[x] += 1 }
        }
        bucketCapRank[b] = Int32(r)
    }

    /// Puts flow slot `s`, with `remaining` bytes left, into bucket `b`.
    mutating func attach(_ s: Int, to b: Int, remaining: Double) {
        if bucketCount[b] == 0 {
            // An empty bucket is in no group: its clock starts again at 0, standing still until
            // the filling gives it a rate. It joins its links' lists.
            bucketOffset[b] = 0
            for j in 0..<Self.maxLinksPerFlow {
                let l = bucketShared[b * Self.maxLinksPerFlow + j]
                if l < 0 { break }
                linkBuckets[Int(l)].append(Int32(b))
            }
        }
        bucketCount[b] += 1
        flowBucket[s] = Int32(b)
        flowKey[s] = clock(of: b, at: now) + remaining
        heapPush(Int32(s), bucket: b)
        refreshInGroup(b)
    }

    /// Takes flow slot `s` out of its bucket; returns the bytes it had left.
    mutating func detach(_ s: Int) -> Double {
        let b = Int(flowBucket[s])
        let left = flowKey[s] - clock(of: b, at: now)
        heapRemove(Int32(s), bucket: b)
        bucketCount[b] -= 1
        flowBucket[s] = -1
        if bucketCount[b] == 0 {
            leaveGroup(b)
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
        } else {
            refreshInGroup(b)
        }
        seeds.append(Int32(b))
        return left
    }
}
