import Foundation
import Testing
@testable import SwarmLab
import SwarmModel
import SwarmResults
import SwarmScenario

/// `swarmlab size` (docs/sizing.md): the search against closed forms and brute force, its
/// refusals and its resumption.
@Suite("Sizing")
struct SizingTests {
    /// Erlang's C formula: the probability that an arrival waits in an M/M/c queue with
    /// offered load a = λ/μ (a < c), C(c, a) = (aᶜ/c!)·c/(c−a) / (Σ_{k<c} aᵏ/k! + (aᶜ/c!)·c/(c−a)).
    static func erlangC(servers c: Int, load a: Double) -> Double {
        var term = 1.0, sum = 0.0
        for k in 0..<c { sum += term; term *= a / Double(k + 1) }   // term ends as aᶜ/c!
        let waiting = term * Double(c) / (Double(c) - a)
        return waiting / (sum + waiting)
    }

    /// Mean response time of M/M/c: service 1/μ plus the mean wait C(c, a)/(cμ − λ).
    static func meanResponse(servers c: Int, arrival λ: Double, service μ: Double) -> Double {
        guard Double(c) * μ > λ else { return .infinity }
        return 1 / μ + erlangC(servers: c, load: λ / μ) / (Double(c) * μ - λ)
    }

    /// Poisson requests (λ per second) with exponential work (mean 1/μ) on `count` always-on
    /// identical servers with no network delay: an M/M/c queue.
    static func queue(λ: Double, meanWork: Double, requests: Int, target: String, max: Int, replications: Int = 4) -> String {
        """
        version: 1
        name: mmc
        seed: 7
        duration: 3d
        regions: [{ name: eu }]
        network: { intra_region_rtt: 0s }
        device_classes:
          - { name: server, base: cloud-vm, access_latency: 0s, availability: { model: always-on } }
        fleet:
          - { class: server, region: eu, count: 1 }
        workloads:
          - requests: { rate: \(λ)/s, count: \(requests), work: { seconds: 1s }, exponential_work: \(meanWork)s }
        policies: [fastest-first]
        targets:
          latency_mean: \(target)
        sizing:
          replications: \(replications)
          axes:
            - path: fleet[0].count
              min: 1
              max: \(max)
        """
    }

    static func parse(_ text: String) throws -> Scenario {
        try Scenario.parse(text: text, file: "mmc.yaml", registry: .builtin)
    }

