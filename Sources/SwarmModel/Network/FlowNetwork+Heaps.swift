import SwarmKernel

/// The four binary heaps of `FlowNetwork`, flat arrays with the "hole" sift: each bucket's
/// flows by finish point (positions in `flowHeapPos`), each rate group's buckets by where
/// their first flow finishes on the group's clock (positions in `bucketGroupPos`), the groups
/// by the time their first flow finishes (positions in `duePos`), and the shared links of one
/// filling by their share (positions in `linkHeapPos`).
extension FlowNetwork {
    // MARK: A bucket's flows, by (finish point on its clock, slot)

    @inline(__always)
    private static func before(_ a: Int32, _ b: Int32, _ key: [Double]) -> Bool {
        let ka = key[Int(a)], kb = key[Int(b)]
        return ka < kb || (ka == kb && a < b)
    }

    mutating func heapPush(_ slot: Int32, bucket b: Int) {
        var heap = bucketHeap[b]; bucketHeap[b] = []   // unique, so edited in place
        Self.insert(slot, into: &heap, flowKey, &flowHeapPos)
        bucketHeap[b] = heap
    }

    mutating func heapRemove(_ slot: Int32, bucket b: Int) {
        var heap = bucketHeap[b]; bucketHeap[b] = []
        Self.remove(slot, from: &heap, flowKey, &flowHeapPos)
        bucketHeap[b] = heap
    }

    // MARK: A group's buckets, by (where their first flow finishes on its clock, bucket)

    mutating func groupPush(_ b: Int32, group g: Int) {
        var heap = groupHeap[g]; groupHeap[g] = []
        Self.insert(b, into: &heap, bucketDueKey, &bucketGroupPos)
        groupHeap[g] = heap
    }

    mutating func groupRemove(_ b: Int32, group g: Int) {
        var heap = groupHeap[g]; groupHeap[g] = []
        Self.remove(b, from: &heap, bucketDueKey, &bucketGroupPos)
        groupHeap[g] = heap
    }

    /// Restores bucket `b`'s place in group `g`'s heap after its key changed.
    mutating func groupResift(_ b: Int32, group g: Int) {
        var heap = groupHeap[g]; groupHeap[g] = []
        Self.siftUp(&heap, Int(bucketGroupPos[Int(b)]), bucketDueKey, &bucketGroupPos)
        Self.siftDown(&heap, Int(bucketGroupPos[Int(b)]), bucketDueKey, &bucketGroupPos)
        groupHeap[g] = heap
    }

    // MARK: The two heaps above: entries by (key[entry], entry), positions in `pos`

    private static func insert(_ x: Int32, into heap: inout ContiguousArray<Int32>, _ key: [Double], _ pos: inout [Int32]) {
        heap.append(x)
        siftUp(&heap, heap.count - 1, key, &pos)
    }

    private static func remove(_ x: Int32, from heap: inout ContiguousArray<Int32>, _ key: [Double], _ pos: inout [Int32]) {
        let i = Int(pos[Int(x)])
        let last = heap.removeLast()
        pos[Int(x)] = -1
        if i < heap.count {
            heap[i] = last
            pos[Int(last)] = Int32(i)
            siftUp(&heap, i, key, &pos)
            siftDown(&heap, Int(pos[Int(last)]), key, &pos)
        }
    }

    private static func siftUp(_ heap: inout ContiguousArray<Int32>, _ start: Int, _ key: [Double], _ pos: inout [Int32]) {
        var i = start
        let x = heap[i]
        while i > 0 {
            let p = (i - 1) / 2
            guard before(x, heap[p], key) else { break }
            heap[i] = heap[p]; pos[Int(heap[i])] = Int32(i)
            i = p
        }
        heap[i] = x; pos[Int(x)] = Int32(i)
    }

    private static func siftDown(_ heap: inout ContiguousArray<Int32>, _ start: Int, _ key: [Double], _ pos: inout [Int32]) {
        var i = start
        let x = heap[i], n = heap.count
        while true {
            var c = 2 * i + 1
            guard c < n else { break }
            if c + 1 < n && before(heap[c + 1], heap[c], key) { c += 1 }
            guard before(heap[c], x, key) else { break }
            heap[i] = heap[c]; pos[Int(heap[i])] = Int32(i)
            i = c
        }
        heap[i] = x; pos[Int(x)] = Int32(i)
    }

    // MARK: Groups, by (time their first flow finishes, that flow's slot)

    @inline(__always)
    private func dueBefore(_ a: Int32, _ b: Int32) -> Bool {
        let ta = dueTime[Int(a)], tb = dueTime[Int(b)]
        return ta < tb || (ta == tb && dueSlot[Int(a)] < dueSlot[Int(b)])
    }

