import SwarmKernel

/// A level of a component's last filling, for its replay: what fixed it (a link id, or
/// `~bucket` for that bucket's cap), the group its buckets share, the lowest cap among them,
/// and where its entries end in the component's entry list.
struct ReplayLevel: Sendable {
    var id: Int32
    var group: Int32
    var entriesEnd: Int32
    var lowestCap: Double
}

/// The flows one level fixes on one shared link: the sum of its buckets' counts there, kept
/// up to date as those counts change, so a replay takes a level off a link in one step.
struct ReplayEntry: Sendable {
    var link: Int32
    var flows: Int32
}

/// The replay of a component's last filling, level by level.
///
/// A filling is recorded as its sequence of levels (each bottleneck in the order it was
/// reached), and for each level the flows it fixes on each shared link, summed over its
/// buckets. A change that keeps the structure moves one bucket's count; the replay walks the
/// levels, not the buckets: its cost grows with the links the levels touch (a WAN level
/// touches each edge site's backhaul once, however many buckets cross it), not with the
/// buckets of the component.
extension FlowNetwork {
    /// Replays the last filling of bucket `changed`'s component with today's flow counts: the
    /// same bottlenecks, in the same order, each fixing the same buckets. A bucket emptied
    /// since stays in its level with no flows (it constrains nothing); one reopened joins its
    /// level's group again; one the filling never saw joins as a last level if it can. That is
    /// the max-min allocation when it checks out — each link fixes exactly the flows still unfixed on it,
    /// at a share no lower than the rate of any flow fixed on it before, no bucket exceeds its
    /// cap and no link its capacity: then every flow has a bottleneck, saturated, on which no
    /// flow gets more. (Levels that share no link may come out in another order than they
    /// were filled in.) Returns false, having changed no rate, when it does not check out or
    /// the component is gone.
    /// - Complexity: O(K + E_c + L_c + G·log G) for E_c (level, link) entries of the component,
    ///   G groups whose rate changes; no heap of candidates, no search, no walk of buckets.
    mutating func replay(changed b: Int) -> Bool {
        var c = Int(bucketComponent[b])
        let recorded = c >= 0 && componentValid[c] && componentGeneration[c] == bucketComponentGeneration[b]
        if recorded {
            noteCount(of: b, in: c)
            if bucketCount[b] > 0 && bucketGroup[b] < 0 { move(b, to: group(fixedBy: bucketLevel[b])) }   // reopened
        } else {
            // A bucket the last filling did not see (it was empty then) may join the component
            // its shared links are in, as one more level at the end (`adopt`).
            c = adoptingComponent(of: b)
            guard c >= 0 else { return false }
        }
        var l = Int(componentFirstLink[c])
        while l >= 0 {
            // A link a later filling took carries flows this component lacks (that filling
            // retires every component it reaches, but not one whose buckets on the link had
            // all emptied, so it could not reach them).
            guard linkComponent[l] == Int32(c), linkComponentGeneration[l] == componentGeneration[c] else { return refuse() }
            linkRemaining[l] = capacities[l]; linkUnfixed[l] = linkFlowCount[l]; linkShare[l] = 0
            l = Int(linkNextInComponent[l])
        }
        levelShares.removeAll(keepingCapacity: true)
        var adopted: (id: Int32, share: Double)? = nil
        do {   // the scope ends the copies of the level lists before `adopt` appends to them
            let levels = componentLevels[c], entries = componentEntries[c]
            var e = 0
            for j in 0..<levels.count {
                let level = levels[j], id = Int(level.id)
                let share: Double
                if id >= 0 {
                    // The level must fix every flow still unfixed on its link (checked below: none left).
                    let n = linkUnfixed[id]
                    guard n > 0 else { return refuse() }
                    share = max(0, linkRemaining[id]) / Double(n)
                    // linkShare holds, in a replay, the highest rate fixed on each link so far.
                    guard share >= linkShare[id], share <= level.lowestCap else { return refuse() }
                } else {
                    share = bucketCap[~id]
                }
                levelShares.append(share)
                while e < Int(level.entriesEnd) {
                    let entry = entries[e], x = Int(entry.link)
                    linkRemaining[x] -= Double(entry.flows) * share
                    linkUnfixed[x] -= entry.flows
                    if entry.flows > 0 { linkShare[x] = Swift.max(linkShare[x], share) }   // an emptied bucket fixes nobody
                    e += 1
                }
                if id >= 0 && linkUnfixed[id] != 0 { return refuse() }
            }
            if !recorded && bucketCount[b] > 0 {
                guard let level = lastLevel(for: b) else { return refuse() }
                adopted = level
            }
            l = Int(componentFirstLink[c])
            while l >= 0 {
                // Rounding: R is the capacity less a few hundred rates, each rounding by ε·C at most.
                guard linkRemaining[l] >= -1e-12 * capacities[l] else { return refuse() }
                l = Int(linkNextInComponent[l])
            }
            for j in 0..<levels.count { setRate(Int(levels[j].group), levelShares[j]) }
        }
        if let (id, share) = adopted { adopt(b, into: c, fixedBy: id, at: share) }
        return true
    }

