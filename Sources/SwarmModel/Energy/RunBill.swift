import Foundation
import SwarmKernel

/// What a run cost in money, energy and carbon, defined as formulas. For device d of class
/// c(d) in region r(d), over the run's billing period [0, H] (H = the scenario's duration):
///
/// - O_d = seconds d was online in [0, H] and B_d = seconds it ran attempts, ≤ O_d (both
///   from a `UsageMeter`, or O_d from `onlineSeconds(fleet:seed:from:until:)`);
/// - E_d = idleWatts·(O_d − B_d) + busyWatts·B_d joules (an online device draws its idle
///   power whether or not the scheduler uses it);
/// - **provider cost** = Σ over priced devices (pricePerHour > 0) of pricePerHour · O_d/3600:
///   provisioned time is billed whether busy or not. An always-on VM is billed for all of
///   [0, H]; a priced device that churns (a spot or preemptible instance) for its online
///   time only. Its electricity is in its price, not added;
/// - **egress cost** = Σ_r bytesLeaving_r / 10⁹ · egressUSDPerGB_r;
/// - **volunteer energy** = Σ over unpriced devices of E_d, and its electricity
///   Σ E_d/3.6e6 · electricityUSDPerKWh_{r(d)}: paid by the volunteers, kept apart from the
///   provider's bill;
/// - **carbon** = Σ over all devices of E_d/3.6e6 · carbonGramsPerKWh_{r(d)} grams, split
///   provider / volunteer.
///
/// - **elastic pools** (`ElasticPool`): a pool device's provisioned time is its leases, not
///   its online time: provider hours add Σ leases, provider cost adds each pool's
///   `PoolBill.usd` (leases rounded up to the billing granularity × price); their energy
///   counts as any priced device's.
///
/// Today's `RunMetrics.money` (busy seconds × price) is *not* this: it is the price of the
/// work done, the bill is the price of the fleet held.
public struct RunBill: Sendable, Equatable {
    /// Device-hours of priced devices online in [0, H], and what they are billed.
    public var providerHours = 0.0
    public var providerUSD = 0.0
    /// Bytes that left a region for another, and what that egress cost.
    public var egressBytes = 0.0
    public var egressUSD = 0.0
    /// Energy (joules) and carbon (grams CO₂) of priced devices.
    public var providerJoules = 0.0
    public var providerCarbonGrams = 0.0
    /// Energy (joules), electricity cost and carbon of unpriced (volunteer) devices.
    public var volunteerJoules = 0.0
    public var volunteerElectricityUSD = 0.0
    public var volunteerCarbonGrams = 0.0
    /// Elastic pools: Σ lease hours (request to release), Σ leases rounded up to the billing
    /// granularity, and what those cost (already in `providerHours` / `providerUSD`).
    public var poolHours = 0.0
    public var poolBilledHours = 0.0
    public var poolUSD = 0.0

    public init() {}

    /// What the study pays the provider: provisioned time plus egress.
    public var cloudUSD: Double { providerUSD + egressUSD }
    /// All devices' energy and carbon.
    public var joules: Double { providerJoules + volunteerJoules }
    public var carbonGrams: Double { providerCarbonGrams + volunteerCarbonGrams }

    /// The bill of a run of `fleet`: each device's online and busy seconds over the billing
    /// period and each region's bytes leaving (from a `UsageMeter`, or any other source), one
    /// tariff per region (`tariffs.count == fleet.regionNames.count`). Devices of `pools` are
    /// billed by `poolBills` (one per pool), not by their online time.
    ///
    /// - Complexity: O(devices + regions).
    public static func compute(fleet: Fleet, onlineSeconds: [Double], busySeconds: [Double],
                               bytesLeaving: [Double], tariffs: [RegionTariff],
                               pools: [ElasticPool] = [], poolBills: [PoolBill] = []) -> RunBill {
        precondition(pools.count == poolBills.count, "one bill per pool")
        let firstPoolDevice = pools.first?.firstDevice ?? fleet.count
        precondition(busySeconds.count == fleet.count && onlineSeconds.count == fleet.count, "one online and one busy time per device")
        precondition(tariffs.count == fleet.regionNames.count && bytesLeaving.count == fleet.regionNames.count,
                     "one tariff and one byte count per region")
        var bill = RunBill()
        for d in 0..<fleet.count {
            let c = fleet.classes[Int(fleet.classOf[d])]
            let tariff = tariffs[Int(fleet.regionOf[d])]
            let online = onlineSeconds[d]
            let busy = min(busySeconds[d], online)
            let joules = c.idleWatts * (online - busy) + c.busyWatts * busy
            let kWh = joules / 3.6e6
            if c.pricePerHour > 0 || d >= firstPoolDevice {
                if d < firstPoolDevice {
                    bill.providerHours += online / 3600
                    bill.providerUSD += c.pricePerHour * online / 3600
                }
                bill.providerJoules += joules
                bill.providerCarbonGrams += kWh * tariff.carbonGramsPerKWh
            } else {
                bill.volunteerJoules += joules
                bill.volunteerElectricityUSD += kWh * tariff.electricityUSDPerKWh
                bill.volunteerCarbonGrams += kWh * tariff.carbonGramsPerKWh
            }
        }
        for b in poolBills {
            bill.poolHours += b.provisionedSeconds / 3600
            bill.poolBilledHours += b.billedSeconds / 3600
            bill.poolUSD += b.usd
        }
        bill.providerHours += bill.poolHours
        bill.providerUSD += bill.poolUSD
        for (r, bytes) in bytesLeaving.enumerated() {
            bill.egressBytes += bytes
            bill.egressUSD += bytes / 1e9 * tariffs[r].egressUSDPerGB
        }
        return bill
    }

    /// Each device's available seconds in [from, until) under availability `seed`, by walking
    /// its timeline (the same one the engine sees).
    ///
    /// Devices are independent (each has its own random streams and cursor), so with
    /// `threads` > 1 blocks of `onlineBlock` devices are walked on that many threads
    /// (`OnlineWalk`), each with its own `FleetAvailability`; every device's figure is
    /// computed by the same steps as on one thread, so the result is bit-identical.
    ///
    /// - Complexity: O(devices + availability changes before `until`).
    public static func onlineSeconds(fleet: Fleet, seed: UInt64, from: SimTime = .zero, until end: SimTime,
                                     threads: Int = 1) -> [Double] {
        let n = fleet.count
        guard threads > 1, n >= 2 * onlineBlock else {
            var availability = FleetAvailability(fleet: fleet, seed: seed)
            return (0..<n).map { onlineSeconds(&availability, $0, from: from, until: end) }
        }
        let walk = OnlineWalk(fleet: fleet, seed: seed, from: from, until: end)
        for _ in 1..<threads { walk.startHelper() }
        return walk.finish()
    }

    /// Devices per block of `onlineSeconds(…threads:)`.
    public static let onlineBlock = 1024

    /// Seconds device `d` is available in [from, end).
    static func onlineSeconds(_ a: inout FleetAvailability, _ d: Int, from: SimTime, until end: SimTime) -> Double {
        var t = from, online: Int64 = 0
        while t < end {
            let s = a.state(of: d, at: t)
            let next = min(s.until, end)
            if s.available { online += next.ticks - t.ticks }
            t = next
        }
        return Double(online) / 1e9
    }
}
