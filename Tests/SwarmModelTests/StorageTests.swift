import Testing
import SwarmKernel
@testable import SwarmModel

/// A class online a fraction p of the time: exponential ON periods of an hour, OFF periods
/// of 1 h × (1 − p) / p, so E[on] / (E[on] + E[off]) = p.
func churnClass(_ name: String, p: Double) -> DeviceClass {
    var c = DeviceClass.desktop
    c.name = name
    c.availability = .renewal(on: Exponential(mean: 3_600), off: Exponential(mean: 3_600 * (1 - p) / p))
    return c
}

func alwaysOnClass(_ name: String) -> DeviceClass {
    var c = DeviceClass.desktop
    c.name = name
    c.availability = .alwaysOn
    return c
}

let megabyte = 1e6

@Suite("Storage on devices")
struct StorageTests {
    // MARK: closed forms

    @Test("P[Binomial(n, p) ≥ k] matches its sum and replication matches 1 − (1 − p)^r")
    func closedForms() {
        for p in [0.1, 0.5, 0.93] {
            #expect(abs(Redundancy.replication(3).availability(onlineProbability: p) - (1 - (1 - p) * (1 - p) * (1 - p))) < 1e-12)
            // 2-of-3: P[all 3] + P[exactly 2] = p³ + 3p²(1 − p).
            #expect(abs(Redundancy.erasure(k: 2, n: 3).availability(onlineProbability: p) - (p * p * p + 3 * p * p * (1 - p))) < 1e-12)
        }
        #expect(Redundancy.erasure(k: 29, n: 80).overhead == 80.0 / 29)
    }

    /// Each device holds at most one piece (capacity = one piece) and there are enough
    /// devices that every object's pieces sit on distinct devices, so objects are independent;
    /// rows 10 h apart are independent too (the ON/OFF chain forgets its state at rate
    /// 1/E[on] + 1/E[off] ≥ 1/h, so e^−10 remains). Over O objects × S rows the readable
    /// share has standard error √(q(1 − q) / (O·S)); 4 of them bound it.
    @Test("object availability under independent churn is P[Binomial(n, p) ≥ k] (replication 1 − (1 − p)^r)",
          arguments: [(1, 3, 0.5), (3, 10, 0.6), (5, 8, 0.8), (29, 80, 0.4)])
    func availabilityMatchesBinomial(k: Int, n: Int, p: Double) throws {
        let objects = 4_000 / n
        let devices = Int(Double(objects * n) / p * 1.3)
        let c = churnClass("churny", p: p)
        let fleet = try Fleet(classes: [c], regions: testRegions, mix: [.init(className: c.name, region: "eu", count: devices)])
        let redundancy: Redundancy = k == 1 ? .replication(n) : .erasure(k: k, n: n)
        let group = StoredObjects(name: "o", count: objects, bytes: Double(k) * megabyte, redundancy: redundancy, repairThreshold: 0)
        let spec = StorageSpec(objects: [group], classes: [.init(className: c.name, capacity: megabyte)], sampleInterval: 10 * 3_600)
        let horizon = SimTime.zero + .hours(110)
        let engine = StorageEngine(fleet: fleet, spec: spec, seed: 7, horizon: horizon)
        #expect(engine.metrics.unplacedPieces == 0)
        engine.run(until: horizon)
        let rows = engine.timeline.filter { $0.time >= 10 * 3_600 }
        let share = rows.reduce(0) { $0 + $1.availableFraction } / Double(rows.count)
        let q = redundancy.availability(onlineProbability: p)
        let tolerance = 4 * (q * (1 - q) / Double(objects * rows.count)).squareRoot()
        #expect(rows.count == 11)   // 10 h, 20 h, …, 110 h
        #expect(abs(share - q) <= tolerance, "\(k)-of-\(n), p = \(p): readable \(share), closed form \(q) ± \(tolerance)")
    }

    // MARK: repair

    func alwaysOnEngine(devices: Int, redundancy: Redundancy, threshold: Int, placement: String = "random",
                        regions: [String] = ["eu"], cache: Double = 0, lifetime: Double? = nil) throws -> StorageEngine {
        let c = alwaysOnClass("box")
        let fleet = try Fleet(classes: [c], regions: testRegions,
                              mix: regions.map { .init(className: c.name, region: $0, count: devices / regions.count) })
        let group = StoredObjects(name: "o", count: 1, bytes: Double(redundancy.k) * megabyte, redundancy: redundancy, repairThreshold: threshold)
        let spec = StorageSpec(objects: [group], classes: [.init(className: c.name, capacity: 100 * megabyte, meanLifetime: lifetime)],
                               placement: placement, cacheBytes: cache)
        return StorageEngine(fleet: fleet, spec: spec, seed: 3, horizon: .zero + .days(1),
                             regionLatency: { a, b in a == b ? 0.005 : 0.05 })
    }

