import Foundation
import Testing
import SwarmKernel
import SwarmLab
import SwarmModel
import SwarmPolicies
import SwarmResults
import SwarmScenario

@Suite("Money, energy and carbon")
struct RunBillTests {
    /// 100 always-on VMs at $0.50/h in `us`, 24 h, ten one-minute tasks whose data lives in
    /// `eu`: 1 GB in, 0.5 GB out each.
    static let text = """
    version: 1
    name: bill
    seed: 5
    duration: 24h
    regions:
      - { name: eu, utc_offset: 1, egress_price: "$0.05/GB", carbon_intensity: 250 g/kWh }
      - { name: us, utc_offset: -5, egress_price: "0.12 USD/GB", carbon_intensity: 0.4 kg/kWh, electricity_price: "$0.2/kWh" }
    device_classes:
      - { name: vm, base: cloud-vm, price: "$0.50/h" }
    fleet:
      - { class: vm, region: us, count: 100 }
    workloads:
      - bag:
          tasks: 10
          work: { seconds: 60s }
          input: 1GB
          output: 500MB
          data_region: eu
    policies: [random]
    """

    @Test("100 always-on VMs at $x/h for 24 h cost 100·24·x, whatever they compute; egress is billed per region")
    func provisionedTimeIsBilled() throws {
        let s = try Scenario.parse(text: Self.text, file: "bill.yaml", policies: ["random"])
        #expect(s.regionTariffs[0] == RegionTariff(electricityUSDPerKWh: RegionTariff.default.electricityUSDPerKWh,
                                                    carbonGramsPerKWh: 250, egressUSDPerGB: 0.05))
        #expect(s.regionTariffs[1] == RegionTariff(electricityUSDPerKWh: 0.2, carbonGramsPerKWh: 400, egressUSDPerGB: 0.12))
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("swarmlab-bill-\(getpid())-\(UUID().uuidString).h5").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let results = try ScenarioRunner.run(s, resultsPath: path)
        let r = try #require(results.first)
        #expect(r.metrics.tasksDone == 10)
        let provisioned: Double = 100 * 24 * 0.50
        // Inputs leave eu (10 × 1 GB at $0.05/GB), outputs leave us (10 × 0.5 GB at $0.12/GB).
        let egressBytes: Double = 10 * 1e9 + 10 * 0.5e9
        let egress: Double = 10 * 1 * 0.05 + 10 * 0.5 * 0.12
        #expect(abs(r.bill.providerUSD - provisioned) < 1e-9 * provisioned)
        #expect(abs(r.bill.providerHours - 100 * 24) < 1e-9)
        #expect(r.bill.egressBytes == egressBytes)
        #expect(abs(r.bill.egressUSD - egress) < 1e-9)
        let json = ScenarioRunner.jsonObject(r)
        let cloud = try #require(json["cloud_cost_usd"] as? Double)
        #expect(abs(cloud - (provisioned + egress)) < 1e-9 * provisioned, "the summary's cloud cost is the fleet held, not the \(r.metrics.money) $ of busy time")
        let reader = try ResultsReader(path: path)
        #expect(try reader.column("random/summary", "cloud_cost") == [r.bill.cloudUSD])
        #expect(try reader.column("random/summary", "provider_cost") == [r.bill.providerUSD])
        #expect(try reader.column("random/summary", "egress") == [egressBytes])
        // Energy of the VMs: each idles at idleWatts except its busy minute(s); carbon at 400 g/kWh.
        let vm = DeviceClass.cloudVM
        let busy = r.metrics.busySeconds
        let vmSeconds: Double = 100 * 86_400
        let joules: Double = vm.idleWatts * (vmSeconds - busy) + vm.busyWatts * busy
        #expect(abs(r.bill.providerJoules - joules) < 1e-6 * joules)
        #expect(abs(r.bill.carbonGrams - joules / 3.6e6 * 400) < 1e-6 * r.bill.carbonGrams)
        #expect(r.bill.volunteerJoules == 0)
    }

    @Test("energy and carbon of a known fleet, derived by hand; volunteers apart from the provider")
    func energyAndCarbonByHand() throws {
        var desktop = DeviceClass.desktop
        desktop.availability = .alwaysOn
        var vm = DeviceClass.cloudVM
        vm.availability = .alwaysOn
        let fleet = try Fleet(classes: [desktop, vm], regions: [("home", 0), ("dc", 0)],
                              mix: [.init(className: desktop.name, region: "home", count: 10),
                                    .init(className: vm.name, region: "dc", count: 5)])
        let tariffs = [RegionTariff(electricityUSDPerKWh: 0.30, carbonGramsPerKWh: 300, egressUSDPerGB: 0),
                       RegionTariff(electricityUSDPerKWh: 0.10, carbonGramsPerKWh: 50, egressUSDPerGB: 0.08)]
        // Desktops busy 1 h each, VMs 2 h each, over a 10 h run; 3 GB left the data centre.
        let busy = [Double](repeating: 3_600, count: 10) + [Double](repeating: 7_200, count: 5)
        let online = RunBill.onlineSeconds(fleet: fleet, seed: 1, until: .zero + .hours(10))
        #expect(online == [Double](repeating: 36_000, count: 15))
        let bill = RunBill.compute(fleet: fleet, onlineSeconds: online, busySeconds: busy,
                                   bytesLeaving: [0, 3e9], tariffs: tariffs)
        // Desktop: 60 W idle, 300 W busy: 60·9 h + 300·1 h = 840 Wh each, 8.4 kWh for ten.
        let volunteerKWh: Double = 10 * (desktop.idleWatts * 9 + desktop.busyWatts * 1) / 1_000
        let providerKWh: Double = 5 * (vm.idleWatts * 8 + vm.busyWatts * 2) / 1_000
        #expect(abs(bill.volunteerJoules - volunteerKWh * 3.6e6) < 1e-6)
        #expect(abs(bill.volunteerElectricityUSD - volunteerKWh * 0.30) < 1e-9)
        #expect(abs(bill.volunteerCarbonGrams - volunteerKWh * 300) < 1e-9)
        #expect(abs(bill.providerJoules - providerKWh * 3.6e6) < 1e-6)
        #expect(abs(bill.providerCarbonGrams - providerKWh * 50) < 1e-9)
        let vmHours: Double = 5 * 10, egressDollars: Double = 3 * 0.08
        #expect(abs(bill.providerUSD - vmHours * vm.pricePerHour) < 1e-9)
        #expect(abs(bill.egressUSD - egressDollars) < 1e-12)
        #expect(abs(bill.cloudUSD - (vmHours * vm.pricePerHour + egressDollars)) < 1e-9)
    }

    @Test("a priced device that churns is billed for its online time only")
    func churningPricedDevice() throws {
        var spot = DeviceClass.cloudVM
        spot.name = "spot"
        spot.availability = .renewal(on: Exponential(mean: 3_600), off: Exponential(mean: 3_600))
        let fleet = try Fleet(classes: [spot], regions: [("dc", 0)], mix: [.init(className: "spot", region: "dc", count: 2_000)])
        let online = RunBill.onlineSeconds(fleet: fleet, seed: 4, until: .zero + .hours(24))
        let bill = RunBill.compute(fleet: fleet, onlineSeconds: online, busySeconds: [Double](repeating: 0, count: 2_000),
                                   bytesLeaving: [0], tariffs: [RegionTariff()])
        // Stationary ON fraction 1/2 from t = 0: about 2 000 · 24 / 2 device-hours.
        let fleetHours: Double = 2_000 * 24
        #expect(abs(bill.providerHours / fleetHours - 0.5) < 0.02)
        #expect(abs(bill.providerUSD - bill.providerHours * spot.pricePerHour) < 1e-9)
    }

    @Test("the meter's online time, from the engine's records, is each device's availability timeline")
    func meterMatchesAvailability() throws {
        let text = """
        version: 1
        name: meter
        seed: 9
        duration: 2d
        regions:
          - { name: eu, utc_offset: 1 }
        availability:
          desktop: { model: renewal, on: { law: weibull, shape: 0.5, scale: 1h }, off: { law: weibull, shape: 0.6, scale: 30min } }
        fleet:
          - { class: desktop, region: eu, count: 300 }
          - { class: phone, region: eu, count: 300 }
          - { class: cloud-vm, region: eu, count: 3 }
        workloads:
          - bag: { tasks: 2000, work: { seconds: 20min }, input: 1MB, output: 1MB }
        policies: [random]
        """
        let s = try Scenario.parse(text: text, file: "meter.yaml", policies: ["random"])
        let run = try s.materialize()
        let engine = WorkEngine(fleet: run.fleet, tasks: run.tasks, policy: try PolicyRegistry.builtin.make("random", context: run.policyContext),
                                seed: s.seed, configuration: run.configuration, sim: Simulation())
        let meter = UsageMeter(engine: engine)
        let horizon = SimTime.zero + .seconds(s.duration)
        _ = engine.run(until: horizon)
        meter.finish(at: engine.sim.now)
        #expect(engine.sim.now > .zero + .hours(1) && engine.sim.now < horizon, "the work settles early and the clock stops")
        let walked = RunBill.onlineSeconds(fleet: run.fleet, seed: s.seed, until: engine.sim.now)
        let worst = zip(meter.onlineSeconds, walked).map { abs($0 - $1) }.max() ?? 0
        #expect(worst < 1e-6, "largest difference \(worst) s")
        let heldSeconds: Double = 603 * engine.sim.now.seconds
        #expect(walked.reduce(0, +) < 0.9 * heldSeconds, "the fleet really churned")
        // Busy time: the meter's per-device sum is the engine's total.
        #expect(abs(meter.busySeconds.reduce(0, +) - engine.metrics.busySeconds) < 1e-6 * engine.metrics.busySeconds)
        // The runner bills the whole 48 h all the same: 3 always-on VMs × 48 h.
        let r = try #require(try ScenarioRunner.run(s, resultsPath: nil).first)
        let vmHours: Double = 3 * 48
        #expect(abs(r.bill.providerHours - vmHours) < 1e-9)
        #expect(abs(r.bill.providerUSD - vmHours * DeviceClass.cloudVM.pricePerHour) < 1e-9)
    }

    @Test("tariff units parse, and a wrong one is named")
    func tariffUnits() throws {
        #expect(try UnitParser.energyPrice("$0.15/kWh") == 0.15)
        #expect(try UnitParser.energyPrice("80 USD/MWh") == 0.08)
        #expect(try UnitParser.dataPrice("$90/TB") == 0.09)
        #expect(try UnitParser.carbonIntensity("0.48 kg/kWh") == 480)
        #expect(try UnitParser.carbonIntensity("480 kg/MWh") == 480)
        let bad = Self.text.replacingOccurrences(of: "carbon_intensity: 250 g/kWh", with: "carbon_intensity: 250 g")
        #expect(throws: ScenarioError.self) { try Scenario.parse(text: bad, file: "bill.yaml", policies: ["random"]) }
    }
}
