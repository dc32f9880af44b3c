import SwarmKernel

/// Max-min fair rates: a new progressive filling of the component a change touches, or — when
/// the change kept the component's structure — a replay of its last filling, checked
/// (`FlowNetwork+Replay.swift`).
extension FlowNetwork {
    // MARK: After a change

    /// Recomputes the rates after a change to bucket `changed`: by replaying its component's
    /// last filling when no link started or stopped being shared and the bucket was in that
    /// filling (emptied or reopened since, it still is) or can join it as a last level, if
    /// the replay checks out; by a new filling otherwise. Then refreshes when each group whose rate or first flow changed next
    /// sees a flow finish.
    mutating func recompute(changed b: Int) {
        if moved.isEmpty && replay(changed: b) {
            replayedChanges += 1
        } else {
            fillComponent()
            filledChanges += 1
        }
        updateDirtyGroups()
    }

    /// Takes bucket `b`'s flows, fixed at `rate`, off its shared links.
    @inline(__always)
    mutating func takeOff(_ b: Int, at rate: Double) {
        let n = bucketCount[b], base = b * Self.maxLinksPerFlow
        for j in 0..<Self.maxLinksPerFlow {
            let l = Int(bucketShared[base + j])
            if l < 0 { break }
            linkRemaining[l] -= Double(n) * rate
            linkUnfixed[l] -= n
        }
    }

    // MARK: A new filling

    /// Recomputes the rates of every bucket connected to `seeds` through shared links by a new
    /// progressive filling, records it (the order and what fixed each bucket) as their
    /// component's, and moves each bucket into the group of what fixed it.
    mutating func fillComponent() {
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
        progressiveFilling()
        recordComponent()
        for i in 0..<fixOrder.count {
            let b = Int(fixOrder[i])
            let g = group(fixedBy: bucketLevel[b])
            if bucketGroup[b] != Int32(g) { move(b, to: g) }
            setRate(g, bucketRate[b])
        }
    }

    /// Max-min fair rates for `componentBuckets` over `componentLinks` by progressive filling,
    /// a bucket of n flows counting n times on its shared links and its cap acting as each
    /// flow's private link. The next bottleneck is the smaller of the links' heap top (each
    /// link once, by its share R/n, moved when a level changes it) and the next capped bucket
    /// by cap (a counting sort over the few distinct caps; a cap wins a tie). A bucket is fixed
    /// once its mark is epoch + 1; the epoch then moves there, so the next change starts with
    /// every mark at or below it.
    /// The buckets fixed go to `fixOrder` in order, each with what fixed it in `bucketLevel`.
    mutating func progressiveFilling() {
        let fixedMark = epoch + 1
        fixOrder.removeAll(keepingCapacity: true)
        for i in 0..<componentLinks.count {
            let l = Int(componentLinks[i])
            linkRemaining[l] = capacities[l]
            linkUnfixed[l] = linkFlowCount[l]
            linkHeapSet(l, share: capacities[l] / Double(linkFlowCount[l]))
        }
        // The capped buckets by (cap, order found): a counting sort by cap rank, or by
        // comparison when there are too many distinct caps to rank.
        var unfixed = 0
        for r in 0..<capCounts.count { capCounts[r] = 0 }
        capOrder.removeAll(keepingCapacity: true)
        for i in 0..<componentBuckets.count {
            let b = Int(componentBuckets[i])
            guard bucketCount[b] > 0 else { bucketMark[b] = fixedMark; continue }
            unfixed += 1
            if capsRanked {
                if bucketCapRank[b] >= 0 { capCounts[Int(bucketCapRank[b])] += 1 }
            } else if bucketCap[b].isFinite {
                capOrder.append(Int32(b))
            }
        }
        if capsRanked {
            var total: Int32 = 0
            for r in 0..<capCounts.count { let n = capCounts[r]; capCounts[r] = total; total += n }
            for _ in 0..<Int(total) { capOrder.append(-1) }   // Int ranges: an Int32 one is unspecialised in debug and allocates
            for i in 0..<componentBuckets.count {
                let b = Int(componentBuckets[i]), r = Int(bucketCapRank[b])
                guard r >= 0, bucketMark[b] != fixedMark else { continue }
                capOrder[Int(capCounts[r])] = Int32(b); capCounts[r] += 1
            }
        } else {
            sortCapOrder()
        }
        var nextCap = 0
        while unfixed > 0 {
            while nextCap < capOrder.count && bucketMark[Int(capOrder[nextCap])] == fixedMark { nextCap += 1 }
            let top = linkHeap.isEmpty ? -1 : Int(linkHeap[0])
            precondition(top >= 0 || nextCap < capOrder.count, "unfixed flows but no link carrying them")
            if nextCap < capOrder.count && (top < 0 || bucketCap[Int(capOrder[nextCap])] <= linkShare[top]) {
                let b32 = capOrder[nextCap], b = Int(b32)
                nextCap += 1
                fix(b, at: bucketCap[b], by: ~b32, fixedMark); unfixed -= 1
            } else {
                let share = linkShare[top]
                linkHeapRemove(top)
                for i in 0..<linkBuckets[top].count {   // fix() never edits this list
                    let b = Int(linkBuckets[top][i])
                    if bucketMark[b] != fixedMark { fix(b, at: share, by: Int32(top), fixedMark); unfixed -= 1 }
                }
            }
            // The links this level took flows off: each moves once in the heap (up, as a
            // share only grows when flows at or below it are fixed), or leaves it when done.
            for i in 0..<touchedLinks.count {
                let l = Int(touchedLinks[i])
                linkMark[l] = epoch
                guard linkHeapPos[l] >= 0 else { continue }
                if linkUnfixed[l] > 0 {
                    linkHeapSet(l, share: max(0, linkRemaining[l]) / Double(linkUnfixed[l]))
                } else {
                    linkHeapRemove(l)
                }
            }
            touchedLinks.removeAll(keepingCapacity: true)
        }
        // Every link of the component had all its flows fixed; a guard against leftovers.
        while let l = linkHeap.popLast() { linkHeapPos[Int(l)] = -1 }
        epoch = fixedMark
    }