    /// The valid component every shared link of bucket `b` is in (-1 if none, if they are in
    /// several, or if `b` has no shared link).
    func adoptingComponent(of b: Int) -> Int {
        var c = -1
        let base = b * Self.maxLinksPerFlow
        for k in 0..<Self.maxLinksPerFlow {
            let l = Int(bucketShared[base + k])
            if l < 0 { break }
            let owner = Int(linkComponent[l])
            guard owner >= 0, componentValid[owner], linkComponentGeneration[l] == componentGeneration[owner] else { return -1 }
            if c < 0 { c = owner } else if c != owner { return -1 }
        }
        return c
    }

    /// After the component's levels, the level that fixes bucket `b`'s flows (still unfixed on
    /// its links, and the only ones left there): its link with the lowest share, or its cap if
    /// lower; taken off its links. Nil if flows other than b's are left unfixed on its links
    /// or the share is below a rate already fixed on that link.
    mutating func lastLevel(for b: Int) -> (id: Int32, share: Double)? {
        let base = b * Self.maxLinksPerFlow, n = bucketCount[b]
        var id = ~Int32(b), share = bucketCap[b]
        for k in 0..<Self.maxLinksPerFlow {
            let l = Int(bucketShared[base + k])
            if l < 0 { break }
            guard linkUnfixed[l] == n else { return nil }
            let s = max(0, linkRemaining[l]) / Double(n)
            if s < share { share = s; id = Int32(l) }
        }
        if id >= 0 && share < linkShare[Int(id)] { return nil }
        for k in 0..<Self.maxLinksPerFlow {
            let l = Int(bucketShared[base + k])
            if l < 0 { break }
            linkRemaining[l] -= Double(n) * share
            linkUnfixed[l] = 0
            linkShare[l] = Swift.max(linkShare[l], share)
        }
        return (id, share)
    }

    /// Records bucket `b` in component `c` as a last level fixed by `id` at `share`, and moves
    /// it into that level's group at that rate.
    mutating func adopt(_ b: Int, into c: Int, fixedBy id: Int32, at share: Double) {
        let base = b * Self.maxLinksPerFlow, n = bucketCount[b]
        for k in 0..<Self.maxLinksPerFlow {
            let x = bucketShared[base + k]
            if x < 0 { break }
            bucketEntry[base + k] = Int32(componentEntries[c].count)
            componentEntries[c].append(ReplayEntry(link: x, flows: n))
        }
        let g = group(fixedBy: id)
        componentLevels[c].append(ReplayLevel(id: id, group: Int32(g), entriesEnd: Int32(componentEntries[c].count), lowestCap: bucketCap[b]))
        bucketLevel[b] = id
        bucketRecordedCount[b] = n
        bucketComponent[b] = Int32(c)
        bucketComponentGeneration[b] = componentGeneration[c]
        if bucketGroup[b] != Int32(g) { move(b, to: g) }
        setRate(g, share)
    }