    static func temporary(_ name: String) -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("swarmlab-size-\(getpid())-\(UUID().uuidString)-\(name)").path
    }

    @Test("size returns the smallest server count the Erlang C formula gives for an M/M/c mean-response target")
    func erlangCSmallestCount() throws {
        let λ = 3.0, μ = 1.0, target = 1.3
        // The analytic answer: the smallest c whose mean response time meets the target.
        let analytic = (1...64).first { Self.meanResponse(servers: $0, arrival: λ, service: μ) <= target }!
        #expect(analytic == 5)
        // Both sides clearly apart from the target, so 4 × 20,000 requests decide them.
        #expect(Self.meanResponse(servers: analytic - 1, arrival: λ, service: μ) - target > 0.15)   // 1.51 s
        #expect(target - Self.meanResponse(servers: analytic, arrival: λ, service: μ) > 0.15)       // 1.12 s
        let s = try Self.parse(Self.queue(λ: λ, meanWork: 1 / μ, requests: 20_000, target: "\(target)s", max: 64))
        let output = Self.temporary("mmc.h5")
        defer { try? FileManager.default.removeItem(atPath: output) }
        let outcome = try SizingRunner.run(s, options: .init(jobs: 2, output: output))
        #expect(outcome.answer.values == [analytic])
        #expect(outcome.answer.estimates[0].upper <= target)
        // Bracketing by doubling (1, 2, 4, 8), then bisection (6, 5): c − 1 was run and failed.
        #expect(outcome.candidates.map { $0.values[0] } == [1, 2, 4, 8, 6, 5])
        let below = try #require(outcome.bounding.first)
        #expect(below.values == [analytic - 1] && !below.met)
        // Each estimate's interval covers the analytic mean response time where the queue is stable.
        for c in outcome.candidates where Double(c.values[0]) * μ > λ {
            let exact = Self.meanResponse(servers: c.values[0], arrival: λ, service: μ)
            let e = c.estimates[0]
            #expect(abs(e.mean - exact) < max(2 * e.halfWidth, 0.03), "c = \(c.values[0]): \(e.mean) ± \(e.halfWidth), Erlang C gives \(exact)")
        }
        // Common random numbers: every candidate ran the same seeds.
        #expect(Set(outcome.candidates.map { $0.runs.map(\.seed) }) == [[7, 8, 9, 10]])
        // The file holds every candidate and every run.
        let reader = try ResultsReader(path: output)
        #expect(try reader.column("size_candidates", "axis_0") == outcome.candidates.map { Double($0.values[0]) })
        #expect(try reader.column("size_runs", "latency_mean").count == outcome.candidates.count * 4)
        #expect(reader.string("size_answer") == "fleet[0].count=\(analytic)")
        #expect(!FileManager.default.fileExists(atPath: output + ".parts"))
    }

    @Test("a target no fleet within the bounds can meet is refused, naming it and the best value reached")
    func infeasibleRefused() throws {
        // Mean work 1 s: no number of servers brings the mean response below 1/μ = 1 s.
        let s = try Self.parse(Self.queue(λ: 3, meanWork: 1, requests: 2_000, target: "0.5s", max: 8, replications: 3))
        let output = Self.temporary("infeasible.h5")
        defer { try? FileManager.default.removeItem(atPath: output) }
        do {
            _ = try SizingRunner.run(s, options: .init(jobs: 2, output: output))
            Issue.record("an unreachable target was not refused")
        } catch let refusal as SizingRunner.Refusal {
            let missed = try #require(refusal.missed.first)
            #expect(missed.target.metric == .latencyMean)
            // The best reached is at the top of the axis, and no better than service alone.
            #expect(missed.at == [SweepSetting(path: "fleet[0].count", value: "8")])
            #expect(missed.best.mean >= 1.0 - 0.05 && missed.best.mean < 1.2)
            #expect(refusal.description.contains("latency_mean ≤ 0.5 s: best reached"))
            #expect(refusal.description.contains("fleet[0].count=8"))
        }
        // The candidates tried are still written, with no answer.
        let reader = try ResultsReader(path: output)
        #expect(reader.string("size_answer") == "none")
        #expect(try reader.column("size_candidates", "axis_0") == [1, 2, 4, 8])
    }

    @Test("sequential testing: only candidates whose interval straddles the limit get more replications")
    func sequential() throws {
        let s = try Self.parse(Self.queue(λ: 3, meanWork: 1, requests: 5_000, target: "1.3s", max: 64, replications: 2)
            .replacingOccurrences(of: "  replications: 2", with: "  replications: 2\n  max_replications: 8"))
        let output = Self.temporary("sequential.h5")
        defer { try? FileManager.default.removeItem(atPath: output) }
        let outcome = try SizingRunner.run(s, options: .init(jobs: 2, output: output))
        #expect(outcome.answer.values == [5])   // Erlang C, as in the closed-form test
        for c in outcome.candidates {
            let e = c.estimates[0]
            let straddled = e.lower <= 1.3 && 1.3 <= e.upper
            // 2 runs when decided at once; 4, then 8 while undecided; 8 at most.
            #expect([2, 4, 8].contains(c.runs.count))
            if c.runs.count < 8 { #expect(!straddled, "\(c.values): undecided after \(c.runs.count) runs") }
            // Common random numbers still: the first seeds are everyone's.
            #expect(c.runs.map(\.seed) == (0..<c.runs.count).map { 7 + UInt64($0) })
        }
        #expect(outcome.candidates.contains { $0.runs.count > 2 }, "no candidate needed more runs: the test proves nothing")
        let reader = try ResultsReader(path: output)
        #expect(try reader.column("size_candidates", "replications") == outcome.candidates.map { Double($0.runs.count) })
    }

    @Test("a budget the cheapest configuration meeting the other targets misses is refused, with that configuration and its cost")
    func budgetRefused() throws {
        let s = try Self.parse(Self.queue(λ: 3, meanWork: 1, requests: 2_000, target: "1.3s", max: 16, replications: 3)
            .replacingOccurrences(of: "  latency_mean: 1.3s", with: "  latency_mean: 1.3s\n  cost_per_day: $10/day"))
        let output = Self.temporary("budget.h5")
        defer { try? FileManager.default.removeItem(atPath: output) }
        do {
            let o = try SizingRunner.run(s, options: .init(jobs: 2, output: output))
            Issue.record("a budget below one server's cost was met by \(o.answer.values)")
        } catch let refusal as SizingRunner.Refusal {
            let cheapest = try #require(refusal.cheapest)
            let c = try #require(Int(cheapest[0].value))
            #expect(c > 3, "the queue is stable only above λ/μ = 3 servers")
            let missed = try #require(refusal.missed.first)
            #expect(refusal.missed.count == 1 && missed.target.metric == .costPerDay)
            // c always-on servers at $0.34/h are billed 0.34 · 24 · c per day.
            #expect(abs(missed.best.mean - 0.34 * 24 * Double(c)) < 1e-9)
            #expect(refusal.description.hasPrefix("the cheapest configuration meeting the other targets (fleet[0].count=\(c)) misses a budget"))
        }
    }

    @Test("swarmlab size answers on the example scenario of docs/sizing.md")
    func exampleAnswers() throws {
        let output = Self.temporary("example.h5")
        defer { try? FileManager.default.removeItem(atPath: output) }
        let r = try swarmlab("size", "scenarios/examples/sizing.yaml", "--replications", "2", "--jobs", "2", "--output", output, "--json")
        #expect(r.status == 0, "stderr: \(r.stderr)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        let answer = try #require(json["answer"] as? [String: Any])
        #expect(answer["met"] as? Bool == true)
        #expect((answer["values"] as? [String: Int])?.keys.sorted() == ["fleet[0].count", "fleet[1].count"])
        #expect(r.stderr.contains("[1] fleet[0].count=200, fleet[1].count=16"), "the top corner is judged first")
    }

    @Test("an interrupted search resumes from the runs it finished and reaches the same answer")
    func resumes() throws {
        let s = try Self.parse(Self.queue(λ: 3, meanWork: 1, requests: 5_000, target: "1.3s", max: 64, replications: 3))
        let output = Self.temporary("resume.h5")
        defer { try? FileManager.default.removeItem(atPath: output); try? FileManager.default.removeItem(atPath: output + ".parts") }
        let first = try SizingRunner.run(s, options: .init(jobs: 2, output: output, keepParts: true))
        #expect(first.freshRuns == first.candidates.count * 3 && first.resumedRuns == 0)
        // Interrupted after three candidates: the later candidates' parts never appeared, and
        // the killed writer left its temporary file behind.
        let parts = output + ".parts"
        let later = first.candidates.dropFirst(3)
        for c in later {
            for r in 0..<3 { try FileManager.default.removeItem(atPath: "\(parts)/c-\(c.values[0])-r\(r).h5") }
        }
        FileManager.default.createFile(atPath: "\(parts)/c-\(later.first!.values[0])-r0.h5.tmp-999999", contents: Data("partial".utf8))
        try FileManager.default.removeItem(atPath: output)
        let again = try SizingRunner.run(s, options: .init(jobs: 2, output: output))
        #expect(again.answer.values == first.answer.values)
        #expect(again.candidates.map(\.values) == first.candidates.map(\.values))
        #expect(again.resumedRuns == 3 * 3)
        #expect(again.freshRuns == later.count * 3)
        // The same runs give the same numbers, read back or not.
        #expect(again.candidates.map { $0.estimates[0].mean } == first.candidates.map { $0.estimates[0].mean })
        #expect(FileManager.default.fileExists(atPath: output))
    }

    @Test("swarmlab size killed at a random point of its search and started again reads its finished runs back and gives the analytic answer",
          arguments: [1, 2, 3] as [UInt64])
    func killedAndResumed(seed: UInt64) throws {
        let folder = Self.temporary("killed")
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let scenario = folder + "/mmc.yaml", output = folder + "/mmc-size.h5", parts = output + ".parts"
        try Self.queue(λ: 3, meanWork: 1, requests: 20_000, target: "1.3s", max: 64, replications: 3)
            .write(toFile: scenario, atomically: true, encoding: .utf8)
        // Killed (SIGKILL: no clean-up) once 0…6 runs are written, then 0…0.2 s later: mid-run.
        func finished() -> Int { ((try? FileManager.default.contentsOfDirectory(atPath: parts)) ?? []).filter { $0.hasSuffix(".h5") }.count }
        let fraction = killFraction(seed: seed), written = Int(fraction * 7)
        let k = try KilledCommand.run(["size", scenario, "--output", output, "--jobs", "2", "--quiet"],
                                      delay: 0.2 * fraction, timeout: 60) { finished() >= written }
        try #require(k.killed, "the search ended before it could be interrupted")
        let done = finished()
        #expect(done >= written && !FileManager.default.fileExists(atPath: output))
        let r = try swarmlab("size", scenario, "--output", output, "--jobs", "2", "--json")
        #expect(r.status == 0, "stderr: \(r.stderr)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        #expect((json["answer"] as? [String: Any])?["values"] as? [String: Int] == ["fleet[0].count": 5])   // Erlang C, as above
        #expect(json["runs_resumed"] as? Int == done)
        if done > 0 { #expect(r.stderr.contains("already done")) }
        #expect(!FileManager.default.fileExists(atPath: parts))
    }

    @Test("a part written by another search is refused, not mixed in")
    func foreignPartRefused() throws {
        let s = try Self.parse(Self.queue(λ: 3, meanWork: 1, requests: 500, target: "1.3s", max: 2, replications: 2))
        let other = try Self.parse(Self.queue(λ: 2, meanWork: 1, requests: 500, target: "1.3s", max: 2, replications: 2))
        let output = Self.temporary("foreign.h5")
        defer { try? FileManager.default.removeItem(atPath: output + ".parts") }
        _ = try? SizingRunner.run(other, options: .init(jobs: 1, output: output, keepParts: true))
        #expect(throws: ScenarioRunner.FileError.self) { try SizingRunner.run(s, options: .init(jobs: 1, output: output)) }
        try? FileManager.default.removeItem(atPath: output)
    }

    @Test("a mix: the cost-ordered search finds the brute-force cheapest point and runs few of them")
    func mixMatchesBruteForce() throws {
        // Capacity 3 per VM ($3/h) and 1 per desktop ($1.2/h); the targets need 20.
        let vms = Array(0...10), desktops = Array(stride(from: 0, through: 30, by: 2))
        let price: ([Int]) -> Double = { 3 * Double($0[0]) + 1.2 * Double($0[1]) }
        let meets: ([Int]) -> Bool = { 3 * $0[0] + $0[1] >= 20 }
        var brute: [Int]?
        for v in vms { for d in desktops where meets([v, d]) {
            if brute == nil || price([v, d]) < price(brute!) || (price([v, d]) == price(brute!) && v + d < brute!.reduce(0, +)) { brute = [v, d] }
        } }
        var search = SizingSearch(axes: [vms, desktops], price: price)
        var runs = 0
        let found = search.run { point in runs += 1; return meets(point) }
        #expect(found == brute)
        #expect(found == [6, 2])   // 3·6 + 2 = 20 at $18 + $2.4 = $20.4
        #expect(runs < vms.count * desktops.count / 4, "\(runs) evaluations of \(vms.count * desktops.count) points")
        // Unreachable within the bounds: only the top corner is run.
        var none = SizingSearch(axes: [vms, desktops], price: price)
        var tried: [[Int]] = []
        #expect(none.run { tried.append($0); return 3 * $0[0] + $0[1] >= 100 } == nil)
        #expect(tried == [[10, 30]])
    }

    @Test("targets are checked per run, recorded in /summary and printed by run")
    func targetsPerRun() throws {
        let text = Self.queue(λ: 3, meanWork: 1, requests: 2_000, target: "1.3s", max: 8)
            .replacingOccurrences(of: "count: 1 }", with: "count: 8 }")
            .replacingOccurrences(of: "  latency_mean: 1.3s", with: "  latency_mean: 1.3s\n  throughput: 1000/s\n  cost_per_day: $100/day")
        let path = Self.temporary("targets.yaml"), output = Self.temporary("targets.h5")
        defer { try? FileManager.default.removeItem(atPath: path); try? FileManager.default.removeItem(atPath: output) }
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        let report = try ScenarioRunner.runFile(path, output: output, progress: { _ in })
        #expect(report.text.contains("latency_mean ≤ 1.3 s:") && report.text.contains("— met"))
        #expect(report.text.contains("throughput ≥ 1000 tasks/s:") && report.text.contains("— NOT met"))
        let reader = try ResultsReader(path: output)
        func summary(_ name: String) throws -> Double { try reader.column("fastest-first/summary", name)[0] }
        // 8 servers at ρ = 3/8: the mean response is about 1/μ = 1 s, under 1.3 s; 2,000 requests
        // at 3/s come in about 667 s, far below 1,000 tasks/s.
        #expect(try summary("latency_mean_target") == 1.3 && summary("latency_mean_met") == 1)
        #expect(try summary("throughput_target") == 1000 && summary("throughput_met") == 0)
        #expect(try summary("targets_met") == 0)
        #expect(try summary("energy_met").isNaN)
        // 8 cloud VMs at $0.34/h held for the 3-day duration: $0.34 · 8 · 24 = $65.28 per day.
        #expect(try abs(summary("cost_per_day") - 0.34 * 8 * 24) < 1e-6)
        #expect(try summary("cost_per_day_met") == 1)
    }

    @Test("bad targets and sizing axes are refused with the field, the place and what was expected")
    func badInput() throws {
        let base = Self.queue(λ: 3, meanWork: 1, requests: 100, target: "1.3s", max: 8)
        #expect { try Self.parse(base.replacingOccurrences(of: "latency_mean: 1.3s", with: "latency_mean: 1.3 parsecs")) } throws: { e in
            let d = "\(e)"
            return d.hasPrefix("mmc.yaml:15:17: targets.latency_mean:") && d.contains("1.3 parsecs")
        }
        #expect { try Self.parse(base.replacingOccurrences(of: "latency_mean: 1.3s", with: "cost_per_day: 40 euros")) } throws: { e in
            "\(e)".contains("targets.cost_per_day") && "\(e)".contains("expected \"$500/day\"")
        }
        #expect { try Self.parse(base.replacingOccurrences(of: "latency_mean: 1.3s", with: "latency_p90: 2s")) } throws: { e in
            "\(e)".contains("unknown key `latency_p90`; did you mean `latency_p50`?")
        }
        #expect { try Self.parse(base.replacingOccurrences(of: "path: fleet[0].count", with: "path: flet[0].count")) } throws: { e in
            "\(e)".contains("sizing.axes[0].path") && "\(e)".contains("did you mean `fleet`?")
        }
        // An axis that is not a fleet count (an elastic pool's size, here a stand-in) needs its price.
        #expect { try Self.parse(base.replacingOccurrences(of: "path: fleet[0].count", with: "path: workloads[0].requests.count")) } throws: { e in
            "\(e)".contains("sizing.axes[0].path") && "\(e)".contains("give `unit_price`")
        }
        #expect(try Self.parse(base.replacingOccurrences(of: "path: fleet[0].count", with: "path: workloads[0].requests.count\n      unit_price: $1/h"))
            .sizing?.axes[0].unitPrice == 1)
        #expect { try Self.parse(base.replacingOccurrences(of: "max: 8", with: "max: 0")) } throws: { e in
            "\(e)".contains("sizing.axes[0].max") && "\(e)".contains("expected max ≥ min (1), found 0")
        }
        #expect { try Self.parse(base.replacingOccurrences(of: "replications: 4", with: "replications: 1")) } throws: { e in
            "\(e)".contains("sizing.replications") && "\(e)".contains("≥ 2")
        }
    }
}
