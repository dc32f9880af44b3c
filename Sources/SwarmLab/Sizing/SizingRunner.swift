import Foundation
import Synchronization
import SwarmModel
import SwarmPolicies
import SwarmResults
import SwarmScenario

/// `swarmlab size`: the cheapest configuration of the scenario's `sizing` axes whose
/// replications meet every one of its `targets` with the stated confidence (`docs/sizing.md`).
///
/// A candidate is the scenario with the axes' fields set (`Scenario.with`, as a sweep point),
/// run `replications` times under one policy with seeds `seed + r` — the same seeds for every
/// candidate (common random numbers), so candidates differ by their fleet, not by their luck.
/// It meets a target when the target metric's two-sided Student-t interval at `confidence`
/// lies wholly on the right side of the limit; an interval across the limit does not meet it.
/// `SizingSearch` chooses the candidates.
///
/// Like a sweep, each run goes to a part file as it finishes (`OUTPUT.parts/c-6-r2.h5`,
/// written to a temporary file and renamed, named by the candidate's values); started again,
/// the search reads finished runs back instead of running them, so an interrupted search
/// resumes where it stopped and reaches the same answer. At the end the candidates and runs
/// are written to `OUTPUT` and the parts removed.
public enum SizingRunner {
    public struct Options: Sendable {
        /// Replications of a candidate run at once (threads); default: the number of cores.
        public var jobs: Int
        /// The results file of every candidate tried.
        public var output: String
        /// Runs per candidate; nil: the scenario's `sizing.replications`.
        public var replications: Int?
        /// Keep the part files after writing `output` (tests of resumption).
        public var keepParts: Bool
        /// Run only this shard's replications of each candidate (`SizingRunner+Shards`).
        public var shard: (index: Int, count: Int)?
        /// Only read the parts back (the cluster's join): a missing part is an error naming it.
        public var joinOnly: Bool
        public init(jobs: Int = ProcessInfo.processInfo.activeProcessorCount, output: String, replications: Int? = nil,
                    keepParts: Bool = false, shard: (index: Int, count: Int)? = nil, joinOnly: Bool = false) {
            self.jobs = jobs; self.output = output; self.replications = replications; self.keepParts = keepParts
            self.shard = shard; self.joinOnly = joinOnly
        }
    }

    /// One target judged on one candidate: the interval of its metric over the replications.
    public struct Estimate: Sendable {
        public var target: RunTarget
        public var mean: Double
        /// Half-width of the interval at the search's confidence (NaN if a run had no value).
        public var halfWidth: Double
        public var met: Bool
        public var lower: Double { mean - halfWidth }
        public var upper: Double { mean + halfWidth }
    }

    /// One run of a candidate: its seed and the value of every `RunTarget.Metric`.
    public struct RunValues: Sendable {
        public var replication: Int
        public var seed: UInt64
        /// Indexed like `RunTarget.Metric.allCases`.
        public var values: [Double]
        /// Every task settled before the horizon.
        public var settled: Bool
        public var wallSeconds: Double
        public var resumed: Bool
    }

    /// A configuration tried: its axis values, list price and verdict.
    public struct Candidate: Sendable {
        /// Order of evaluation, from 0.
        public var number: Int
        public var values: [Int]
        /// List price of the fleet, USD per hour (the search's cost order).
        public var price: Double
        public var estimates: [Estimate]
        public var runs: [RunValues]
        public var met: Bool { estimates.allSatisfy(\.met) }
        /// Whether the capacity targets (all but cost, energy, carbon) are met: the search's verdict.
        public var capacityMet: Bool { estimates.allSatisfy { $0.met || $0.target.metric.isBudget } }
    }

    /// What a search found.
    public struct Outcome: Sendable {
        public var axes: [Scenario.Sizing.Axis]
        public var confidence: Double
        public var replications: Int
        /// Every candidate run, in evaluation order.
        public var candidates: [Candidate]
        /// The cheapest candidate meeting every target.
        public var answer: Candidate
        /// Candidates one step below the answer on an axis that were run (they did not meet).
        public var bounding: [Candidate]
        /// Runs done now, and read back from an earlier invocation's parts.
        public var freshRuns: Int
        public var resumedRuns: Int
        public var output: String
    }

