import Foundation
import SwarmKernel
import SwarmModel
import SwarmResults
import SwarmScenario

/// What a scenario's `storage` section gave over the run: the figures, the timeline and
/// each object's end state.
public struct StorageReport: Sendable {
    public var metrics: StorageMetrics
    public var timeline: [StorageSample]
    public var objects: StorageObjectTable
    public var pricePerTBMonth: Double
    public var events: UInt64
    public var wallSeconds: Double
}

extension ScenarioRunner {
    /// Runs the scenario's `storage` section over its duration on the run's fleet (the same
    /// availability timelines as the work, same seed); nil without one. Storage does not
    /// depend on the scheduling policy.
    public static func runStorage(_ scenario: Scenario, fleet: Fleet, seed: UInt64,
                                  latency: @escaping @Sendable (Int, Int) -> Double) -> StorageReport? {
        guard let spec = scenario.storage else { return nil }
        let start = monotonicSeconds()
        let horizon = SimTime.zero + .seconds(scenario.duration)
        let engine = StorageEngine(fleet: fleet, spec: spec, seed: seed, horizon: horizon, regionLatency: latency)
        engine.run(until: horizon)
        return report(engine, spec: spec, wallSeconds: monotonicSeconds() - start)
    }

    /// When some workload reads stored objects (`input_object`), or transfers are flows on a
    /// shared network (`sharedNetwork`: repair traffic then shares it with the work's): a
    /// storage engine on the work engine's simulation, the work engine fetching task t's
    /// input — object t mod count of its workload's kind — from the holders, and its policy
    /// seeing who holds what (`WorkEngine.readInputs`); nil otherwise.
    static func attachStorage(_ scenario: Scenario, to engine: WorkEngine, fleet: Fleet, seed: UInt64,
                              latency: @escaping @Sendable (Int, Int) -> Double, sharedNetwork: Bool = false) -> StorageEngine? {
        guard let spec = scenario.storage else { return nil }
        let kinds = scenario.workloads.map { ($0 as? PlacedWorkload)?.inputObject }
        guard sharedNetwork || kinds.contains(where: { $0 != nil }) else { return nil }
        let storage = StorageEngine(fleet: fleet, spec: spec, seed: seed, horizon: .zero + .seconds(scenario.duration),
                                    regionLatency: latency, sim: engine.sim)
        engine.readInputs(from: storage, objectKinds: kinds)
        return storage
    }

    static func report(_ engine: StorageEngine, spec: StorageSpec, wallSeconds: Double) -> StorageReport {
        StorageReport(metrics: engine.metrics, timeline: engine.timeline, objects: engine.objectTable(),
                      pricePerTBMonth: spec.pricePerTBMonth, events: engine.sim.eventsProcessed, wallSeconds: wallSeconds)
    }

    /// The storage figures as JSON (`storage` in a policy's entry): SI units, dollars.
    public static func storageJSON(_ r: StorageReport) -> [String: Any] {
        let m = r.metrics
        return [
            "objects": m.objects, "objects_available": m.availableObjects, "objects_lost": m.objectsLost,
            "availability_mean": m.meanAvailability, "availability_min": r.timeline.map(\.availableFraction).min() ?? 1,
            "user_bytes": m.userBytes, "stored_bytes": m.storedBytes, "storage_overhead": m.storageOverhead,
            "departures": m.departures, "pieces_lost": m.piecesLost, "repairs": m.repairsDone, "repairs_stalled": m.repairsStalled,
            "pieces_repaired": m.piecesRepaired, "repair_bytes_read": m.repairBytesRead, "repair_bytes_written": m.repairBytesWritten,
            "repair_s": m.repairSeconds, "repair_energy_j": m.repairEnergyJoules,
            "provider_paid_usd": m.dollarsPaid(pricePerTBMonth: r.pricePerTBMonth),
            "usd_per_tb_month": m.dollarsPerUserTBMonth(pricePerTBMonth: r.pricePerTBMonth),
            "unplaced_pieces": m.unplacedPieces, "placement_rejections": m.placementRejections,
            "fetches": m.fetches, "fetch_cache_hits": m.cacheHits, "fetch_bytes": m.fetchBytes, "fetches_failed": m.fetchesFailed,
        ]
    }

    /// A few lines saying what happened to the stored objects.
    public static func storageSummary(_ r: StorageReport) -> String {
        let m = r.metrics
        let minimum = r.timeline.map(\.availableFraction).min() ?? 1
        return "\nStorage: \(m.objects) objects, \(bytesText(m.userBytes)) stored as \(bytesText(m.storedBytes)) (overhead \(fixed(m.storageOverhead, 2))×)\n"
            + "  availability \(fixed(100 * m.meanAvailability, 3))% mean, \(fixed(100 * minimum, 3))% lowest sample; \(m.objectsLost) objects lost\n"
            + "  \(m.departures) devices left (\(m.piecesLost) pieces lost); \(m.repairsDone) repairs: \(bytesText(m.repairBytesRead)) read, "
            + "\(bytesText(m.repairBytesWritten)) written, \(fixed(m.repairEnergyJoules / 3.6e6, 3)) kWh\n"
            + "  providers paid $\(fixed(m.dollarsPaid(pricePerTBMonth: r.pricePerTBMonth), 2)): "
            + "$\(fixed(m.dollarsPerUserTBMonth(pricePerTBMonth: r.pricePerTBMonth), 2)) per TB-month of user data\n"
    }

    static func bytesText(_ b: Double) -> String {
        for (unit, scale) in [("TB", 1e12), ("GB", 1e9), ("MB", 1e6), ("kB", 1e3)] where b >= scale { return "\(fixed(b / scale, 2)) \(unit)" }
        return "\(fixed(b, 0)) B"
    }
}
