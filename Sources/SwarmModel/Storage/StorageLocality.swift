import SwarmKernel

/// What a scheduling policy sees of the stored objects tasks read (`input_object`): which
/// object a task reads, which devices hold a piece of it or a cached copy, and how near its
/// live holders are to a region. Read-only: only the storage engine changes what it reflects
/// (`FleetView.storage`, set by `WorkEngine.readInputs(from:objectKinds:)`).
public struct StorageLocality {
    unowned let engine: StorageEngine
    /// Per job (`ReadyTask.job`): the kind of object its tasks read (`StorageSpec.objects`
    /// index), −1 when they read none.
    let kindOfJob: [Int]

    init(engine: StorageEngine, kindOfJob: [Int]) { self.engine = engine; self.kindOfJob = kindOfJob }

    /// The object task t of job `job` reads — object t mod count of its job's kind — or nil.
    /// The one rule: the engine's fetch and the policies both ask it.
    public func inputObject(task t: Int, job: Int) -> Int? {
        guard job >= 0, job < kindOfJob.count, kindOfJob[job] >= 0 else { return nil }
        return engine.object(kind: kindOfJob[job], index: t)
    }

    /// The object `task` reads, or nil.
    public func inputObject(of task: ReadyTask) -> Int? { inputObject(task: task.id.index, job: task.job) }

    /// The object's size, bytes.
    public func bytes(of o: Int) -> Double { engine.spec.objects[engine.group(ofSegment: engine.segments(ofObject: o).lowerBound)].bytes }

    /// Calls `body` with each device holding a piece of object o (online or not, not departed)
    /// and then each keeping a cached copy; a device holding several pieces comes once per
    /// piece. - Complexity: O(segments × n + cached copies).
    public func forEachHolder(of o: Int, _ body: (Int) -> Void) {
        for s in engine.segments(ofObject: o) {
            for slot in engine.slots(of: s) where engine.holder[slot] != StorageEngine.none { body(Int(engine.holder[slot])) }
        }
        if let cached = engine.cache.keptOn[o] { for d in cached { body(d) } }
    }

    /// Bytes of object o a fetch to device d would not move over the network: the whole
    /// object when d caches it, else the bytes of the pieces d holds and is online to read.
    public func localBytes(of o: Int, on d: Int) -> Double {
        if engine.cache.holds(o, on: d) { return bytes(of: o) }
        guard engine.online[d] else { return 0 }
        var local = 0.0
        for s in engine.segments(ofObject: o) {
            let g = engine.group(ofSegment: s)
            for slot in engine.slots(of: s) where engine.holder[slot] == UInt32(d) { local += engine.groupPieceBytes[g] }
        }
        return local
    }

    /// The latency part of fetching object o into region r: per segment the one-way latency
    /// from the k-th nearest live holder (the farthest of the k a fetch reads), summed over
    /// the segments (read one after the other), seconds; nil when a segment has fewer than k
    /// live pieces (the fetch would fail). - Complexity: O(segments × n²), no allocation.
    public func fetchLatency(of o: Int, toRegion r: Int) -> Double? {
        var total = 0.0
        for s in engine.segments(ofObject: o) {
            let k = engine.groupK[engine.group(ofSegment: s)]
            guard Int(engine.live[s]) >= k else { return nil }
            // The k-th smallest latency among live holders: count, for each candidate, those
            // strictly nearer (n is small: at most a few hundred pieces).
            let slots = engine.slots(of: s)
            var kth = Double.infinity
            for a in slots {
                guard let la = liveLatency(slot: a, to: r), la < kth else { continue }
                var nearer = 0, tied = 0
                for b in slots where b != a {
                    guard let lb = liveLatency(slot: b, to: r) else { continue }
                    if lb < la { nearer += 1 } else if lb == la { tied += 1 }
                }
                if nearer < k && nearer + tied + 1 >= k { kth = la }
            }
            total += kth
        }
        return total
    }

    /// One-way latency from slot's holder to region r when the holder is online, else nil.
    func liveLatency(slot: Int, to r: Int) -> Double? {
        let h = engine.holder[slot]
        guard h != StorageEngine.none, engine.online[Int(h)] else { return nil }
        return engine.view.latency(from: Int(engine.fleet.regionOf[Int(h)]), to: r)
    }
}
