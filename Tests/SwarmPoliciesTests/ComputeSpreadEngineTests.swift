import Foundation
import Testing
import SwarmKernel
import SwarmModel
import SwarmPolicies

@Suite("Compute-time spread in the engine")
struct ComputeSpreadEngineTests {
    @Test("with a spread, two identical devices no longer finish identical attempts at one instant")
    func tiesBroken() throws {
        var tasks = TaskTable()
        for _ in 0..<2 { tasks.add(work: .kernel(.gemm(m: 256, n: 256, k: 256, dtype: .fp32))) }
        var desktop = DeviceClass.desktop
        desktop.availability = .alwaysOn
        let fleet = try Fleet(classes: [desktop], regions: [("local", 0)], mix: [.init(className: "desktop", region: "local", count: 2)])
        func returns(spread: Double) -> [Double] {
            var configuration = WorkEngine.Configuration()
            configuration.computeSpread = spread
            let engine = WorkEngine(fleet: fleet, tasks: tasks, policy: FastestFirstPolicy(context: PolicyContext(streams: RandomStreams(seed: 1))), seed: 3, configuration: configuration)
            var at: [Double] = []
            engine.observer = { if case .returned(_, _, let t) = $0 { at.append(t.seconds) } }
            _ = engine.run()
            return at
        }
        let plain = returns(spread: 0), spread = returns(spread: 0.01)
        #expect(plain.count == 2 && plain[0] == plain[1])
        #expect(spread.count == 2 && spread[0] != spread[1])
    }

    @Test("each kernel draws with its own spread: a kernel given none by kernelSpreads keeps the common one")
    func perKernelSpread() throws {
        let big = TensorKernel.gemm(m: 256, n: 256, k: 256, dtype: .fp32), small = TensorKernel.gemm(m: 32, n: 32, k: 32, dtype: .fp32)
        var tasks = TaskTable()
        for _ in 0..<2 { tasks.add(work: .kernel(big)) }
        var desktop = DeviceClass.desktop
        desktop.availability = .alwaysOn
        let fleet = try Fleet(classes: [desktop], regions: [("local", 0)], mix: [.init(className: "desktop", region: "local", count: 2)])
        func returns(_ set: (inout WorkEngine.Configuration) -> Void) -> [Double] {
            var configuration = WorkEngine.Configuration()
            set(&configuration)
            let engine = WorkEngine(fleet: fleet, tasks: tasks, policy: FastestFirstPolicy(context: PolicyContext(streams: RandomStreams(seed: 1))), seed: 3, configuration: configuration)
            var at: [Double] = []
            engine.observer = { if case .returned(_, _, let t) = $0 { at.append(t.seconds) } }
            _ = engine.run()
            return at
        }
        // The common spread is 10%, but the GEMM's own is 0: its attempts are not drawn.
        let own = returns { $0.computeSpread = 0.1; $0.kernelSpreads = [big: 0] }
        #expect(own.count == 2 && own[0] == own[1])
        // Only another kernel's spread given: the GEMM keeps the common one, as with none given.
        let other = returns { $0.computeSpread = 0.1; $0.kernelSpreads = [small: 0] }
        let common = returns { $0.computeSpread = 0.1 }
        #expect(other == common && other[0] != other[1])
    }
}
