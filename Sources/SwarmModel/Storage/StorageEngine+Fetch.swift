import SwarmKernel

/// Objects a device keeps after fetching them for tasks, oldest evicted first, within a
/// byte budget per device. Sparse: only devices that fetched something have an entry.
struct DeviceCache {
    let budget: Double
    var entries: [Int: [(object: Int, bytes: Double)]] = [:]
    init(devices: Int, budget: Double) { self.budget = budget }

    func holds(_ o: Int, on d: Int) -> Bool { entries[d]?.contains { $0.object == o } ?? false }

    mutating func keep(_ o: Int, bytes: Double, on d: Int) {
        guard bytes <= budget else { return }
        var list = entries[d] ?? []
        var used = list.reduce(0) { $0 + $1.bytes }
        while used + bytes > budget, !list.isEmpty { used -= list.removeFirst().bytes }
        list.append((o, bytes))
        entries[d] = list
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
        var bytes = 0.0, seconds = 0.0
        let down = fleet.deviceClass(d).downlink
        for s in segments(ofObject: o) {
            let group = spec.objects[group(ofSegment: s)]
            let k = group.redundancy.k
            guard Int(live[s]) >= k else { metrics.fetchesFailed += 1; return nil }
            // A piece d holds itself is read locally.
            let from = nearestLive(slots(of: s), to: d, count: k).filter { $0 != d }
            var t = 0.0
            for h in from {
                t = max(t, transferSeconds(bytes: group.pieceBytes, from: h, to: d,
                                           rate: min(fleet.deviceClass(h).uplink, down / Double(from.count))))
            }
            seconds += t
            bytes += Double(from.count) * group.pieceBytes
            sources.append(from)
        }
        metrics.fetchBytes += bytes
        cache.keep(o, bytes: spec.objects[group(ofSegment: segments(ofObject: o).lowerBound)].bytes, on: d)
        return FetchPlan(sources: sources, bytes: bytes, seconds: seconds, cacheHit: false)
    }
}
