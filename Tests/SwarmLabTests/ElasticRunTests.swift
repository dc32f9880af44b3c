import Foundation
import Testing
import SwarmKernel
import SwarmLab
import SwarmModel
import SwarmResults
import SwarmScenario

/// A scenario with an elastic pool, run end to end: its scale events in `/elastic`, its bill
/// in `/pools` and `/summary`, and what `run` prints.
@Suite("Elastic pools in a run")
struct ElasticRunTests {
    /// 4 always-on volunteers; 60 two-minute tasks at 30 min; a pool of cloud VMs, 1…6,
    /// billed per started minute.
    static let text = """
    version: 1
    name: elastic-run
    seed: 3
    duration: 3h
    regions:
      - { name: eu, utc_offset: 1 }
    fleet:
      - { class: desktop, region: eu, count: 4, availability: always-on }
    pools:
      - { name: burst, region: eu, min: 1, max: 6, rule: { queue_per_device: 3 }, step_up: 3, step_down: 2,
          cooldown: 1min, provisioning_delay: 45s, billing_granularity: 1min }
    workloads:
      - bag: { tasks: 60, release: 30min, work: { seconds: 2min } }
    policies: [edge-first]
    """

    @Test("the results file holds the scale events, and the summary bills the time they provisioned")
    func resultsFile() throws {
        let s = try Scenario.parse(text: Self.text, file: "elastic.yaml", registry: .builtin)
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("swarmlab-elastic-\(getpid())-\(UUID().uuidString).h5").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let r = try #require(try ScenarioRunner.run(s, resultsPath: path).first)
        #expect(r.metrics.tasksDone == 60)
        let reader = try ResultsReader(path: path)
        let time = try reader.column("edge-first/elastic", "time"), size = try reader.column("edge-first/elastic", "size")
        let event = try reader.column("edge-first/elastic", "event"), devices = try reader.column("edge-first/elastic", "devices")
        // Up under the burst (not before it), to the max, and back to the min after it.
        #expect(try #require(time.first) >= 30 * 60 && event.first == 0)
        #expect(size.max() == 6 && size.last == 1 && event.last == 2)
        // ∫ size dt over [0, 3 h] from the events: the pool's provisioned time.
        var integral = 0.0, current = 1.0, t = 0.0
        for (at, n) in zip(time, size) { integral += current * (at - t); t = at; current = n }
        integral += current * (3 * 3600 - t)
        let hours = try #require(try reader.column("edge-first/summary", "pool_hours").first)
        let billed = try #require(try reader.column("edge-first/summary", "pool_billed_hours").first)
        let cost = try #require(try reader.column("edge-first/summary", "pool_cost").first)
        #expect(abs(hours * 3600 - integral) < 1e-6)
        // Each lease rounded up to a minute: at most a minute more per lease (1 at t = 0 plus
        // every device requested), and priced at cloud-vm's $/h.
        let leases = 1 + zip(event, devices).filter { $0.0 == 0 }.reduce(0) { $0 + $1.1 }
        #expect(billed >= hours && billed * 60 - hours * 60 < leases + 1e-9)
        #expect(abs(cost - billed * DeviceClass.cloudVM.pricePerHour) < 1e-9)
        // The volunteers are unpriced: the provider's bill is the pool's.
        #expect(try reader.column("edge-first/summary", "provider_cost") == [cost])
        #expect(try reader.column("edge-first/pools", "cost") == [cost])
        #expect(try reader.column("edge-first/pools", "peak") == [6])
        #expect(reader.attribute("pool_names", on: "/edge-first/elastic") == .strings(["burst"]))
        #expect(abs(r.bill.poolUSD - cost) < 1e-12 && r.pools.first?.scaleDowns ?? 0 > 0)
        let printed = ScenarioRunner.poolSummary([r])
        #expect(printed.contains("edge-first: pool burst: peak 6 devices"), "\(printed)")
    }
}
