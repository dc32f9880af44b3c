import Foundation
import Testing
@testable import SwarmLab

@Suite("Validation: more seeds where the seeds disagree")
struct ValidationReplicationRuleTests {
    @Test("pairs that agree to the millisecond need no more seeds; one seed off by a whole OFF period does")
    func rule() {
        let real = [5.90, 5.70, 5.66, 5.66, 6.36]
        // Every pair within 10 ms: the per-seed differences' half-width is far below 4% of 5.9 s.
        #expect(!Validation.needsMoreReplications(sim: real.map { $0 + 0.01 }, real: real))
        // `05-churn-reexecution`, seed 6 (the earlier table): one pair 3.5 s apart, the others
        // agreeing; differences {0, 3.5, 0, 0, 0}: mean 0.7, SD 1.57, half-width
        // 2.776 · 1.57 / √5 = 1.94 s, 33% of the mean real makespan > 4%.
        var sim = real
        sim[1] += 3.5
        #expect(Validation.needsMoreReplications(sim: sim, real: real))
        // One pair cannot tell: nothing to extend from.
        #expect(!Validation.needsMoreReplications(sim: [9], real: [5]))
    }
}