    /// No configuration within the axes' bounds meets a target: which ones, and the best value
    /// any candidate reached for each.
    public struct Refusal: Error, CustomStringConvertible {
        public var missed: [(target: RunTarget, best: Estimate, at: [SweepSetting])]
        /// When the capacity targets were met: the cheapest configuration meeting them, whose
        /// budgets (cost, energy, carbon) are the ones missed.
        public var cheapest: [SweepSetting]?
        public var output: String
        public var description: String {
            let head = cheapest.map { "the cheapest configuration meeting the other targets (\($0.map(\.description).joined(separator: ", "))) misses a budget:\n" }
                ?? "no configuration within the sizing bounds meets every target:\n"
            return head + missed.map { m in
                "  \(m.target.metric.name) \(m.target.relation) \(formatTarget(m.target.metric, m.target.limit)): best reached "
                    + "\(formatTarget(m.target.metric, m.best.mean)) ± \(formatTarget(m.target.metric, m.best.halfWidth, scale: m.best.mean)) at "
                    + m.at.map(\.description).joined(separator: ", ")
            }.joined(separator: "\n") + "\n(" + (cheapest == nil ? "raise the axes' `max`, or relax the target" : "relax the budget, or let cheaper devices in (an axis, a lower `min`)")
                + "; every candidate tried is in \(output))"
        }
    }

    /// Progress after each candidate: its number and a one-line status.
    public typealias Progress = @Sendable (_ line: String) -> Void

    /// Searches `scenario`'s sizing axes for the cheapest candidate meeting its targets.
    public static func run(_ scenario: Scenario, registry: PolicyRegistry = .builtin, options: Options,
                           progress: Progress = { _ in }) throws -> Outcome {
        let setup = try Setup(scenario, options: options)
        let parts = options.output + ".parts"
        let searched = try search(setup, registry: registry, options: options, parts: parts, progress: progress)
        var candidates = searched.candidates
        let answer = searched.answer
        // The answer is always a point run (a point inferred to meet is never cheaper than the
        // one it was inferred from); should that change, it is run here rather than trusted.
        if let answer, !candidates.contains(where: { $0.values == answer }) {
            candidates.append(try evaluate(answer, number: candidates.count, setup: setup, registry: registry, parts: parts, jobs: options.jobs))
        }
        try write(setup: setup, candidates: candidates, answer: answer, to: options.output)
        if !options.keepParts { try? FileManager.default.removeItem(atPath: parts) }
        let fresh = candidates.reduce(0) { $0 + $1.runs.filter { !$0.resumed }.count }
        let resumed = candidates.reduce(0) { $0 + $1.runs.filter(\.resumed).count }
        guard let answer, let best = candidates.first(where: { $0.values == answer }), best.met else {
            throw refusal(setup: setup, candidates: candidates, answer: answer, output: options.output)
        }
        let below = setup.axes.indices.compactMap { j -> [Int]? in
            let axis = setup.axes[j].values
            guard let k = axis.firstIndex(of: answer[j]), k > 0 else { return nil }
            var p = answer; p[j] = axis[k - 1]; return p
        }
        return Outcome(axes: setup.axes, confidence: setup.confidence, replications: setup.replications, candidates: candidates,
                       answer: best, bounding: candidates.filter { c in below.contains(c.values) }, freshRuns: fresh,
                       resumedRuns: resumed, output: options.output)
    }