    /// Counts a replay that did not check out; returns false.
    private mutating func refuse() -> Bool {
        refusedReplays += 1
        return false
    }

    /// Brings component `c`'s entries up to bucket `b`'s count (the one change since the last
    /// filling or replay: every other bucket's count is as recorded).
    mutating func noteCount(of b: Int, in c: Int) {
        let d = bucketCount[b] - bucketRecordedCount[b]
        guard d != 0 else { return }
        bucketRecordedCount[b] = bucketCount[b]
        let base = b * Self.maxLinksPerFlow
        var entries: [ReplayEntry] = []
        swap(&entries, &componentEntries[c])   // a local, mutated without a uniqueness check per write
        for k in 0..<Self.maxLinksPerFlow {
            if bucketShared[base + k] < 0 { break }
            entries[Int(bucketEntry[base + k])].flows += d
        }
        swap(&entries, &componentEntries[c])
    }

    /// Records component `c`'s filling (`fixOrder`, each bucket with what fixed it) as levels
    /// and entries: consecutive buckets fixed by the same candidate form a level; a level's
    /// entries sum its buckets' counts per shared link.
    mutating func recordLevels(of c: Int) {
        var levels: [ReplayLevel] = [], entries: [ReplayEntry] = []
        swap(&levels, &componentLevels[c]); swap(&entries, &componentEntries[c])   // keeps their capacity
        levels.removeAll(keepingCapacity: true)
        entries.removeAll(keepingCapacity: true)
        var i = 0
        while i < fixOrder.count {
            let id = bucketLevel[Int(fixOrder[i])]
            let start = entries.count
            var lowestCap = Double.infinity
            repeat {
                let b = Int(fixOrder[i]), base = b * Self.maxLinksPerFlow, n = bucketCount[b]
                lowestCap = min(lowestCap, bucketCap[b])
                bucketRecordedCount[b] = n
                for k in 0..<Self.maxLinksPerFlow {
                    let x = bucketShared[base + k]
                    if x < 0 { break }
                    var at = Int(linkEntry[Int(x)])
                    if at < 0 {
                        at = entries.count
                        entries.append(ReplayEntry(link: x, flows: 0))
                        linkEntry[Int(x)] = Int32(at)
                    }
                    entries[at].flows += n
                    bucketEntry[base + k] = Int32(at)
                }
                i += 1
            } while i < fixOrder.count && bucketLevel[Int(fixOrder[i])] == id
            for e in start..<entries.count { linkEntry[Int(entries[e].link)] = -1 }
            levels.append(ReplayLevel(id: id, group: Int32(group(fixedBy: id)), entriesEnd: Int32(entries.count), lowestCap: lowestCap))
        }
        swap(&levels, &componentLevels[c]); swap(&entries, &componentEntries[c])
    }

    /// Whether every valid component's entries equal the sums of its buckets' counts (what
    /// the replay relies on); for tests and debug checks.
    func replayEntriesAgree() -> Bool {
        for c in 0..<componentValid.count where componentValid[c] {
            var sums = componentEntries[c].map { _ in Int32(0) }
            for b in 0..<bucketCount.count
            where Int(bucketComponent[b]) == c && bucketComponentGeneration[b] == componentGeneration[c] {
                let base = b * Self.maxLinksPerFlow
                for k in 0..<Self.maxLinksPerFlow where bucketShared[base + k] >= 0 {
                    sums[Int(bucketEntry[base + k])] += bucketCount[b]
                }
            }
            if sums != componentEntries[c].map(\.flows) { return false }
        }
        return true
    }
}
