/// Round-trip times between regions, in seconds, from real measurements (e.g. a cloud
/// provider's inter-region latency table or RIPE Atlas pings).
///
/// Storage is one flat row-major `n × n` array: `rtt(from: a, to: b)` is
/// `seconds[a.index * n + b.index]`. One-way propagation is taken as RTT / 2 (see
/// `docs/models/network.md`). The matrix may be asymmetric when both directions were measured;
/// a pair given in one direction only is filled symmetrically, and the diagonal (two endpoints
/// in the same region) is the measured intra-region RTT or a default.
public struct RTTMatrix: Sendable, Equatable {
    /// Region names; index = `RegionID.rawValue`.
    public let names: [String]
    /// Row-major RTTs in seconds, `names.count²` entries.
    public let seconds: [Double]
    private let ids: [String: RegionID]

    /// Number of regions.
    public var count: Int { names.count }

    /// A complete matrix: `seconds` row-major, `names.count²` finite non-negative entries.
    public init(names: [String], seconds: [Double]) {
        precondition(names.count <= Int(UInt16.max) + 1, "at most 65536 regions")
        precondition(seconds.count == names.count * names.count,
                     "an RTT matrix over \(names.count) regions needs \(names.count * names.count) entries, got \(seconds.count)")
        precondition(seconds.allSatisfy { $0.isFinite && $0 >= 0 }, "RTTs must be finite and non-negative")
        var ids: [String: RegionID] = [:]
        for (i, name) in names.enumerated() {
            precondition(ids[name] == nil, "region \(name) is listed twice")
            ids[name] = RegionID(index: i)
        }
        self.names = names; self.seconds = seconds; self.ids = ids
    }

    /// A matrix from measured pairs (seconds). A pair given in one direction only is used for
    /// both; a pair given in both directions keeps both values (measurements can be
    /// asymmetric). A region's own entry is its measured intra-region RTT if given, else
    /// `intraRegionDefault`. Every pair of distinct regions needs a measurement, and a direction
    /// must not be given twice with different values: readers check both and report file:line
    /// before calling; here they trap.
    public init(names: [String], measurements: [(from: RegionID, to: RegionID, rtt: Double)],
                intraRegionDefault: Double) {
        precondition(intraRegionDefault.isFinite && intraRegionDefault >= 0, "default intra-region RTT must be ≥ 0")
        let n = names.count
        var m = [Double](repeating: .nan, count: n * n)
        for (from, to, rtt) in measurements {
            let k = from.index * n + to.index
            precondition(m[k].isNaN || m[k] == rtt,
                         "RTT \(names[from.index])→\(names[to.index]) given twice with different values")
            m[k] = rtt
        }
        for a in 0..<n {
            if m[a * n + a].isNaN { m[a * n + a] = intraRegionDefault }
            for b in 0..<n where b != a && m[a * n + b].isNaN {
                precondition(!m[b * n + a].isNaN, "no RTT between \(names[a]) and \(names[b])")
                m[a * n + b] = m[b * n + a]
            }
        }
        self.init(names: names, seconds: m)
    }

    /// The region called `name`, if any.
    public func region(named name: String) -> RegionID? { ids[name] }

    /// The name of region `r`.
    public func name(of r: RegionID) -> String { names[r.index] }

    /// Round-trip time from `a` to `b`, seconds.
    @inlinable public func rtt(from a: RegionID, to b: RegionID) -> Double {
        seconds[a.index * names.count + b.index]
    }

    /// One-way propagation delay from `a` to `b`: RTT / 2, seconds.
    @inlinable public func oneWay(from a: RegionID, to b: RegionID) -> Double {
        rtt(from: a, to: b) / 2
    }

    public static func == (x: RTTMatrix, y: RTTMatrix) -> Bool {
        x.names == y.names && x.seconds == y.seconds
    }
}
