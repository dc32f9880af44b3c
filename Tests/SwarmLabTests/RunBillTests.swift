import Foundation
import Testing
import SwarmKernel
import SwarmLab
import SwarmModel
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
        let provisioned = 100 * 24 * 0.50
        // Inputs leave eu (10 × 1 GB at $0.05/GB), outputs leave us (10 × 0.5 GB at $0.12/GB).
        let egressBytes = 10 * 1e9 + 10 * 0.5e9
        let egress = 10 * 1 * 0.05 + 10 * 0.5 * 0.12
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
        let joules = vm.idleWatts * (100 * 86_400 - busy) + vm.busyWatts * busy
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
        let bill = RunBill.compute(fleet: fleet, seed: 1, horizon: .hours(10), busySeconds: busy,
                                   bytesLeaving: [0, 3e9], tariffs: tariffs)
        // Desktop: 60 W idle, 300 W busy: 60·9 h + 300·1 h = 840 Wh each, 8.4 kWh for ten.
        let volunteerKWh = 10 * (desktop.idleWatts * 9 + desktop.busyWatts * 1) / 1_000
        let providerKWh = 5 * (vm.idleWatts * 8 + vm.busyWatts * 2) / 1_000
        #expect(abs(bill.volunteerJoules - volunteerKWh * 3.6e6) < 1e-6)
        #expect(abs(bill.volunteerElectricityUSD - volunteerKWh * 0.30) < 1e-9)
        #expect(abs(bill.volunteerCarbonGrams - volunteerKWh * 300) < 1e-9)
        #expect(abs(bill.providerJoules - providerKWh * 3.6e6) < 1e-6)
        #expect(abs(bill.providerCarbonGrams - providerKWh * 50) < 1e-9)
        #expect(abs(bill.providerUSD - 5 * 10 * vm.pricePerHour) < 1e-9)
        #expect(abs(bill.egressUSD - 3 * 0.08) < 1e-12)
        #expect(abs(bill.cloudUSD - (5 * 10 * vm.pricePerHour + 3 * 0.08)) < 1e-9)
    }

    @Test("a priced device that churns is billed for its online time only")
    func churningPricedDevice() throws {
        var spot = DeviceClass.cloudVM
        spot.name = "spot"
        spot.availability = .renewal(on: Exponential(mean: 3_600), off: Exponential(mean: 3_600))
        let fleet = try Fleet(classes: [spot], regions: [("dc", 0)], mix: [.init(className: "spot", region: "dc", count: 2_000)])
        let bill = RunBill.compute(fleet: fleet, seed: 4, horizon: .hours(24), busySeconds: [Double](repeating: 0, count: 2_000),
                                   bytesLeaving: [0], tariffs: [RegionTariff()])
        // Stationary ON fraction 1/2 from t = 0: about 2 000 · 24 / 2 device-hours.
        #expect(abs(bill.providerHours / (2_000 * 24) - 0.5) < 0.02)
        #expect(abs(bill.providerUSD - bill.providerHours * spot.pricePerHour) < 1e-9)
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
