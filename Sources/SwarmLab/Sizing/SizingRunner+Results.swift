import Foundation
import SwarmModel
import SwarmResults
import SwarmScenario

extension SizingRunner {
    /// Writes `output`: provenance, the search's attributes, `/size_candidates` (one row per
    /// candidate: axis values, price, per target mean, interval half-width and verdict) and
    /// `/size_runs` (one row per run: every target metric).
    static func write(setup: Setup, candidates: [Candidate], answer: [Int]?, to output: String) throws {
        let writer = try ResultsWriter(path: output)
        try Provenance.write(to: writer, scenario: setup.scenario)
        try writer.setAttribute("size_axes", setup.axes.enumerated().map { "axis_\($0): \($1.path)" }.joined(separator: "\n"))
        try writer.setAttribute("size_policy", setup.policy)
        try writer.setAttribute("size_confidence", setup.confidence)
        try writer.setAttribute("replications", Int64(setup.replications))
        try writer.setAttribute("size_answer", answer.map(setup.describe) ?? "none")
        try writer.setAttribute("wall_time", candidates.reduce(0) { $0 + $1.runs.reduce(0) { $0 + $1.wallSeconds } })
        var columns: [ResultsColumn] = [.uint32("candidate", candidates.map { UInt32($0.number) }, units: "1")]
        for j in setup.axes.indices { columns.append(.int64("axis_\(j)", candidates.map { Int64($0.values[j]) }, units: "1")) }
        columns.append(.double("price", candidates.map(\.price), units: "USD/h"))
        columns.append(.uint32("replications", candidates.map { UInt32($0.runs.count) }, units: "1"))
        columns.append(.double("met", candidates.map { $0.met ? 1 : 0 }, units: "1"))
        for (k, t) in setup.targets.enumerated() {
            columns.append(.double(t.metric.name + "_mean", candidates.map { $0.estimates[k].mean }, units: t.metric.unit))
            columns.append(.double(t.metric.name + "_ci", candidates.map { $0.estimates[k].halfWidth }, units: t.metric.unit))
            columns.append(.double(t.metric.name + "_met", candidates.map { $0.estimates[k].met ? 1 : 0 }, units: "1"))
        }
        try writer.writeTable("size_candidates", columns)
        let runs = candidates.flatMap { c in c.runs.map { (c.number, $0) } }
        var runColumns: [ResultsColumn] = [
            .uint32("candidate", runs.map { UInt32($0.0) }, units: "1"),
            .uint32("replication", runs.map { UInt32($0.1.replication) }, units: "1"),
            .int64("seed", runs.map { Int64(bitPattern: $0.1.seed) }, units: "1"),
        ]
        for (m, metric) in RunTarget.Metric.allCases.enumerated() {
            runColumns.append(.double(metric.name, runs.map { $0.1.values[m] }, units: metric.unit))
        }
        runColumns.append(.double("settled", runs.map { $0.1.settled ? 1 : 0 }, units: "1"))
        try writer.writeTable("size_runs", runColumns)
        try writer.commit()
    }
}

extension SizingRunner.Outcome {
    /// The answer for a terminal: the configuration, each target's interval, the candidates
    /// that bound it from below, and what was run.
    public var text: String {
        func line(_ c: SizingRunner.Candidate) -> String {
            c.estimates.map { e in
                "\(e.target.metric.name) \(formatTarget(e.target.metric, e.mean)) ± \(formatTarget(e.target.metric, e.halfWidth, scale: e.mean))"
                    + (e.met ? "" : " (not met)")
            }.joined(separator: ", ")
        }
        func describe(_ values: [Int]) -> String {
            zip(axes, values).map { "\($0.path)=\($1)" }.joined(separator: ", ")
        }
        var t = "Cheapest configuration meeting every target (\(Int((confidence * 100).rounded()))% Student-t intervals over \(replications) replications, the same seeds for every candidate):\n\n"
        t += "  \(describe(answer.values))   list price $\(String(format: "%.2f", answer.price))/h"
            + (answer.runs.count == replications ? "" : ", \(answer.runs.count) replications") + "\n"
        for e in answer.estimates {
            t += "    \(e.target.metric.name) \(e.target.relation) \(formatTarget(e.target.metric, e.target.limit)): "
                + "\(formatTarget(e.target.metric, e.mean)) ± \(formatTarget(e.target.metric, e.halfWidth, scale: e.mean)) "
                + "[\(formatTarget(e.target.metric, e.lower)), \(formatTarget(e.target.metric, e.upper))] met\n"
        }
        if bounding.isEmpty {
            t += "\n  Nothing cheaper on its axes was run (the answer is at the axes' min, or below it was inferred).\n"
        } else {
            t += "\n  Bounded below by (one step less on an axis; not met):\n"
            for b in bounding { t += "    \(describe(b.values))   $\(String(format: "%.2f", b.price))/h: \(line(b))\n" }
        }
        t += "\n\(candidates.count) candidates, \(freshRuns + resumedRuns) runs (\(freshRuns) run now, \(resumedRuns) read back from an earlier invocation).\n"
        t += "Every candidate tried: \(output)\n"
        return t
    }

    /// The answer as JSON (`swarmlab size --json`).
    public var jsonObject: [String: Any] {
        func candidate(_ c: SizingRunner.Candidate) -> [String: Any] {
            ["values": Dictionary(uniqueKeysWithValues: zip(axes.map(\.path), c.values)), "price_usd_per_h": c.price, "met": c.met,
             "targets": c.estimates.map { e -> [String: Any] in
                 ["metric": e.target.metric.name, "relation": e.target.relation, "limit": e.target.limit, "unit": e.target.metric.unit,
                  "mean": jsonNumber(e.mean), "ci_half_width": jsonNumber(e.halfWidth), "met": e.met]
             }]
        }
        return ["answer": candidate(answer), "bounding": bounding.map(candidate), "candidates": candidates.count,
                "confidence": confidence, "replications": replications, "runs_fresh": freshRuns, "runs_resumed": resumedRuns,
                "output": output]
    }
}
