import Testing
@testable import SwarmKernel

/// A small random model: each handled event schedules 0–2 followers at random delays
/// (some at delay 0) and sometimes cancels a pending one. Returns the trace.
func randomModelTrace(seed: UInt64, until: SimTime = SimTime(seconds: 50), prefetch: UnsafeRawPointer? = nil) -> [Event] {
    let sim = Simulation()
    var g = RandomStreams(seed: seed).stream("model")
    var handles: [EventHandle] = []
    var trace: [Event] = []
    sim.tracer = { trace.append($0) }
    var kinds: [EventKind] = []
    for name in ["arrive", "finish", "leave"] {
        kinds.append(sim.register(name) { [unowned sim] event in
            for _ in 0..<g.nextIndex(below: 3) {
                let delay = g.nextUnit() < 0.2 ? SimDuration.zero : SimDuration(seconds: Exponential(mean: 1).sample(using: &g))
                handles.append(sim.schedule(kinds[g.nextIndex(below: kinds.count)], target: event.target &+ 1, after: delay))
            }
            if !handles.isEmpty && g.nextUnit() < 0.1 {
                sim.cancel(handles[g.nextIndex(below: handles.count)])
            }
        })
    }
    for k in kinds where prefetch != nil { sim.setPrefetch(k, base: prefetch, stride: 4_096) }
    for i in 0..<200 { sim.schedule(kinds[i % 3], target: UInt32(i), at: SimTime(seconds: Double(i) / 100)) }
    sim.run(until: until)
    return trace
}

@Suite("Simulation run loop")
struct SimulationTests {
    @Test("events never go back in time", arguments: [1, 2, 3, 4] as [UInt64])
    func monotonicTime(seed: UInt64) {
        let trace = randomModelTrace(seed: seed)
        #expect(trace.count > 1_000)
        #expect(zip(trace, trace.dropFirst()).allSatisfy { $0.time <= $1.time })
    }

    @Test("same seed gives the identical event sequence; another seed does not")
    func determinism() {
        let a = randomModelTrace(seed: 42), b = randomModelTrace(seed: 42)
        #expect(a == b)
        #expect(a != randomModelTrace(seed: 43))
    }

    @Test("a prefetch hint changes no event, even pointing at freed or unmapped memory")
    func prefetchHintIsOnlyAHint() {
        let plain = randomModelTrace(seed: 7)
        let freed = UnsafeMutableRawPointer.allocate(byteCount: 64, alignment: 64)
        freed.deallocate()
        #expect(plain.count > 1_000)
        #expect(randomModelTrace(seed: 7, prefetch: UnsafeRawPointer(freed)) == plain)
        #expect(randomModelTrace(seed: 7, prefetch: UnsafeRawPointer(bitPattern: 0x1000)) == plain)
    }