    @Test("repairing one lost piece reads k pieces and writes one", arguments: [(3, 5), (29, 80), (1, 3)])
    func repairTrafficPerLostPiece(k: Int, n: Int) throws {
        let redundancy: Redundancy = k == 1 ? .replication(n) : .erasure(k: k, n: n)
        let engine = try alwaysOnEngine(devices: 2 * n, redundancy: redundancy, threshold: n)
        let piece = megabyte   // object of k MB: pieces of 1 MB
        let victim = engine.holders(ofSegment: 0)[0]
        engine.depart(victim)
        #expect(engine.livePieces(0) == n - 1)
        engine.run(until: .zero + .hours(1))
        #expect(engine.metrics.repairsDone == 1)
        #expect(engine.metrics.piecesRepaired == 1)
        #expect(engine.metrics.repairBytesRead == Double(k) * piece)
        #expect(engine.metrics.repairBytesWritten == 1 * piece)
        #expect(engine.livePieces(0) == n)
        #expect(!engine.holders(ofSegment: 0).contains(victim))
        #expect(Set(engine.holders(ofSegment: 0)).count == n)
        #expect(engine.metrics.repairSeconds > 0 && engine.metrics.repairEnergyJoules > 0)
    }

    @Test("without repair, losing n − k + 1 holders loses the object; with it, none is lost")
    func durability() throws {
        let bare = try alwaysOnEngine(devices: 10, redundancy: .erasure(k: 2, n: 4), threshold: 0)
        for d in bare.holders(ofSegment: 0).prefix(3) { bare.depart(d) }   // 4 − 2 + 1 = 3
        #expect(bare.metrics.objectsLost == 1)
        #expect(bare.metrics.availableObjects == 0)

        let repaired = try alwaysOnEngine(devices: 10, redundancy: .erasure(k: 2, n: 4), threshold: 4)
        // Departures between runs go at the next pending event (the kernel's queue accepts
        // nothing earlier once it has looked ahead); each repair takes well under an hour.
        for _ in 1...3 {
            repaired.scheduleDeparture(repaired.holders(ofSegment: 0)[0], at: repaired.sim.nextEventTime()!)
            repaired.run(until: repaired.sim.now + .hours(2))
        }
        #expect(repaired.metrics.objectsLost == 0)
        #expect(repaired.metrics.piecesRepaired == 3)
        #expect(repaired.livePieces(0) == 4)
    }

    @Test("the storage overhead of an intact code is n / k and providers are paid by the byte-month")
    func overheadAndPrice() throws {
        let engine = try alwaysOnEngine(devices: 20, redundancy: .erasure(k: 4, n: 10), threshold: 0)
        engine.run(until: .zero + .days(1))
        #expect(abs(engine.metrics.storageOverhead - 10.0 / 4) < 1e-12)
        // 10 MB held for a day at $1.5/TB-month: 1.5 × 10⁷ B × 86 400 s / (10¹² × 30 × 86 400).
        let paid = engine.metrics.dollarsPaid(pricePerTBMonth: 1.5)
        #expect(abs(paid - 1.5 * 1e7 * 86_400 / (1e12 * 30 * 86_400)) < 1e-15)
        #expect(abs(engine.metrics.dollarsPerUserTBMonth(pricePerTBMonth: 1.5) - 1.5 * 10 / 4) < 1e-9)
    }

    // MARK: placement

