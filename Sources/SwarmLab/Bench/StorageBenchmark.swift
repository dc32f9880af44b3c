import Foundation
import SwarmKernel
import SwarmModel

/// The storage scale benchmark (issue 17): `devices` volunteers holding `objects` objects of
/// k-of-n pieces for `days` simulated days with churn (exponential ON 20 h / OFF 4 h, online
/// 5/6 of the time) and departures (mean lifetime 30 days), repair below ⌈(k + n)/2⌉ live
/// pieces, random placement. Objects are k MB (1 MB pieces); each device lends 1 GB.
public enum StorageBenchmark {
    public struct Result: Sendable, Encodable {
        public var devices: Int
        public var objects: Int
        public var k: Int
        public var n: Int
        public var days: Double
        /// Wall seconds to build the state and upload every object, then to run the days.
        public var uploadSeconds: Double
        public var runSeconds: Double
        public var events: UInt64
        public var peakRSSKiB: Int
        public var availabilityMean: Double
        public var objectsLost: Int
        public var repairs: Int
        public var repairBytes: Double
        public var departures: Int
    }

    public static func run(devices: Int, objects: Int, k: Int, n: Int, days: Double, seed: UInt64 = 1) throws -> Result {
        var c = DeviceClass.desktop
        c.name = "volunteer"
        c.availability = .renewal(on: Exponential(mean: 20 * 3600), off: Exponential(mean: 4 * 3600))
        let fleet = try Fleet(classes: [c], regions: [("eu", 1), ("us", -5)],
                              mix: [.init(className: c.name, region: "eu", count: devices / 2),
                                    .init(className: c.name, region: "us", count: devices - devices / 2)])
        let spec = StorageSpec(objects: [StoredObjects(name: "o", count: objects, bytes: Double(k) * 1e6, redundancy: .erasure(k: k, n: n))],
                               classes: [StorageClassTerms(className: c.name, capacity: 1e9, meanLifetime: 30 * 86_400)],
                               sampleInterval: 3600)
        let horizon = SimTime.zero + .seconds(days * 86_400)
        let start = monotonicSeconds()
        let engine = StorageEngine(fleet: fleet, spec: spec, seed: seed, horizon: horizon,
                                   regionLatency: { a, b in a == b ? 0.005 : 0.045 },
                                   sim: Simulation(expectedPending: devices * 2))
        let uploaded = monotonicSeconds()
        engine.run(until: horizon)
        let done = monotonicSeconds()
        let m = engine.metrics
        return Result(devices: devices, objects: objects, k: k, n: n, days: days, uploadSeconds: uploaded - start,
                      runSeconds: done - uploaded, events: engine.sim.eventsProcessed, peakRSSKiB: peakResidentKiB(),
                      availabilityMean: m.meanAvailability, objectsLost: m.objectsLost, repairs: m.repairsDone,
                      repairBytes: m.repairBytesRead + m.repairBytesWritten, departures: m.departures)
    }

    /// The result as a Markdown table.
    public static func markdown(_ r: Result) -> String {
        "| devices | objects | code | days | upload | run | events | peak RSS | mean availability | lost | repairs | repair traffic | departures |\n"
            + "|---|---|---|---|---|---|---|---|---|---|---|---|---|\n"
            + "| \(r.devices) | \(r.objects) | \(r.k)-of-\(r.n) | \(fixed(r.days, 0)) | \(fixed(r.uploadSeconds, 1)) s | \(fixed(r.runSeconds, 1)) s "
            + "| \(r.events) | \(fixed(Double(r.peakRSSKiB) / 1_048_576, 2)) GiB | \(fixed(100 * r.availabilityMean, 4))% | \(r.objectsLost) "
            + "| \(r.repairs) | \(fixed(r.repairBytes / 1e12, 2)) TB | \(r.departures) |\n"
    }
}