    @Test("a kind keeps up to hintsPerKind prefetch hints; setPrefetch starts its list anew")
    func severalHints() {
        let sim = Simulation()
        let k = sim.register("tick") { _ in }
        let base = UnsafeRawPointer(bitPattern: 0x1000)!
        for i in 0..<EventQueue.hintsPerKind { #expect(sim.addPrefetch(k, base: base, stride: 8), "hint \(i)") }
        #expect(!sim.addPrefetch(k, base: base, stride: 8))
        sim.setPrefetch(k, base: base, stride: 8)   // one hint, the rest dropped
        for _ in 1..<EventQueue.hintsPerKind { #expect(sim.addPrefetch(k, base: base, stride: 8)) }
        #expect(!sim.addPrefetch(k, base: base, stride: 8))
        sim.setPrefetch(k, base: nil, stride: 0)     // none
        #expect(sim.addPrefetch(k, base: base, stride: 8))
    }

    @Test("thousands of events at one instant, with every hint a kind may have pointing at unmapped memory, run as without hints")
    func tiesWithHints() {
        func trace(hinted: Bool) -> [UInt32] {
            let sim = Simulation()
            var order: [UInt32] = []
            var n = 0
            var k = EventKind(rawValue: 0)
            k = sim.register("tick") { [unowned sim] e in
                order.append(e.target)
                // each wave schedules the next at one instant, as identical devices finishing
                // identical work do (a bucket 0 far longer than the pop's look-ahead)
                if n < 20_000 { n += 1; sim.schedule(k, target: e.target &* 7 &+ 1, after: .seconds(1)) }
            }
            if hinted {
                for i in 0..<EventQueue.hintsPerKind {
                    sim.addPrefetch(k, base: UnsafeRawPointer(bitPattern: 0x1000 * (i + 1))!, stride: 4_096 * (i + 1))
                }
            }
            for i in 0..<5_000 { sim.schedule(k, target: UInt32(i), at: SimTime(seconds: 1)) }
            sim.run()
            return order
        }
        let plain = trace(hinted: false)
        #expect(plain.count == 25_000)
        #expect(trace(hinted: true) == plain)
    }

    @Test("equal-time events run in the order they were scheduled")
    func fifoTies() {
        let sim = Simulation()
        var order: [UInt32] = []
        let k = sim.register("tick") { order.append($0.target) }
        for i in 0..<100 as Range<UInt32> { sim.schedule(k, target: i, at: SimTime(seconds: 1)) }
        sim.run()
        #expect(order == Array(0..<100))
    }

    @Test("a cancelled event's handler never runs")
    func cancelledNeverRuns() {
        let sim = Simulation()
        var ran: [UInt32] = []
        let k = sim.register("tick") { ran.append($0.target) }
        let keep = sim.schedule(k, target: 1, after: .seconds(1))
        let drop = sim.schedule(k, target: 2, after: .seconds(2))
        #expect(sim.cancel(drop))
        #expect(sim.pendingCount == 1)
        #expect(sim.run() == .queueEmpty)
        #expect(ran == [1])
        #expect(!sim.isPending(keep))
        #expect(sim.eventsProcessed == 1)
    }

    @Test("run(until:) handles events at the limit, then moves the clock there")
    func runUntil() {
        let sim = Simulation()
        var seen: [SimTime] = []
        let k = sim.register("tick") { seen.append($0.time) }
        for s in [1.0, 2.0, 3.0] { sim.schedule(k, at: SimTime(seconds: s)) }
        #expect(sim.run(until: SimTime(seconds: 2)) == .timeLimit)
        #expect(seen == [SimTime(seconds: 1), SimTime(seconds: 2)])
        #expect(sim.now == SimTime(seconds: 2))
        #expect(sim.run(until: SimTime(seconds: 10)) == .queueEmpty)
        #expect(sim.now == SimTime(seconds: 10))
        #expect(sim.nextEventTime() == nil)
    }

    @Test("maxEvents and stop() end the loop where asked")
    func stopConditions() {
        let sim = Simulation()
        var count = 0
        var k = EventKind(rawValue: 0)
        k = sim.register("loop") { [unowned sim] _ in
            count += 1
            if count == 25 { sim.stop() }
            sim.schedule(k, after: .milliseconds(5))
        }
        sim.schedule(k, at: .zero)
        #expect(sim.run(maxEvents: 10) == .eventLimit)
        #expect(count == 10)
        #expect(sim.run() == .stopped)
        #expect(count == 25)
        #expect(sim.now == SimTime(ticks: 24 * 5_000_000))
        #expect(sim.step()?.time == SimTime(ticks: 25 * 5_000_000))
    }

    @Test("scheduling in the past is refused")
    func pastIsRefused() async {
        await #expect(processExitsWith: .failure) {
            let sim = Simulation()
            let k = sim.register("x") { _ in }
            sim.schedule(k, at: SimTime(seconds: 5))
            sim.run()
            sim.schedule(k, at: SimTime(seconds: 1))
        }
    }

    @Test("simulated time is exact integer nanoseconds")
    func timeRepresentation() {
        #expect(SimDuration(seconds: 1.5).ticks == 1_500_000_000)
        #expect(SimDuration.hours(24).ticks == 86_400 * 1_000_000_000)
        // A year of 1 ns steps still adds exactly (a Double of seconds would not).
        let year = SimTime.zero + .days(365)
        #expect((year + .nanoseconds(1)) - year == .nanoseconds(1))
        #expect(SimDuration.milliseconds(1_500).description == "1.5s")
        #expect(SimDuration.hours(2.5).description == "2h 30m 00.000s")
        #expect(SimDuration.microseconds(250).description == "250.0µs")
    }
}
