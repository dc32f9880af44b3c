import Foundation
import SwarmModel
import SwarmResults
import SwarmScenario

extension SizingRunner {
    /// What a search needs from the scenario, checked before any run: the axes, targets,
    /// policy, seeds and the list price of a candidate.
    struct Setup: Sendable {
        let scenario: Scenario
        let axes: [Scenario.Sizing.Axis]
        let targets: [RunTarget]
        let policy: String
        /// Replications of every candidate, and the most a candidate whose interval straddles a
        /// limit grows to (doubling).
        let replications: Int
        let maxReplications: Int
        /// One per replication up to `maxReplications`, the same for every candidate.
        let seeds: [UInt64]
        let confidence: Double
        /// List price of the all-min candidate, and what one unit of each axis adds (USD/h).
        let basePrice: Double
        let unitPrices: [Double]
        /// This invocation's shard, if sharded, and whether it only joins (`SizingRunner+Shards`).
        let shard: (index: Int, count: Int)?
        let joinOnly: Bool

        init(_ scenario: Scenario, options: Options) throws {
            guard let sizing = scenario.sizing else {
                throw ScenarioRunner.FileError(description: "\(scenario.file): no `sizing:` section; `size` needs its axes, e.g.\n"
                                               + "sizing:\n  axes:\n    - { path: fleet[0].count, min: 1, max: 1000 }\n(docs/sizing.md)")
            }
            guard !scenario.targets.isEmpty else {
                throw ScenarioRunner.FileError(description: "\(scenario.file): no `targets:` section; `size` looks for the cheapest fleet meeting them, e.g.\n"
                                               + "targets:\n  latency_p95: 2s\n(docs/sizing.md)")
            }
            guard scenario.sweep.isEmpty else {
                throw ScenarioRunner.FileError(description: "\(scenario.file): `size` chooses the fleet itself; remove the `sweep` over "
                                               + scenario.sweep.map(\.path).joined(separator: " × "))
            }
            self.scenario = scenario
            shard = options.shard
            joinOnly = options.joinOnly
            axes = sizing.axes
            targets = scenario.targets
            policy = sizing.policy ?? scenario.policies[0]
            let n = options.replications ?? sizing.replications
            guard n >= 2 else { throw ScenarioRunner.FileError(description: "`size` needs at least 2 replications per candidate for an interval, found \(n)") }
            replications = n
            maxReplications = max(n, sizing.maxReplications ?? n)
            seeds = (0..<maxReplications).map { scenario.seeds[0] &+ UInt64($0) }
            confidence = sizing.confidence
            // Both corners must be valid scenarios, and the top one must fit in memory,
            // before hours of runs.
            let bottom = axes.map { $0.values[0] }, top = axes.map { $0.values.last! }
            let low = try scenario.with(Setup.settings(axes, bottom).map { (path: $0.path, value: $0.value) })
            let high = try scenario.with(Setup.settings(axes, top).map { (path: $0.path, value: $0.value) })
            try high.checkMemory()
            basePrice = Setup.listPrice(low)
            var units: [Double] = []
            for (j, axis) in axes.enumerated() {
                if let p = axis.unitPrice { units.append(p); continue }
                guard axis.values.count > 1 else { units.append(0); continue }
                var p = bottom; p[j] = axis.values.last!
                let s = try scenario.with(Setup.settings(axes, p).map { (path: $0.path, value: $0.value) })
                units.append((Setup.listPrice(s) - basePrice) / Double(axis.values.last! - axis.values[0]))
            }
            unitPrices = units
        }

        /// The fleet's list price, USD per hour: Σ count · its class's price.
        static func listPrice(_ s: Scenario) -> Double {
            s.fleet.reduce(0) { sum, share in
                sum + Double(share.count) * (s.classes.first { $0.name == share.className }?.pricePerHour ?? 0)
            }
        }

        /// A candidate's list price, USD per hour (linear in the axes).
        func price(_ values: [Int]) -> Double {
            zip(zip(axes, unitPrices), values).reduce(basePrice) { $0 + $1.0.1 * Double($1.1 - $1.0.0.values[0]) }
        }

        static func settings(_ axes: [Scenario.Sizing.Axis], _ values: [Int]) -> [SweepSetting] {
            zip(axes, values).map { SweepSetting(path: $0.path, value: String($1)) }
        }

        func settings(_ values: [Int]) -> [SweepSetting] { Setup.settings(axes, values) }

        /// `fleet[0].count=6, fleet[1].count=2`.
        func describe(_ values: [Int]) -> String { settings(values).map(\.description).joined(separator: ", ") }
    }
}