    /// The search itself: the candidates it evaluated, in order, and the answer (nil: none
    /// meets the capacity targets). Runs go to (or are read back from) `parts`.
    static func search(_ setup: Setup, registry: PolicyRegistry, options: Options, parts: String,
                       progress: Progress) throws -> (candidates: [Candidate], answer: [Int]?) {
        try FileManager.default.createDirectory(atPath: parts, withIntermediateDirectories: true)
        var candidates: [Candidate] = []
        let start = monotonicSeconds()
        var search = SizingSearch(axes: setup.axes.map(\.values), price: setup.price)
        let answer = try search.run { values in
            let c = try evaluate(values, number: candidates.count, setup: setup, registry: registry, parts: parts, jobs: options.jobs)
            candidates.append(c)
            let fresh = c.runs.filter { !$0.resumed }
            progress("[\(c.number + 1)] \(setup.describe(values)) ($\(String(format: "%.2f", c.price))/h): "
                     + c.estimates.map { e in "\(e.target.metric.name) \(formatTarget(e.target.metric, e.mean)) ± \(formatTarget(e.target.metric, e.halfWidth, scale: e.mean))\(e.met ? "" : " ✗")" }
                        .joined(separator: ", ")
                     + " → \(c.met ? "meets" : c.capacityMet ? "meets all but a budget" : "does not meet"); "
                     + (fresh.isEmpty ? "already done" : "\(fresh.count) run(s) in \(String(format: "%.1f", fresh.reduce(0) { $0 + $1.wallSeconds })) s")
                     + ", \(Int((monotonicSeconds() - start).rounded())) s so far")
            return c.capacityMet
        }
        return (candidates, answer)
    }

    /// Why nothing is the answer: the capacity targets the top of the axes misses, each with
    /// the best value any candidate reached; or, when the cheapest configuration meeting those
    /// (`answer`) misses a budget, the budgets with the best value among such configurations.
    static func refusal(setup: Setup, candidates: [Candidate], answer: [Int]?, output: String) -> Refusal {
        let judged: Candidate, pool: [Candidate]
        if let answer, let a = candidates.first(where: { $0.values == answer }) {
            judged = a; pool = candidates.filter(\.capacityMet)
        } else {
            judged = candidates.first { $0.values == setup.axes.map { $0.values.last! } } ?? candidates.last!
            pool = candidates
        }
        let missed = judged.estimates.enumerated().filter { !$0.element.met && (answer != nil) == $0.element.target.metric.isBudget }.map { (k, e) in
            let best = pool.min { a, b in
                let x = a.estimates[k].mean, y = b.estimates[k].mean
                if x.isNaN { return false }
                if y.isNaN { return true }
                return e.target.metric.atLeast ? x > y : x < y
            }!
            return (target: e.target, best: best.estimates[k], at: setup.settings(best.values))
        }
        return Refusal(missed: missed, cheapest: answer.map(setup.settings), output: output)
    }

    /// Runs (or reads back) the replications of one candidate and judges it. Sequential: while
    /// an interval straddles its limit and `setup.maxReplications` allows, the replications
    /// double (the added seeds are the next ones, the same for every candidate).
    static func evaluate(_ values: [Int], number: Int, setup: Setup, registry: PolicyRegistry, parts: String, jobs: Int) throws -> Candidate {
        let point = try setup.scenario.with(setup.settings(values).map { (path: $0.path, value: $0.value) })
        try point.checkMemory()
        let description = setup.describe(values)
        let key = "c-" + values.map(String.init).joined(separator: "_")
        let fitting = max(1, Int(physicalMemoryBytes() / max(point.memoryEstimate.total, 1)))
        var runs: [RunValues] = []
        var n = setup.replications
        while true {
            runs += try runReplications(runs.count..<n, of: point, setup: setup, registry: registry, jobs: min(jobs, fitting),
                                        parts: parts, key: key, description: description)
            let estimates = judge(runs, setup.targets, confidence: setup.confidence)
            let undecided = estimates.contains { e in
                !e.met && !e.halfWidth.isNaN && (e.target.metric.atLeast ? e.upper >= e.target.limit : e.lower <= e.target.limit)
            }
            if !undecided || n >= setup.maxReplications {
                return Candidate(number: number, values: values, price: setup.price(values), estimates: estimates, runs: runs)
            }
            n = min(setup.maxReplications, 2 * n)
        }
    }

