import Testing
@testable import SwarmLab

@Suite("Hold benchmark")
struct HoldBenchmarkTests {
    @Test("the same inputs end at the same simulated instant; other inputs do not")
    func deterministic() {
        let a = HoldBenchmark.run(pending: 1_000, operations: 50_000)
        let b = HoldBenchmark.run(pending: 1_000, operations: 50_000)
        #expect(a.finalTicks == b.finalTicks)
        #expect(a.finalTicks != HoldBenchmark.run(pending: 1_001, operations: 50_000).finalTicks)
        #expect(a.finalTicks != HoldBenchmark.run(pending: 1_000, operations: 50_000, seed: 7).finalTicks)
    }

    @Test("simulated time advances about operations / N seconds (each event is Exp(1 s) ahead)")
    func timeAdvance() {
        let r = HoldBenchmark.run(pending: 1_000, operations: 200_000)
        // 200 000 events spread over 1 000 independent Exp(1) renewal streams: ~200 s.
        #expect(abs(Double(r.finalTicks) / 1e9 - 200) < 10)
        #expect(r.eventsPerSecond > 0 && r.peakRSSKiB > 0)
    }

    @Test("the comparison reads the key-value lines every implementation prints")
    func parse() {
        let f = HoldComparison.parse("pending 10 steps 20 seconds 0.5\nevents_per_second 40\npeak_rss_kb 1024\nchecksum 7\n")
        #expect(f["pending"] == 10 && f["steps"] == 20 && f["seconds"] == 0.5)
        #expect(f["events_per_second"] == 40 && f["peak_rss_kb"] == 1024)
    }
}
