#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import SwarmKernel

/// How a segment (a chunk of an object) survives the loss of its holders: r whole replicas,
/// or Reed–Solomon-style erasure coding where any k of n pieces rebuild it (Plank,
/// "A tutorial on Reed–Solomon coding for fault-tolerance in RAID-like systems", SP&E 1997).
/// Replication is the case k = 1, n = r: the one rule "a segment is readable while at least
/// k of its n pieces are" covers both.
public enum Redundancy: Sendable, Equatable {
    case replication(Int)
    case erasure(k: Int, n: Int)

    /// Pieces needed to read the segment.
    public var k: Int {
        switch self { case .replication: return 1; case .erasure(let k, _): return k }
    }
    /// Pieces stored per segment.
    public var n: Int {
        switch self { case .replication(let r): return r; case .erasure(_, let n): return n }
    }

    /// Stored bytes per user byte: n / k.
    public var overhead: Double { Double(n) / Double(k) }

    /// The probability a segment is readable when each of its n holders is online
    /// independently with probability p: P[Binomial(n, p) ≥ k] (for replication
    /// 1 − (1 − p)^r). Summed in log space, so n in the hundreds stays exact to rounding.
    public func availability(onlineProbability p: Double) -> Double {
        precondition((0...1).contains(p), "a probability lies in [0, 1]")
        if p == 1 { return 1 }
        if p == 0 { return k == 0 ? 1 : 0 }
        var total = 0.0
        var logChoose = 0.0   // log C(n, j), built up from j = 0
        for j in 0...n {
            if j > 0 { logChoose += log(Double(n - j + 1)) - log(Double(j)) }
            let logTerm: Double = logChoose + Double(j) * log(p) + Double(n - j) * log1p(-p)
            if j >= k { total += exp(logTerm) }
        }
        return min(1, total)
    }
}

/// A set of objects stored alike: `count` objects of `bytes` each, cut into segments of at
/// most `chunkBytes` (equal sizes, ⌈bytes / chunkBytes⌉ of them), each segment stored with
/// `redundancy`. An object is available while all its segments are, and lost once one of its
/// segments is (fewer than k pieces left anywhere).
public struct StoredObjects: Sendable, Equatable {
    public var name: String
    public var count: Int
    /// Size of one object, bytes.
    public var bytes: Double
    /// Largest segment, bytes (objects of at most this size are one segment).
    public var chunkBytes: Double
    public var redundancy: Redundancy
    /// Repair starts when a segment's live pieces (on online holders) fall below this;
    /// 0: never repair.
    public var repairThreshold: Int
    /// The region whose tasks read these objects (`nearest-to-consumers` places near it).
    public var consumerRegion: Int
    /// Regions the pieces may be stored in, as a bit set (bit i: region i); all ones: anywhere.
    public var residency: UInt64

    public init(name: String, count: Int, bytes: Double, chunkBytes: Double? = nil, redundancy: Redundancy,
                repairThreshold: Int? = nil, consumerRegion: Int = 0, residency: UInt64 = .max) {
        precondition(count >= 0 && bytes > 0, "\(name): need count ≥ 0 and a positive size")
        precondition(redundancy.k >= 1 && redundancy.n >= redundancy.k && redundancy.n <= 255, "\(name): need 1 ≤ k ≤ n ≤ 255")
        self.name = name; self.count = count; self.bytes = bytes
        self.chunkBytes = chunkBytes ?? bytes
        precondition(self.chunkBytes > 0, "\(name): chunk size must be positive")
        self.redundancy = redundancy
        self.repairThreshold = repairThreshold ?? StoredObjects.defaultThreshold(redundancy)
        precondition(self.repairThreshold == 0 || (redundancy.k...redundancy.n).contains(self.repairThreshold),
                     "\(name): the repair threshold lies in k…n (or 0: never)")
        self.consumerRegion = consumerRegion; self.residency = residency
    }

    /// The default repair threshold: halfway from k to n, ⌈(k + n) / 2⌉ (3 of 3 replicas
    /// repair below 2; 29-of-80 below 55).
    public static func defaultThreshold(_ r: Redundancy) -> Int { (r.k + r.n + 1) / 2 }

    /// Segments per object.
    public var segmentsPerObject: Int { max(1, Int((bytes / chunkBytes).rounded(.up))) }
    /// Bytes of one segment.
    public var segmentBytes: Double { bytes / Double(segmentsPerObject) }
    /// Bytes of one piece: a segment / k (a replica is the whole segment).
    public var pieceBytes: Double { segmentBytes / Double(redundancy.k) }
}

/// What devices of one class offer for storage, and how long they stay in the swarm.
public struct StorageClassTerms: Sendable, Equatable {
    public var className: String
    /// Bytes a device of the class lends for pieces.
    public var capacity: Double
    /// Mean time before a device leaves for good (its pieces lost), seconds, exponential;
    /// nil: devices never leave.
    public var meanLifetime: Double?
    public init(className: String, capacity: Double, meanLifetime: Double? = nil) {
        precondition(capacity >= 0, "\(className): capacity must be ≥ 0")
        precondition(meanLifetime.map { $0 > 0 } ?? true, "\(className): lifetime must be positive")
        self.className = className; self.capacity = capacity; self.meanLifetime = meanLifetime
    }
}

/// The `storage:` section of a scenario: what is stored, where it may go, how it is priced.
public struct StorageSpec: Sendable {
    public var objects: [StoredObjects]
    /// Storage terms per class name (covering the classes derived from it, `NAME@…`); a class
    /// not listed lends no storage.
    public var classes: [StorageClassTerms]
    /// The placement policy's name (`StoragePlacements.builtin`).
    public var placement: String
    /// What providers are paid per terabyte-month of pieces they hold, dollars
    /// (a month is 30 days; 1 TB = 10¹² bytes).
    public var pricePerTBMonth: Double
    /// Seconds between rows of the storage timeline.
    public var sampleInterval: Double
    /// Bytes each device may keep of objects fetched for tasks (0: no cache).
    public var cacheBytes: Double

    public init(objects: [StoredObjects], classes: [StorageClassTerms], placement: String = "random",
                pricePerTBMonth: Double = 1.5, sampleInterval: Double = 3600, cacheBytes: Double = 0) {
        precondition(pricePerTBMonth >= 0 && sampleInterval > 0 && cacheBytes >= 0, "storage: bad price, interval or cache")
        self.objects = objects; self.classes = classes; self.placement = placement
        self.pricePerTBMonth = pricePerTBMonth; self.sampleInterval = sampleInterval; self.cacheBytes = cacheBytes
    }

    /// Seconds in the month of `pricePerTBMonth`: 30 days.
    public static let secondsPerMonth = 30.0 * 86_400
}
