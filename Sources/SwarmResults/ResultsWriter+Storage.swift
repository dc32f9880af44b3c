import SwarmModel

extension ResultsSchema {
    /// Written by scenario runs with `storage`: one row per stored object, its state at the end.
    public static let objects = Table(name: "objects", rows: "one per stored object, its state at the end of the run (scenario runs with `storage`)", columns: [
        .init(name: "kind", type: .uint16, unit: "code", meaning: "the object's kind (index into `kind_names`, the `storage.objects` order)"),
        .init(name: "segments", type: .uint32, unit: "1", meaning: "segments the object is cut into, each coded apart"),
        .init(name: "min_live_pieces", type: .uint8, unit: "1", meaning: "fewest pieces on online holders over its segments (readable when ≥ K)"),
        .init(name: "min_present_pieces", type: .uint8, unit: "1", meaning: "fewest pieces on devices still in the swarm over its segments (lost when < K)"),
        .init(name: "available", type: .uint8, unit: "1", meaning: "1 when every segment has ≥ K live pieces"),
        .init(name: "lost", type: .uint8, unit: "1", meaning: "1 when a segment fell below K present pieces (durability failure)"),
    ], lookups: [("kind_names", "name of each kind of object")])

    /// Written beside `objects`: one row per `storage.sample_every`.
    public static let storageTimeline = Table(name: "storage_timeline", rows: "one per `storage.sample_every` from 0 to the end (scenario runs with `storage`)", columns: [
        .init(name: "time", type: .float64, unit: "s", meaning: "simulated time of the row"),
        .init(name: "available_fraction", type: .float64, unit: "1", meaning: "objects readable / objects stored"),
        .init(name: "objects_lost", type: .uint32, unit: "1", meaning: "objects lost so far"),
        .init(name: "stored_bytes", type: .float64, unit: "B", meaning: "bytes of pieces held by devices still in the swarm"),
        .init(name: "repair_bytes", type: .float64, unit: "B", meaning: "repair bytes read and written so far"),
        .init(name: "repairs_running", type: .uint32, unit: "1", meaning: "repairs under way"),
    ])
}

extension ResultsWriter {
    /// `/objects` and `/storage_timeline` (`ResultsSchema.objects`, `.storageTimeline`) in
    /// `group` (nil: the root); `kinds` names each kind of object.
    public func writeStorage(objects t: StorageObjectTable, timeline: [StorageSample], kinds: [String], group: String?) throws(ResultsError) {
        try writeTable(ResultsSchema.objects, in: group, [
            .uint16("kind", t.kind, units: "code"),
            .uint32("segments", t.segments, units: "1"),
            .uint8("min_live_pieces", t.minLivePieces, units: "1"),
            .uint8("min_present_pieces", t.minPresentPieces, units: "1"),
            .uint8("available", t.available, units: "1"),
            .uint8("lost", t.lost, units: "1"),
        ])
        try setAttribute("kind_names", kinds, on: (group.map { "/\($0)/" } ?? "/") + "objects")
        try writeTable(ResultsSchema.storageTimeline, in: group, [
            .double("time", timeline.map(\.time), units: "s"),
            .double("available_fraction", timeline.map(\.availableFraction), units: "1"),
            .uint32("objects_lost", timeline.map { UInt32($0.objectsLost) }, units: "1"),
            .double("stored_bytes", timeline.map(\.storedBytes), units: "B"),
            .double("repair_bytes", timeline.map(\.repairBytes), units: "B"),
            .uint32("repairs_running", timeline.map { UInt32($0.repairsRunning) }, units: "1"),
        ])
    }
}
