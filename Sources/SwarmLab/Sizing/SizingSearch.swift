/// The search `swarmlab size` makes, apart from how a candidate is judged: over points (one
/// value per axis, each from its axis's ascending list), find the cheapest one judged to meet
/// the targets, evaluating as few as it can.
///
/// Assumption — monotonicity: adding units on any axis never makes a target harder to meet.
/// So a point at or above (every axis ≥) one that met meets, and a point at or below one that
/// failed fails; such verdicts are inferred, not run (`verdict`).
///
/// - One axis: bracketing by doubling (indices 0, 1, 3, 7, … of the axis: values 1, 2, 4, 8, …
///   from min 1), then bisection between the last failure and the first success: about
///   2·log₂(values) candidates. The top of the axis failing is a refusal.
/// - Several axes (a mix): first the top corner (every axis at max): if it fails, nothing within
///   the bounds meets the targets (a refusal). Then cost order: the combinations of every axis
///   but the last, by the price of the combination with the last axis at its min; for each, the
///   smallest last-axis value that meets (doubling and bisection as above, searching only values
///   that would be cheaper than the best found so far). It stops at the first combination that
///   could not beat the best even with the last axis at its min. Inferences from the points
///   already judged prune most runs (the frontier is a staircase).
///
/// Cheaper means a lower list price (USD/h); equal prices (volunteers are free), fewer units in all.
/// The search is deterministic: the same verdicts give the same sequence of evaluations, which
/// is what lets an interrupted search resume from the candidates it finished.
struct SizingSearch {
    /// Each axis's values, ascending.
    let axes: [[Int]]
    /// The list price of a point, USD per hour.
    let price: ([Int]) -> Double
    /// Points judged by running them, in order, with their verdict.
    private(set) var judged: [(point: [Int], met: Bool)] = []

    init(axes: [[Int]], price: @escaping ([Int]) -> Double) {
        precondition(!axes.isEmpty && axes.allSatisfy { !$0.isEmpty }, "a search needs axes with values")
        self.axes = axes
        self.price = price
    }

    /// Whether `a` is cheaper than `b`: a lower price, or the same price and fewer units.
    func cheaper(_ a: [Int], _ b: [Int]) -> Bool {
        let pa = price(a), pb = price(b)
        let tolerance = 1e-9 * max(1, abs(pa), abs(pb))
        if abs(pa - pb) > tolerance { return pa < pb }
        return a.reduce(0, +) < b.reduce(0, +)
    }

    /// The verdict on `point` inferred from the points judged so far, or nil.
    func inferred(_ point: [Int]) -> Bool? {
        for j in judged {
            if j.met && zip(point, j.point).allSatisfy({ $0 >= $1 }) { return true }
            if !j.met && zip(point, j.point).allSatisfy({ $0 <= $1 }) { return false }
        }
        return nil
    }

    /// The verdict on `point`: inferred, or from `evaluate` (then remembered).
    mutating func verdict(_ point: [Int], _ evaluate: ([Int]) throws -> Bool) rethrows -> Bool {
        if let v = inferred(point) { return v }
        let met = try evaluate(point)
        judged.append((point, met))
        return met
    }

    /// The cheapest point judged to meet the targets, or nil when none within the bounds does
    /// (the top of a single axis, or the top corner of a mix, fails).
    mutating func run(_ evaluate: ([Int]) throws -> Bool) rethrows -> [Int]? {
        let last = axes.count - 1
        if axes.count > 1 {
            guard try verdict(axes.map { $0.last! }, evaluate) else { return nil }
        }
        var best: [Int]?
        for prefix in combinations(of: Array(axes[..<last])) {
            let lowest = prefix + [axes[last][0]]
            if let b = best, !cheaper(lowest, b) { break }
            // Only last-axis values that would beat the best are worth judging.
            var cap = axes[last].count - 1
            if let b = best { while cap > 0 && !cheaper(prefix + [axes[last][cap]], b) { cap -= 1 } }
            if let z = try smallestMeeting(prefix, upTo: cap, evaluate) { best = prefix + [axes[last][z]] }
        }
        return best
    }

    /// The smallest index z ≤ cap of the last axis such that `prefix + [value z]` meets:
    /// doubling from index 0 (0, 1, 3, 7, …, cap), then bisection.
    private mutating func smallestMeeting(_ prefix: [Int], upTo cap: Int, _ evaluate: ([Int]) throws -> Bool) rethrows -> Int? {
        let values = axes[axes.count - 1]
        var failed = -1, met: Int?
        var i = 0
        while met == nil {
            let z = min(i, cap)
            if try verdict(prefix + [values[z]], evaluate) { met = z } else {
                failed = z
                if z == cap { return nil }
                i = 2 * i + 1
            }
        }
        var hi = met!
        while hi - failed > 1 {
            let mid = (failed + hi) / 2
            if try verdict(prefix + [values[mid]], evaluate) { hi = mid } else { failed = mid }
        }
        return hi
    }

    /// Every combination of one value per axis, cheapest first (with the last search axis at
    /// its min: `price` is called on the combination followed by that value).
    private func combinations(of prefixAxes: [[Int]]) -> [[Int]] {
        var all: [[Int]] = [[]]
        for axis in prefixAxes { all = all.flatMap { p in axis.map { p + [$0] } } }
        let lowest = axes[axes.count - 1][0]
        // Decorated sort: each price once.
        return all.map { (p: $0, price: price($0 + [lowest]), units: $0.reduce(0, +)) }
            .sorted { a, b in
                let tolerance = 1e-9 * max(1, abs(a.price), abs(b.price))
                if abs(a.price - b.price) > tolerance { return a.price < b.price }
                if a.units != b.units { return a.units < b.units }
                return a.p.lexicographicallyPrecedes(b.p)
            }
            .map(\.p)
    }
}