    /// Replications `range` of one candidate, several at once. A shard runs its own
    /// (`Setup.isMine`) and then waits for the other shards' parts (`awaitPart`).
    static func runReplications(_ range: Range<Int>, of point: Scenario, setup: Setup, registry: PolicyRegistry, jobs: Int,
                                parts: String, key: String, description: String) throws -> [RunValues] {
        let mine = range.filter(setup.isMine)
        let results = Mutex([Int: RunValues]())
        let failure = Mutex<(any Error)?>(nil)
        let next = Mutex(0)
        let started = monotonicSeconds()
        DispatchQueue.concurrentPerform(iterations: max(1, min(jobs, mine.count))) { _ in
            while true {
                let i: Int = next.withLock { n in defer { n += 1 }; return n }
                guard i < mine.count else { return }
                let r = mine[i]
                do {
                    let v = try runOne(point, replication: r, seed: setup.seeds[r], setup: setup, registry: registry,
                                       path: "\(parts)/\(key)-r\(r).h5", description: description)
                    results.withLock { $0[r] = v }
                } catch {
                    failure.withLock { $0 = $0 ?? error }
                }
            }
        }
        if let e = failure.withLock({ $0 }) { throw e }
        var done = results.withLock { $0 }
        for r in range where done[r] == nil {
            let path = "\(parts)/\(key)-r\(r).h5"
            awaitPart(path, setup: setup, ownSeconds: monotonicSeconds() - started)
            done[r] = try runOne(point, replication: r, seed: setup.seeds[r], setup: setup, registry: registry,
                                 path: path, description: description)
        }
        return range.map { done[$0]! }
    }

    /// Each target's interval over `runs` at `confidence`, and whether it lies wholly on the
    /// right side of the limit (a makespan also needs every run settled).
    static func judge(_ runs: [RunValues], _ targets: [RunTarget], confidence: Double) -> [Estimate] {
        targets.map { t -> Estimate in
            let m = RunTarget.Metric.allCases.firstIndex(of: t.metric)!
            let xs = runs.map { $0.values[m] }
            guard !xs.contains(where: \.isNaN), let ci = ConfidenceInterval(xs, level: confidence) else {
                return Estimate(target: t, mean: xs.reduce(0, +) / Double(xs.count), halfWidth: .nan, met: false)
            }
            let settled = t.metric != .makespan || runs.allSatisfy(\.settled)
            let met = settled && (t.metric.atLeast ? ci.lower >= t.limit : ci.upper <= t.limit)
            return Estimate(target: t, mean: ci.mean, halfWidth: ci.halfWidth, met: met)
        }
    }

    /// One replication of a candidate: read back from its part file if there is one (checking
    /// it belongs to this search), else run and written to it.
    static func runOne(_ point: Scenario, replication r: Int, seed: UInt64, setup: Setup, registry: PolicyRegistry,
                       path: String, description: String) throws -> RunValues {
        let names = RunTarget.Metric.allCases.map(\.name)
        if setup.joinOnly && !FileManager.default.fileExists(atPath: path) { throw MissingPart(path: path, point: description, replication: r) }
        if FileManager.default.fileExists(atPath: path) {
            let reader = try ResultsReader(path: path)
            guard reader.string("scenario") == setup.scenario.text, reader.string("size_point") == description,
                  reader.attribute("run_seed") == .int(Int64(bitPattern: seed)), reader.string("policy") == setup.policy else {
                throw ScenarioRunner.FileError(description: "\(path) belongs to another size search (delete \((path as NSString).deletingLastPathComponent) to start over)")
            }
            let values = try names.map { try reader.column("size_run", $0).first ?? .nan }
            let settled = try reader.column("size_run", "settled").first == 1
            return RunValues(replication: r, seed: seed, values: values, settled: settled, wallSeconds: 0, resumed: true)
        }
        var run = point
        run.seed = seed
        let result = try ScenarioRunner.runPolicy(run, policy: setup.policy, registry: registry, writer: nil, group: "")
        let values = RunTarget.Metric.allCases.map { result.value($0, duration: run.duration) }
        let writer = try ResultsWriter(path: path)
        try Provenance.write(to: writer, scenario: setup.scenario)
        try writer.setAttribute("size_point", description)
        try writer.setAttribute("run_seed", Int64(bitPattern: seed))
        try writer.setAttribute("policy", setup.policy)
        try writer.setAttribute("wall_time", result.wallSeconds)
        try writer.writeTable("size_run", zip(RunTarget.Metric.allCases, values).map { .double($0.name, [$1], units: $0.unit) }
                              + [.double("settled", [result.settled ? 1 : 0], units: "1")])
        try writer.commit()
        return RunValues(replication: r, seed: seed, values: values, settled: result.settled, wallSeconds: result.wallSeconds, resumed: false)
    }
}
