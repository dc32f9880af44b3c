/// The figures of a storage run, each defined by its formula. T is the simulated time
/// accounted, A(t) the objects readable at t (every segment with ≥ k live pieces), B(t) the
/// bytes of pieces held by devices still in the swarm, U the user bytes stored.
public struct StorageMetrics: Sendable, Equatable {
    public var objects = 0
    /// A(now).
    public var availableObjects = 0
    /// Objects with a segment lost (fewer than k pieces present): durability failures.
    public var objectsLost = 0
    /// ∫ A(t) dt, object-seconds.
    public var availableObjectSeconds = 0.0
    /// T, seconds.
    public var seconds = 0.0
    /// U, bytes.
    public var userBytes = 0.0
    /// B(now), bytes.
    public var storedBytes = 0.0
    /// ∫ B(t) dt, byte-seconds.
    public var storedByteSeconds = 0.0
    public var departures = 0
    /// Pieces on departed devices.
    public var piecesLost = 0
    public var repairsStarted = 0
    public var repairsDone = 0
    /// Repairs that found no device to write to.
    public var repairsStalled = 0
    public var piecesRepaired = 0
    /// k pieces per repair.
    public var repairBytesRead = 0.0
    /// One piece per new piece.
    public var repairBytesWritten = 0.0
    /// Σ repair durations, seconds.
    public var repairSeconds = 0.0
    /// Σ busy watts × transfer time of every device taking part in a repair, joules.
    public var repairEnergyJoules = 0.0
    /// Decisions the engine refused (`StorageView.accepts`).
    public var placementRejections = 0
    /// Pieces the first upload could not place.
    public var unplacedPieces = 0
    /// Task input fetches (`StorageEngine.fetch`), cache hits, bytes fetched, fetches that
    /// found an object unreadable.
    public var fetches = 0
    public var cacheHits = 0
    public var fetchBytes = 0.0
    public var fetchesFailed = 0

    /// Time-averaged availability: ∫ A dt / (objects · T).
    public var meanAvailability: Double { objects == 0 || seconds == 0 ? 1 : availableObjectSeconds / (Double(objects) * seconds) }
    /// Storage overhead: B(now) / U (n / k for an intact erasure code).
    public var storageOverhead: Double { userBytes == 0 ? 0 : storedBytes / userBytes }
    /// Paid to providers: price × ∫ B dt in TB-months.
    public func dollarsPaid(pricePerTBMonth: Double) -> Double {
        pricePerTBMonth * storedByteSeconds / 1e12 / StorageSpec.secondsPerMonth
    }
    /// What a terabyte-month of user data costs: paid / (U · T in TB-months).
    public func dollarsPerUserTBMonth(pricePerTBMonth: Double) -> Double {
        userBytes == 0 || seconds == 0 ? 0 : dollarsPaid(pricePerTBMonth: pricePerTBMonth) / (userBytes / 1e12 * seconds / StorageSpec.secondsPerMonth)
    }
}

/// One row of the storage timeline.
public struct StorageSample: Sendable, Equatable {
    /// Seconds since the start.
    public var time: Double
    /// A(t) / objects.
    public var availableFraction: Double
    public var objectsLost: Int
    public var storedBytes: Double
    /// Repair bytes read + written so far.
    public var repairBytes: Double
    public var repairsRunning: Int
}

/// Each object's state at the end of a run: the `/objects` table's rows, as columns.
public struct StorageObjectTable: Sendable {
    /// Index into `StorageSpec.objects` (the object's kind).
    public var kind: [UInt16] = []
    public var segments: [UInt32] = []
    /// The fewest live pieces of any of its segments, and the fewest present ones.
    public var minLivePieces: [UInt8] = []
    public var minPresentPieces: [UInt8] = []
    public var available: [UInt8] = []
    public var lost: [UInt8] = []
}

extension StorageEngine {
    /// Every object's state now.
    public func objectTable() -> StorageObjectTable {
        var t = StorageObjectTable()
        for o in 0..<objectCount {
            let segs = segments(ofObject: o)
            t.kind.append(segmentGroup[segs.lowerBound])
            t.segments.append(UInt32(segs.count))
            t.minLivePieces.append(segs.map { live[$0] }.min() ?? 0)
            t.minPresentPieces.append(segs.map { present[$0] }.min() ?? 0)
            t.available.append(unreadableSegments[o] == 0 ? 1 : 0)
            t.lost.append(objectLost[o] ? 1 : 0)
        }
        return t
    }
}
