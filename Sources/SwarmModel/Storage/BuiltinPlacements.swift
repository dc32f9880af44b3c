#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import SwarmKernel

/// Tries a draw up to `tries` times, keeping the first device `accepts` allows.
func drawAccepted<G: RandomNumberGenerator>(_ view: StorageView, _ request: PieceRequest, _ placements: PiecePlacements,
                                           class c: Int? = nil, region r: Int? = nil, tries: Int = 32, using g: inout G) -> Int? {
    for _ in 0..<tries {
        guard let d = view.randomDevice(class: c, region: r, allowed: request.residency, using: &g) else { return nil }
        if view.accepts(d, for: request, given: placements) { return d }
    }
    return nil
}

/// Each piece on a device drawn uniformly among those that may take it (Storj's and
/// Filecoin's baseline: random node selection).
public struct RandomPlacement: StoragePlacementPolicy {
    public static let name = "random"
    public static let summary = "Each piece on a uniformly drawn device that has room."
    var g: Xoshiro256
    public init(seed: UInt64) { g = RandomStreams(seed: seed).stream("storage-placement") }
    public mutating func place(_ request: PieceRequest, on view: StorageView, into placements: inout PiecePlacements) {
        for _ in 0..<request.pieces {
            guard let d = drawAccepted(view, request, placements, using: &g) else { return }
            placements.assign(d)
        }
    }
}

/// Pieces dealt round-robin over the allowed regions that have room, so losing one region
/// (an outage, a correlated evening) costs at most ⌈n / regions⌉ pieces (Storj's "one piece
/// per /24 subnet" rule, at region scale).
public struct RegionSpreadPlacement: StoragePlacementPolicy {
    public static let name = "region-spread"
    public static let summary = "Pieces dealt round-robin over regions, a random device in each."
    var g: Xoshiro256
    public init(seed: UInt64) { g = RandomStreams(seed: seed).stream("storage-placement") }
    public mutating func place(_ request: PieceRequest, on view: StorageView, into placements: inout PiecePlacements) {
        let regions = (0..<view.regionCount).filter { request.residency & (1 << UInt64($0 & 63)) != 0 && view.count(region: $0) > 0 }
        guard !regions.isEmpty else { return }
        var next = request.segment % regions.count
        var misses = 0
        while placements.count < request.pieces && misses < regions.count {
            if let d = drawAccepted(view, request, placements, region: regions[next], using: &g) {
                placements.assign(d); misses = 0
            } else {
                misses += 1
            }
            next = (next + 1) % regions.count
        }
    }
}

/// Pieces on the classes most likely to be online and to stay: classes ranked by
/// onFraction × P[still here after a month] (their availability law's E[on]/(E[on]+E[off])
/// and exponential lifetime), the best class with room first (Bhagwan et al., "Total
/// Recall", NSDI 2004: placement and redundancy from measured host availability).
public struct ReliabilityAwarePlacement: StoragePlacementPolicy {
    public static let name = "reliability-aware"
    public static let summary = "Pieces on the classes most often online and longest staying first."
    var g: Xoshiro256
    var ranking: [Int] = []
    public init(seed: UInt64) { g = RandomStreams(seed: seed).stream("storage-placement") }
    public mutating func place(_ request: PieceRequest, on view: StorageView, into placements: inout PiecePlacements) {
        if ranking.isEmpty {
            let score = (0..<view.classCount).map { c in view.onFraction[c] * exp(-StorageSpec.secondsPerMonth / view.meanLifetime[c]) }
            ranking = (0..<view.classCount).sorted { (score[$0], $1) > (score[$1], $0) }
        }
        for c in ranking where view.count(class: c) > 0 {
            while placements.count < request.pieces, let d = drawAccepted(view, request, placements, class: c, using: &g) {
                placements.assign(d)
            }
            if placements.count == request.pieces { return }
        }
    }
}

/// Pieces in the consumers' region first, then in regions by growing latency from it
/// (content placed near its readers, as CDNs and IPFS pinning services do).
public struct NearestToConsumersPlacement: StoragePlacementPolicy {
    public static let name = "nearest-to-consumers"
    public static let summary = "Pieces in the consumers' region, then the next nearest ones."
    var g: Xoshiro256
    public init(seed: UInt64) { g = RandomStreams(seed: seed).stream("storage-placement") }
    public mutating func place(_ request: PieceRequest, on view: StorageView, into placements: inout PiecePlacements) {
        let from = request.consumerRegion
        let order = (0..<view.regionCount).sorted { (view.latency(from: from, to: $0), $0) < (view.latency(from: from, to: $1), $1) }
        for r in order where request.residency & (1 << UInt64(r & 63)) != 0 && view.count(region: r) > 0 {
            while placements.count < request.pieces, let d = drawAccepted(view, request, placements, region: r, using: &g) {
                placements.assign(d)
            }
            if placements.count == request.pieces { return }
        }
    }
}