    @Test("region-spread deals pieces evenly over regions")
    func regionSpread() throws {
        let engine = try alwaysOnEngine(devices: 30, redundancy: .erasure(k: 2, n: 6), threshold: 0, placement: "region-spread",
                                        regions: ["eu", "us", "asia"])
        let regions = engine.holders(ofSegment: 0).map { engine.view.region($0) }
        for r in 0..<3 { #expect(regions.filter { $0 == r }.count == 2) }
    }

    @Test("nearest-to-consumers fills the consumers' region first")
    func nearestToConsumers() throws {
        let engine = try alwaysOnEngine(devices: 30, redundancy: .erasure(k: 2, n: 6), threshold: 0,
                                        placement: "nearest-to-consumers", regions: ["eu", "us", "asia"])
        #expect(engine.holders(ofSegment: 0).allSatisfy { engine.view.region($0) == 0 })
    }

    @Test("reliability-aware prefers the class most often online")
    func reliabilityAware() throws {
        let steady = alwaysOnClass("steady"), flaky = churnClass("flaky", p: 0.3)
        let fleet = try Fleet(classes: [flaky, steady], regions: testRegions,
                              mix: [.init(className: "flaky", region: "eu", count: 200), .init(className: "steady", region: "eu", count: 20)])
        let spec = StorageSpec(objects: [StoredObjects(name: "o", count: 2, bytes: 4 * megabyte, redundancy: .erasure(k: 4, n: 8))],
                               classes: [.init(className: "flaky", capacity: 1e9), .init(className: "steady", capacity: 1e9)],
                               placement: "reliability-aware")
        let engine = StorageEngine(fleet: fleet, spec: spec, seed: 1, horizon: .zero + .days(1))
        for s in 0..<2 { #expect(engine.holders(ofSegment: s).allSatisfy { fleet.classOf[$0] == 1 }) }
    }

    struct Rogue: StoragePlacementPolicy {
        static let name = "rogue"
        static let summary = "Puts every piece on device 0, then on a device out of range."
        init(seed: UInt64) {}
        mutating func place(_ request: PieceRequest, on view: StorageView, into placements: inout PiecePlacements) {
            for _ in 0..<request.pieces { placements.assign(0) }
            placements.assign(1_000_000)
        }
    }

    @Test("the engine refuses decisions that break a rule: one piece per device, a real device, capacity, residency")
    func engineChecksDecisions() throws {
        let c = alwaysOnClass("box")
        let fleet = try Fleet(classes: [c], regions: testRegions,
                              mix: [.init(className: "box", region: "us", count: 5), .init(className: "box", region: "eu", count: 5)])
        // Device 0 is in `us`; residency allows `eu` only (bit 0).
        let spec = StorageSpec(objects: [StoredObjects(name: "o", count: 1, bytes: 3 * megabyte, redundancy: .erasure(k: 3, n: 4), residency: 1)],
                               classes: [.init(className: "box", capacity: 1e9)], placement: "rogue")
        let engine = StorageEngine(fleet: fleet, spec: spec, seed: 1, horizon: .zero + .days(1),
                                   placements: StoragePlacements.builtin + [Rogue.self])
        #expect(engine.holders(ofSegment: 0).isEmpty)
        #expect(engine.metrics.placementRejections == 4)   // the prefix of n decisions, all refused
        #expect(engine.metrics.unplacedPieces == 4)
        #expect(engine.metrics.objectsLost == 1)

        let random = StorageSpec(objects: [StoredObjects(name: "o", count: 2, bytes: 3 * megabyte, redundancy: .erasure(k: 3, n: 4), residency: 1)],
                                 classes: [.init(className: "box", capacity: megabyte)])
        let kept = StorageEngine(fleet: fleet, spec: random, seed: 1, horizon: .zero + .days(1))
        for s in 0..<2 { #expect(kept.holders(ofSegment: s).allSatisfy { kept.view.region($0) == 0 }) }
        // Room for one 1 MB piece on each of the 5 eu devices: the first segment takes 4, the
        // second the 1 left.
        #expect(kept.metrics.unplacedPieces == 2 * 4 - 5 * 1)
    }

    // MARK: fetch

    @Test("a task's input is fetched from the k nearest live holders, then served from the device's cache")
    func fetchFromNearestHolders() throws {
        let engine = try alwaysOnEngine(devices: 30, redundancy: .erasure(k: 2, n: 6), threshold: 0, placement: "region-spread",
                                        regions: ["eu", "us", "asia"], cache: 1e9)
        // A device in eu that holds no piece.
        let reader = (0..<10).first { !engine.holders(ofSegment: 0).contains($0) }!
        let plan = try #require(engine.fetch(object: 0, to: reader))
        #expect(plan.sources.count == 1)
        #expect(plan.sources[0].allSatisfy { engine.view.region($0) == 0 })   // the two eu holders
        #expect(plan.bytes == 2 * megabyte)
        let c = DeviceClass.desktop
        // In parallel over the reader's downlink shared by 2: latencies + 1 MB / min(uplink, downlink / 2).
        let expected = 0.005 + 2 * c.accessLatency.seconds + megabyte / min(c.uplink, c.downlink / 2)
        #expect(abs(plan.seconds - expected) < 1e-9)
        let again = try #require(engine.fetch(object: 0, to: reader))
        #expect(again.cacheHit && again.bytes == 0)
        #expect(engine.metrics.cacheHits == 1)

        for d in engine.holders(ofSegment: 0).prefix(5) { engine.wentOffline(d) }
        #expect(engine.fetch(object: 0, to: (0..<10).first { $0 != reader && !engine.holders(ofSegment: 0).contains($0) }!) == nil)
    }
}