    /// Fixes bucket `b`'s flows at `rate` by candidate `id`, takes them off their shared links
    /// and notes the links for the heap (`linkMark` = epoch + 2 while noted).
    mutating func fix(_ b: Int, at rate: Double, by id: Int32, _ fixedMark: UInt32) {
        bucketMark[b] = fixedMark
        bucketRate[b] = rate
        bucketLevel[b] = id
        fixOrder.append(Int32(b))
        takeOff(b, at: rate)
        let noted = fixedMark &+ 1
        for j in 0..<Self.maxLinksPerFlow {
            let l32 = bucketShared[b * Self.maxLinksPerFlow + j]
            if l32 < 0 { break }
            if linkMark[Int(l32)] != noted { linkMark[Int(l32)] = noted; touchedLinks.append(l32) }
        }
    }

    /// Sorts `capOrder` by (cap, bucket) in place: a heapsort, since the standard library's
    /// stable sort takes a buffer from the allocator on every call.
    mutating func sortCapOrder() {
        @inline(__always) func less(_ a: Int32, _ b: Int32) -> Bool {
            let x = bucketCap[Int(a)], y = bucketCap[Int(b)]
            return x < y || (x == y && a < b)
        }
        func siftDown(_ start: Int, _ end: Int) {
            var i = start
            let v = capOrder[i]
            while true {
                var c = 2 * i + 1
                guard c < end else { break }
                if c + 1 < end && less(capOrder[c], capOrder[c + 1]) { c += 1 }
                guard less(v, capOrder[c]) else { break }
                capOrder[i] = capOrder[c]; i = c
            }
            capOrder[i] = v
        }
        let n = capOrder.count
        guard n > 1 else { return }
        for i in stride(from: n / 2 - 1, through: 0, by: -1) { siftDown(i, n) }
        for end in stride(from: n - 1, to: 0, by: -1) {
            let t = capOrder[0]; capOrder[0] = capOrder[end]; capOrder[end] = t
            siftDown(0, end)
        }
    }

    /// Retires the components the buckets of this filling were in (a bucket left outside keeps
    /// a stale one, so its next change fills anew) and records theirs: its levels (the order
    /// the buckets were fixed in, and what fixed them) and its shared links.
    mutating func recordComponent() {
        for i in 0..<componentBuckets.count {
            let b = Int(componentBuckets[i]), c = Int(bucketComponent[b])
            if c >= 0 && componentValid[c] && componentGeneration[c] == bucketComponentGeneration[b] {
                componentValid[c] = false
                freeComponents.append(Int32(c))
            }
            bucketComponent[b] = -1
        }
        guard !fixOrder.isEmpty else { return }
        let c: Int
        if let free = freeComponents.popLast() {
            c = Int(free)
            componentGeneration[c] &+= 1
            componentValid[c] = true
        } else {
            c = componentValid.count
            componentGeneration.append(1); componentValid.append(true)
            componentFirstLink.append(-1); componentLevels.append([]); componentEntries.append([])
        }
        var first: Int32 = -1
        for i in 0..<componentLinks.count {
            let l = Int(componentLinks[i])
            linkNextInComponent[l] = first; first = Int32(l)
            linkComponent[l] = Int32(c); linkComponentGeneration[l] = componentGeneration[c]
        }
        componentFirstLink[c] = first
        for i in 0..<fixOrder.count {
            let b = Int(fixOrder[i])
            bucketComponent[b] = Int32(c)
            bucketComponentGeneration[b] = componentGeneration[c]
        }
        recordLevels(of: c)
    }
}
