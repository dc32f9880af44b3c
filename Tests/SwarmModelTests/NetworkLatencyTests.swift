import Testing
import SwarmKernel
import SwarmModel

@Suite("Network: RTT matrix and latency")
struct NetworkLatencyTests {
    /// Three regions; eu→us measured one way only, us↔ap both ways (asymmetric), eu's own RTT given.
    static let matrix = RTTMatrix(
        names: ["eu", "us", "ap"],
        measurements: [
            (RegionID(0), RegionID(1), 0.080),
            (RegionID(1), RegionID(2), 0.150), (RegionID(2), RegionID(1), 0.152),
            (RegionID(0), RegionID(2), 0.230),
            (RegionID(0), RegionID(0), 0.004),
        ],
        intraRegionDefault: 0.002)

    @Test("lookup by name, symmetric fill of one-way measurements, asymmetric pairs kept")
    func lookupAndSymmetry() {
        let m = Self.matrix
        let eu = m.region(named: "eu")!, us = m.region(named: "us")!, ap = m.region(named: "ap")!
        #expect(m.region(named: "mars") == nil)
        #expect(m.name(of: us) == "us")
        #expect(m.rtt(from: eu, to: us) == 0.080)
        #expect(m.rtt(from: us, to: eu) == 0.080)
        #expect(m.rtt(from: us, to: ap) == 0.150)
        #expect(m.rtt(from: ap, to: us) == 0.152)
        #expect(m.oneWay(from: eu, to: ap) == 0.230 / 2)
        #expect(m.seconds[1 * 3 + 0] == 0.080)   // row-major
    }

    @Test("diagonal: the measured intra-region RTT, else the default")
    func diagonal() {
        let m = Self.matrix
        #expect(m.rtt(from: RegionID(0), to: RegionID(0)) == 0.004)
        #expect(m.rtt(from: RegionID(1), to: RegionID(1)) == 0.002)
        #expect(m.rtt(from: RegionID(2), to: RegionID(2)) == 0.002)
    }

    @Test("latency = RTT / 2 + both access latencies, exactly, without jitter")
    func latencyWithoutJitter() {
        let model = RegionLatencyModel(rtt: Self.matrix)
        let a = NetworkEndpoint(region: RegionID(0), accessLatency: .milliseconds(5))
        let b = NetworkEndpoint(region: RegionID(1), accessLatency: .milliseconds(10))
        var g = RandomStreams(seed: 1).stream("latency")
        let before = g
        let d = model.latency(from: a, to: b, using: &g)
        #expect(d == SimDuration(seconds: 0.080 / 2) + .milliseconds(5) + .milliseconds(10))
        #expect(d == .milliseconds(55))
        #expect(g.next() == { var h = before; return h.next() }())   // nothing drawn
        // Same region: the intra-region RTT.
        #expect(model.latency(from: a, to: a, using: &g) == .milliseconds(2 + 5 + 5))
    }

    struct Zero: Distribution {
        func sample<G: RandomNumberGenerator>(using g: inout G) -> Double { _ = g.next(); return 0 }
        var mean: Double { 0 }
        var variance: Double { 0 }
    }

    @Test("jitter that draws zero adds nothing; jitter is drawn from the caller's generator",
          arguments: [7, 8, 9] as [UInt64])
    func jitter(seed: UInt64) {
        let a = NetworkEndpoint(region: RegionID(1), accessLatency: .milliseconds(1))
        let b = NetworkEndpoint(region: RegionID(2), accessLatency: .milliseconds(20))
        let base = SimDuration(seconds: 0.150 / 2) + .milliseconds(1) + .milliseconds(20)
        var g = RandomStreams(seed: seed).stream("latency")
        #expect(RegionLatencyModel(rtt: Self.matrix, jitter: Zero()).latency(from: a, to: b, using: &g) == base)

        let exp = Exponential(mean: 0.010)
        var copy = g
        let d = RegionLatencyModel(rtt: Self.matrix, jitter: exp).latency(from: a, to: b, using: &g)
        #expect(d == base + SimDuration(seconds: exp.sample(using: &copy)))
        #expect(d > base)
    }

    @Test("a jitter draw below zero is clamped: never faster than propagation")
    func negativeJitterClamped() {
        let model = RegionLatencyModel(rtt: Self.matrix, jitter: Normal(mean: -1, sd: 1e-6))
        let a = NetworkEndpoint(region: RegionID(0), accessLatency: .zero)
        var g = RandomStreams(seed: 3).stream("latency")
        #expect(model.latency(from: a, to: a, using: &g) == SimDuration(seconds: 0.004 / 2))
    }
}