    /// Sets when group `g` (its clock drained to `now`) sees its first flow finish at its
    /// current rate, or takes it out of the due heap when it is empty or not moving.
    mutating func updateDue(_ g: Int) {
        var due: Int64 = -1
        if !groupHeap[g].isEmpty {
            drain(g)
            let b = Int(groupHeap[g][0])
            let left = bucketDueKey[b] - groupClock[g]
            if left <= 0 {
                due = groupClockTime[g].ticks
            } else if groupRate[g] > 0 {
                due = (groupClockTime[g] + SimDuration(seconds: left / groupRate[g])).ticks
            }
            dueSlot[g] = bucketHeap[b][0]
        }
        let i = Int(duePos[g])
        if due < 0 {
            if i >= 0 { dueRemove(at: i) }
            return
        }
        dueTime[g] = due
        if i < 0 {
            dueHeap.append(Int32(g))
            dueSiftUp(dueHeap.count - 1)
        } else {
            dueSiftUp(i)
            dueSiftDown(Int(duePos[g]))
        }
    }

    private mutating func dueRemove(at i: Int) {
        let b = dueHeap[i]
        let last = dueHeap.removeLast()
        duePos[Int(b)] = -1
        guard i < dueHeap.count else { return }
        dueHeap[i] = last
        duePos[Int(last)] = Int32(i)
        dueSiftUp(i)
        dueSiftDown(Int(duePos[Int(last)]))
    }

    private mutating func dueSiftUp(_ start: Int) {
        var i = start
        let x = dueHeap[i]
        while i > 0 {
            let p = (i - 1) / 2
            guard dueBefore(x, dueHeap[p]) else { break }
            dueHeap[i] = dueHeap[p]; duePos[Int(dueHeap[i])] = Int32(i)
            i = p
        }
        dueHeap[i] = x; duePos[Int(x)] = Int32(i)
    }

    private mutating func dueSiftDown(_ start: Int) {
        var i = start
        let x = dueHeap[i], n = dueHeap.count
        while true {
            var c = 2 * i + 1
            guard c < n else { break }
            if c + 1 < n && dueBefore(dueHeap[c + 1], dueHeap[c]) { c += 1 }
            guard dueBefore(dueHeap[c], x) else { break }
            dueHeap[i] = dueHeap[c]; duePos[Int(dueHeap[i])] = Int32(i)
            i = c
        }
        dueHeap[i] = x; duePos[Int(x)] = Int32(i)
    }

    // MARK: Shared links of one filling, by (share R/n, link)

    @inline(__always)
    private func linkBefore(_ a: Int32, _ b: Int32) -> Bool {
        let x = linkShare[Int(a)], y = linkShare[Int(b)]
        return x < y || (x == y && a < b)
    }

    /// Puts link `l` in the filling's heap with share `share`, or moves it there.
    mutating func linkHeapSet(_ l: Int, share: Double) {
        linkShare[l] = share
        let i = Int(linkHeapPos[l])
        if i < 0 {
            linkHeap.append(Int32(l))
            linkSiftUp(linkHeap.count - 1)
        } else if i > 0 && linkBefore(Int32(l), linkHeap[(i - 1) / 2]) {
            linkSiftUp(i)
        } else {
            linkSiftDown(i)
        }
    }

    /// Takes link `l` out of the filling's heap, if it is there.
    mutating func linkHeapRemove(_ l: Int) {
        let i = Int(linkHeapPos[l])
        guard i >= 0 else { return }
        linkHeapPos[l] = -1
        let last = linkHeap.removeLast()
        guard i < linkHeap.count else { return }
        linkHeap[i] = last; linkHeapPos[Int(last)] = Int32(i)
        if i > 0 && linkBefore(last, linkHeap[(i - 1) / 2]) { linkSiftUp(i) } else { linkSiftDown(i) }
    }

    private mutating func linkSiftUp(_ start: Int) {
        let x = linkHeap[start]
        var i = start
        while i > 0 {
            let p = (i - 1) / 2
            guard linkBefore(x, linkHeap[p]) else { break }
            linkHeap[i] = linkHeap[p]; linkHeapPos[Int(linkHeap[i])] = Int32(i)
            i = p
        }
        linkHeap[i] = x; linkHeapPos[Int(x)] = Int32(i)
    }

    private mutating func linkSiftDown(_ start: Int) {
        let x = linkHeap[start], n = linkHeap.count
        var i = start
        while true {
            var c = 2 * i + 1
            guard c < n else { break }
            if c + 1 < n && linkBefore(linkHeap[c + 1], linkHeap[c]) { c += 1 }
            guard linkBefore(linkHeap[c], x) else { break }
            linkHeap[i] = linkHeap[c]; linkHeapPos[Int(linkHeap[i])] = Int32(i)
            i = c
        }
        linkHeap[i] = x; linkHeapPos[Int(x)] = Int32(i)
    }
}
