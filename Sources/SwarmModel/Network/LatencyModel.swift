import SwarmKernel

/// One end of a message or transfer, as far as latency is concerned: where it is (its region)
/// and the one-way delay of its access network (last mile: DSL, cable, 4G/5G, Wi-Fi, a data
/// centre's top-of-rack). Built by the caller from its fleet's flat arrays; two words.
public struct NetworkEndpoint: Hashable, Sendable {
    public var region: RegionID
    /// One-way access latency (device to its region's network).
    public var accessLatency: SimDuration

    public init(region: RegionID, accessLatency: SimDuration) {
        self.region = region; self.accessLatency = accessLatency
    }
}

/// How long a message takes to reach `b` from `a`, before any bandwidth is involved.
///
/// An extension point with one required method; a model draws whatever randomness it needs
/// from the generator the caller passes (a stream of its own per purpose), so runs stay
/// deterministic and adding a draw elsewhere shifts nothing here.
public protocol LatencyModel: Sendable {
    /// One-way latency of a message from `a` to `b` (never negative).
    func latency<G: RandomNumberGenerator>(from a: NetworkEndpoint, to b: NetworkEndpoint,
                                           using g: inout G) -> SimDuration
}

/// The default latency model: propagation between the two regions + each side's access latency
/// + jitter.
///
///     latency(a, b) = RTT[region(a), region(b)] / 2 + access(a) + access(b) + max(0, J),  J ~ jitter
///
/// Propagation comes from measured round-trip times (one-way = RTT / 2, the usual assumption
/// of symmetric paths); the access terms are the two last miles; jitter is queueing variation,
/// typically `Exponential` or `LogNormal` in seconds, clamped at zero so a symmetric jitter
/// (`Normal`) never makes a message beat the speed of light. Without jitter no random number
/// is drawn. Sources and caveats: `docs/models/network.md`.
public struct RegionLatencyModel: LatencyModel {
    public let rtt: RTTMatrix
    /// Extra one-way delay in seconds, drawn per message; nil = none.
    public let jitter: (any Distribution)?

    public init(rtt: RTTMatrix, jitter: (any Distribution)? = nil) {
        self.rtt = rtt; self.jitter = jitter
    }

    /// The deterministic part: RTT / 2 + both access latencies.
    public func baseLatency(from a: NetworkEndpoint, to b: NetworkEndpoint) -> SimDuration {
        SimDuration(seconds: rtt.oneWay(from: a.region, to: b.region)) + a.accessLatency + b.accessLatency
    }

    public func latency<G: RandomNumberGenerator>(from a: NetworkEndpoint, to b: NetworkEndpoint,
                                                  using g: inout G) -> SimDuration {
        let base = baseLatency(from: a, to: b)
        guard let jitter else { return base }
        return base + SimDuration(seconds: max(0, jitter.sample(using: &g)))
    }
}
