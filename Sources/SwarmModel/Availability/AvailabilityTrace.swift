/// Observed availability of hosts: for each host, its ON intervals in seconds since the
/// trace's origin, sorted and non-overlapping. Flat arrays (CSR layout): host h's intervals
/// are `starts[hostOffsets[h]..<hostOffsets[h+1]]` (and the same range of `ends`).
public struct AvailabilityTrace: Sendable, Equatable {
    /// Host names as the trace gives them; index = host id in this trace.
    public private(set) var hostNames: [String]
    /// `hostOffsets.count == hostNames.count + 1`.
    public private(set) var hostOffsets: [Int]
    /// Interval starts and ends, seconds since the trace's origin.
    public private(set) var starts: [Double]
    public private(set) var ends: [Double]
    /// The span covered: from the earliest start to the latest end (0, 0 when empty).
    public let span: (start: Double, end: Double)

    public static func == (a: AvailabilityTrace, b: AvailabilityTrace) -> Bool {
        a.hostNames == b.hostNames && a.hostOffsets == b.hostOffsets && a.starts == b.starts && a.ends == b.ends
    }

    /// Builds a trace; each host's intervals must be sorted, with start < end and no overlap
    /// (readers check this and report file:line before calling).
    public init(hosts: [(name: String, intervals: [(start: Double, end: Double)])]) {
        hostNames = []; hostOffsets = [0]; starts = []; ends = []
        for h in hosts {
            hostNames.append(h.name)
            for iv in h.intervals {
                precondition(iv.start < iv.end, "interval of \(h.name) ends before it starts")
                precondition(starts.count == hostOffsets.last! || iv.start >= ends.last!,
                             "intervals of \(h.name) overlap or are unsorted")
                starts.append(iv.start); ends.append(iv.end)
            }
            hostOffsets.append(starts.count)
        }
        span = (starts.min() ?? 0, ends.max() ?? 0)
    }

    public var hostCount: Int { hostNames.count }
    public var intervalCount: Int { starts.count }

    /// The ON intervals of host `h`, in order.
    public func intervals(ofHost h: Int) -> [(start: Double, end: Double)] {
        (hostOffsets[h]..<hostOffsets[h + 1]).map { (starts[$0], ends[$0]) }
    }

    /// Every ON duration (seconds).
    public var onDurations: [Double] { zip(starts, ends).map { $1 - $0 } }

    /// Every OFF duration: the gaps between consecutive ON intervals of the same host
    /// (the time before a host's first interval and after its last are censored, not gaps).
    public var offDurations: [Double] {
        var gaps: [Double] = []
        for h in 0..<hostCount where hostOffsets[h + 1] - hostOffsets[h] > 1 {
            for i in (hostOffsets[h] + 1)..<hostOffsets[h + 1] where starts[i] > ends[i - 1] {
                gaps.append(starts[i] - ends[i - 1])
            }
        }
        return gaps
    }
}
