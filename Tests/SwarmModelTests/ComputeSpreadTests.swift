import Foundation
import Testing
import SwarmKernel
@testable import SwarmModel

@Suite("Compute-time spread")
struct ComputeSpreadTests {
    @Test("the factor has mean 1 and the relative deviation asked for; no spread gives exactly 1")
    func moments() {
        let streams = RandomStreams(seed: 7)
        let cv = 0.02
        let x = (0..<20_000).map { ComputeSpread.factor(relativeDeviation: cv, streams: streams, task: $0, device: $0 % 7, attempts: 1) }
        let mean = x.reduce(0, +) / Double(x.count)
        let sd = (x.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(x.count - 1)).squareRoot()
        // Standard error of the mean: cv / √n = 0.02 / 141 ≈ 1.4e-4; 5 of them.
        #expect(abs(mean - 1) < 7e-4, "mean \(mean)")
        // The sample SD of 20,000 draws is within a few percent of cv.
        #expect(abs(sd / cv - 1) < 0.05, "sd \(sd)")
        #expect(ComputeSpread.factor(relativeDeviation: 0, streams: streams, task: 3, device: 1, attempts: 1) == 1)
    }

    @Test("the draw is keyed by task, device and attempt count: the same key the same factor, replicas out at once different ones")
    func keyed() {
        let s = RandomStreams(seed: 1)
        let a = ComputeSpread.factor(relativeDeviation: 0.01, streams: s, task: 5, device: 2, attempts: 2)
        #expect(a == ComputeSpread.factor(relativeDeviation: 0.01, streams: RandomStreams(seed: 1), task: 5, device: 2, attempts: 2))
        #expect(a != ComputeSpread.factor(relativeDeviation: 0.01, streams: s, task: 5, device: 3, attempts: 2))
        #expect(a != ComputeSpread.factor(relativeDeviation: 0.01, streams: s, task: 5, device: 2, attempts: 3))
        #expect(a != ComputeSpread.factor(relativeDeviation: 0.01, streams: RandomStreams(seed: 2), task: 5, device: 2, attempts: 2))
    }
}
