import Testing
import SwarmKernel

/// The README's kernel example, verbatim, so the README cannot drift from the API.
@Test("the README's kernel example runs and counts arrivals within the hour")
func readmeKernelExample() {
    let sim = Simulation()
    var rng = RandomStreams(seed: 42).stream("arrivals")          // a named, independent stream
    let lifetime = Weibull(shape: 0.5, scale: 3600)                // seconds
    var online = 0
    let arrive = sim.register("arrive") { event in online += 1 }
    for device in 0..<1_000 as Range<UInt32> {
        sim.schedule(arrive, target: device, at: SimTime(seconds: lifetime.sample(using: &rng)))
    }
    sim.run(until: SimTime(seconds: 3600))
    print(online, sim.now, sim.eventsProcessed)
    // P(Weibull(0.5, 3600) ≤ 3600) = 1 − e⁻¹ ≈ 0.632: about 632 of 1,000 (sd ≈ 15).
    #expect(abs(online - 632) < 60)
    #expect(sim.now == SimTime(seconds: 3600))
    #expect(sim.eventsProcessed == UInt64(online))
}
