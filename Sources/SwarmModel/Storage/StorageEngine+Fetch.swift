import SwarmKernel

/// Objects a device keeps after fetching them for tasks, oldest evicted first, within a
/// byte budget per device. Sparse: only devices that fetched something have an entry, and
/// only objects cached somewhere have a list of the devices keeping them (`devices(caching:)`,
/// what a locality-aware policy asks).
struct DeviceCache {
    let budget: Double
    var entries: [Int: [(object: Int, bytes: Double)]] = [:]
    var keptOn: [Int: [Int]] = [:]
    init(devices: Int, budget: Double) { self.budget = budget }

    func holds(_ o: Int, on d: Int) -> Bool { entries[d]?.contains { $0.object == o } ?? false }

    /// The devices keeping a copy of object o, in the order they fetched it.
    func devices(caching o: Int) -> [Int] { keptOn[o] ?? [] }

    mutating func keep(_ o: Int, bytes: Double, on d: Int) {
        guard bytes <= budget else { return }
        var list = entries[d] ?? []
        var used = list.reduce(0) { $0 + $1.bytes }
        while used + bytes > budget, !list.isEmpty {
            let evicted = list.removeFirst()
            used -= evicted.bytes
            keptOn[evicted.object]?.removeAll { $0 == d }
            if keptOn[evicted.object]?.isEmpty == true { keptOn[evicted.object] = nil }
        }
        list.append((o, bytes))
        entries[d] = list
        keptOn[o, default: []].append(d)
    }
}

/// How a task's input object reaches its device.
public struct FetchPlan: Sendable, Equatable {
    /// Per segment, the holders read (the k nearest live ones); empty on a cache hit.
    public var sources: [[Int]]
    /// Bytes crossing the network.
    public var bytes: Double
    /// Seconds until the whole object is on the device.
    public var seconds: Double
    public var cacheHit: Bool
    /// Bytes of one piece (every segment of an object has the same).
    public var pieceBytes: Double = 0
    /// The latency part of `seconds`: per segment the largest of its sources' (one-way
    /// latency between the regions plus both access latencies), summed over the segments.
    public var latency: Double = 0
}

extension StorageEngine {
    /// Fetches object o to device d now: from d's cache if it kept it, otherwise each segment
    /// from its k nearest live holders, in parallel into d's downlink (segments one after the
    /// other); d then caches it. nil when a segment has fewer than k live pieces.
    public func fetch(object o: Int, to d: Int) -> FetchPlan? {
        metrics.fetches += 1
        if cache.holds(o, on: d) {
            metrics.cacheHits += 1
            return FetchPlan(sources: [], bytes: 0, seconds: 0, cacheHit: true)
        }
        var sources: [[Int]] = []
        var bytes = 0.0, seconds = 0.0, latency = 0.0
        let down = fleet.deviceClass(d).downlink
        for s in segments(ofObject: o) {
            let group = spec.objects[group(ofSegment: s)]
            let k = group.redundancy.k
            guard Int(live[s]) >= k else { metrics.fetchesFailed += 1; return nil }
            // A piece d holds itself is read locally (`nearestLive` puts d first).
            nearestLive(slots(of: s), to: d, count: k)
            let from = near.filter { $0 != d }
            var t = 0.0, l = 0.0
            for h in from {
                t = max(t, transferSeconds(bytes: group.pieceBytes, from: h, to: d,
                                           rate: min(fleet.deviceClass(h).uplink, down / Double(from.count))))
                l = max(l, transferSeconds(bytes: 0, from: h, to: d, rate: 1))
            }
            seconds += t
            latency += l
            bytes += Double(from.count) * group.pieceBytes
            sources.append(from)
        }
        metrics.fetchBytes += bytes
        cache.keep(o, bytes: spec.objects[group(ofSegment: segments(ofObject: o).lowerBound)].bytes, on: d)
        let piece = groupPieceBytes[group(ofSegment: segments(ofObject: o).lowerBound)]
        return FetchPlan(sources: sources, bytes: bytes, seconds: seconds, cacheHit: false, pieceBytes: piece, latency: latency)
    }
}
