import Testing
@testable import SwarmKernel

@Suite("Random streams")
struct RandomTests {
    @Test("Philox4x32-10 matches the Random123 known-answer vectors")
    func philoxKnownAnswers() {
        let zero = Philox4x32.block(counter: (0, 0, 0, 0), key: (0, 0))
        #expect([zero.0, zero.1, zero.2, zero.3] == [0x6627_E8D5, 0xE169_C58D, 0xBC57_AC4C, 0x9B00_DBD8])
        let ones = Philox4x32.block(counter: (.max, .max, .max, .max), key: (.max, .max))
        #expect([ones.0, ones.1, ones.2, ones.3] == [0x408F_276D, 0x41C8_3B0E, 0xA20B_C7C6, 0x6D54_51FD])
        let pi = Philox4x32.block(counter: (0x243F_6A88, 0x85A3_08D3, 0x1319_8A2E, 0x0370_7344),
                                  key: (0xA409_3822, 0x299F_31D0))
        #expect([pi.0, pi.1, pi.2, pi.3] == [0xD16C_FE09, 0x94FD_CCEB, 0x5001_E420, 0x2412_6EA1])
    }

    @Test("xoshiro256** seeded by SplitMix64 matches Vigna's reference C code")
    func xoshiroReference() {
        // Reference: benchmarks/baselines/hold.c (Vigna's xoshiro256starstar.c and
        // splitmix64.c), seed 42.
        var g = Xoshiro256(seed: 42)
        #expect([g.next(), g.next(), g.next()] == [0x1578_0B2E_0C2E_C716, 0x6104_D986_6D11_3A7E, 0xAE17_5332_39E4_99A1])
        var s = SplitMix64(seed: 0)
        #expect(s.next() == 0xE220_A839_7B1D_CDAF)
    }

    @Test("a Philox stream can be resumed from its counter alone")
    func philoxResume() {
        let streams = RandomStreams(seed: 7)
        var a = streams.counterStream("availability", entity: 3)
        var first: [UInt64] = []
        for _ in 0..<10 { first.append(a.next()) }
        var b = streams.counterStream("availability", entity: 3, block: 2)
        #expect([b.next(), b.next()] == [first[4], first[5]])
    }

    @Test("streams differ by seed, purpose and entity, and do not depend on each other")
    func streamIdentity() {
        let s = RandomStreams(seed: 1)
        var keys = Set<UInt64>()
        for purpose in ["availability", "task-size", "network"] {
            for entity in 0..<1000 as Range<UInt64> { keys.insert(s.key(purpose, entity: entity)) }
        }
        #expect(keys.count == 3000)
        #expect(RandomStreams(seed: 2).key("availability", entity: 0) != s.key("availability", entity: 0))
        // Drawing from other streams in between does not change a stream's numbers.
        var lone = s.stream("task-size", entity: 9)
        let alone = (0..<5).map { _ in lone.next() }
        var noise = s.stream("task-size", entity: 8)
        var again = s.stream("task-size", entity: 9)
        var interleaved: [UInt64] = []
        for _ in 0..<5 { _ = noise.next(); interleaved.append(again.next()) }
        #expect(alone == interleaved)
    }

    @Test("adjacent entity streams are uncorrelated", arguments: [1, 2, 3] as [UInt64])
    func adjacentStreamsUncorrelated(seed: UInt64) {
        let s = RandomStreams(seed: seed)
        var a = s.counterStream("x", entity: 100), b = s.counterStream("x", entity: 101)
        let n = 20_000
        var sxy = 0.0, sx = 0.0, sy = 0.0, sxx = 0.0, syy = 0.0
        for _ in 0..<n {
            let x = a.nextUnit(), y = b.nextUnit()
            sxy += x * y; sx += x; sy += y; sxx += x * x; syy += y * y
        }
        let nn = Double(n)
        let r = (sxy - sx * sy / nn) / ((sxx - sx * sx / nn) * (syy - sy * sy / nn)).squareRoot()
        // |r| of independent streams is ~N(0, 1/n): 4.5 sd is 0.032 at n = 20 000.
        #expect(abs(r) < 4.5 / nn.squareRoot())
    }

    @Test("nextIndex(below:) is uniform (chi-square, 9 dof)")
    func nextIndexUniform() {
        var g = Xoshiro256(seed: 3)
        var counts = [Int](repeating: 0, count: 10)
        let n = 100_000
        for _ in 0..<n { counts[g.nextIndex(below: 10)] += 1 }
        let expected = Double(n) / 10
        let chi2 = counts.reduce(0.0) { $0 + (Double($1) - expected) * (Double($1) - expected) / expected }
        #expect(chi2 < 27.88)   // χ²₉ at p = 0.001
        #expect((0..<1000).allSatisfy { _ in (0..<7).contains(g.nextIndex(below: 7)) })
    }

    @Test("unit draws stay in their intervals")
    func unitIntervals() {
        var g = Philox4x32(key: 11)
        var bad = 0
        for _ in 0..<100_000 {
            let u = g.nextUnit(), v = g.nextOpenUnit()
            if !(u >= 0 && u < 1) || !(v > 0 && v <= 1) { bad += 1 }
        }
        #expect(bad == 0)
    }
}
