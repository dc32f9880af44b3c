import Testing
import SwarmKernel
@testable import SwarmModel

/// The engine reads a device's class through flat `ClassRates` (a `DeviceClass` copy per event
/// cost retains); these must stay the class's own figures, and the metrics must not change.
@Suite("Flat class rates on the hot path")
struct ClassRatesTests {
    @Test("each device's rates are its class's figures, and metrics add up the same either way")
    func ratesMatchTheClass() throws {
        var gpuBox = DeviceClass.desktop
        gpuBox.name = "gpu-box"; gpuBox.gpuMemory = 2 * gpuBox.memory   // working memory: the GPU's
        let fleet = try Fleet(classes: [.desktop, .phone, .cloudVM, gpuBox], regions: [("eu", 1), ("us", -5)],
                              mix: [.init(className: "desktop", region: "eu", count: 2), .init(className: "phone", region: "us", count: 1),
                                    .init(className: "cloud-vm", region: "us", count: 1), .init(className: "gpu-box", region: "eu", count: 1)])
        let view = FleetView(fleet: fleet)
        #expect(view.deviceCount == fleet.count)
        for d in 0..<fleet.count {
            let c = fleet.deviceClass(d), r = view.rates(d)
            #expect(r.busyWatts == c.busyWatts && r.idleWatts == c.idleWatts && r.pricePerHour == c.pricePerHour)
            #expect(r.downlink == c.downlink && r.uplink == c.uplink && r.accessLatency == c.accessLatency.seconds)
            #expect(r.workingMemory == max(c.memory, c.gpuMemory))
            #expect(view.fits(r.workingMemory, on: d) && !view.fits(r.workingMemory.nextUp, on: d))
            var byClass = RunMetrics(), byRates = RunMetrics()
            byClass.tenantBusySeconds = [0]; byRates.tenantBusySeconds = [0]
            byClass.busy(1234.5, on: c); byRates.busy(1234.5, rates: r, tenant: 0)
            byClass.idle(678.25, on: c); byRates.idle(678.25, rates: r)
            #expect(byClass.energyJoules == byRates.energyJoules && byClass.money == byRates.money)
            #expect(byClass.volunteerHours == byRates.volunteerHours && byClass.busySeconds == byRates.busySeconds)
            // Derivation: 1234.5 s busy and 678.25 s idle at the class's watts.
            #expect(byRates.energyJoules == 1234.5 * c.busyWatts + 678.25 * c.idleWatts)
        }
    }
}
