import Foundation
import SwarmKernel
import SwarmModel
import Yams

extension ScenarioParser {
    // MARK: storage on the devices

    /// `storage`: objects stored on the fleet's devices (`StorageSpec`), the storage each
    /// class lends and how long its devices stay, the placement policy, the price.
    mutating func storage(_ top: inout Section) throws(ScenarioError) -> StorageSpec? {
        guard let field = top["storage"] else { return nil }
        var f = try Section(field, "storage")
        let placement = try f.oneOf("placement", StoragePlacements.builtinNames, "placement policy")!
        let price = try f.number("price_per_tb_month")!
        guard price >= 0 else { throw f.valueField("price_per_tb_month")!.fail("expected dollars per TB-month ≥ 0, found \(fmt(price))") }
        let every = try f.quantity("sample_every", boundedDuration)!
        guard every > 0 else { throw f.valueField("sample_every")!.expected("a positive duration") }
        let cache = try f.quantity("cache", UnitParser.bytes)!

        var terms: [StorageClassTerms] = []
        var out: [Node] = []
        for e in try f["classes"]!.sequence() {
            var c = try Section(e, "storage.classes[]")
            let name = try c.oneOf("class", classNames, "device class")!
            guard !terms.contains(where: { $0.className == name }) else { throw c["class"]!.fail("class `\(name)` is listed twice") }
            let capacity = try c.quantity("capacity", UnitParser.bytes)!
            guard capacity > 0 else { throw c["capacity"]!.expected("a positive size (e.g. 20GB)") }
            let lifetime = try c.quantity("lifetime", boundedDuration)
            if let l = lifetime, l <= 0 { throw c["lifetime"]!.expected("a positive duration (or leave it out: devices never leave)") }
            terms.append(StorageClassTerms(className: name, capacity: capacity, meanLifetime: lifetime))
            out.append(c.node)
        }
        guard !terms.isEmpty else { throw f["classes"]!.fail("expected at least one class lending storage") }
        f.put("classes", .sequence(Node.Sequence(out)))

        var groups: [StoredObjects] = []
        out = []
        for e in try f["objects"]!.sequence() {
            groups.append(try storedObjects(e, known: groups, out: &out))
        }
        guard !groups.isEmpty else { throw f["objects"]!.fail("expected at least one kind of object") }
        f.put("objects", .sequence(Node.Sequence(out)))
        top.put("storage", f.node)
        storedObjectNames = groups.map(\.name)
        return StorageSpec(objects: groups, classes: terms, placement: placement, pricePerTBMonth: price,
                           sampleInterval: every, cacheBytes: cache)
    }

    /// One `storage.objects[]` entry: exactly one of `replicas` and `erasure` (`K-of-N`).
    mutating func storedObjects(_ e: YAMLField, known: [StoredObjects], out: inout [Node]) throws(ScenarioError) -> StoredObjects {
        var o = try Section(e, "storage.objects[]")
        let name = try o.string("name")!
        guard !known.contains(where: { $0.name == name }) else { throw o["name"]!.fail("objects `\(name)` are listed twice") }
        let count = try o.int("count", min: 1)!
        let size = try o.quantity("size", UnitParser.bytes)!
        guard size > 0 else { throw o["size"]!.expected("a positive size (e.g. 1GB)") }
        let chunk = try o.quantity("chunk_size", UnitParser.bytes)
        if let c = chunk, c <= 0 { throw o["chunk_size"]!.expected("a positive size (e.g. 64MB)") }
        let redundancy: Redundancy
        switch (o["replicas"], o["erasure"]) {
        case (nil, nil):
            throw e.fail("expected one of `replicas` (e.g. 3) or `erasure` (e.g. 29-of-80), found neither")
        case (.some, .some):
            throw o["erasure"]!.fail("give `replicas` or `erasure`, not both")
        case (.some, nil):
            let r = try o.int("replicas", min: 1)!
            guard r <= 255 else { throw o["replicas"]!.fail("expected at most 255 replicas, found \(r)") }
            redundancy = .replication(r)
        case (nil, .some(let ef)):
            let text = try ef.string()
            let parts = text.split(separator: "-", omittingEmptySubsequences: false)
            guard parts.count == 3, parts[1] == "of", let k = Int(parts[0]), let n = Int(parts[2]) else {
                throw ef.fail("expected `K-of-N` (any K of N pieces rebuild a segment, e.g. 29-of-80), found `\(text)`")
            }
            guard k >= 1, n >= k, n <= 255 else { throw ef.fail("expected 1 ≤ K ≤ N ≤ 255, found K = \(k), N = \(n)") }
            redundancy = .erasure(k: k, n: n)
            o.put("erasure", Node(text))
        }
        var threshold = StoredObjects.defaultThreshold(redundancy)
        if let tf = o["repair_threshold"] {
            if try tf.string() == "off" {
                threshold = 0
            } else {
                let t = try tf.int()
                guard (redundancy.k...redundancy.n).contains(t) else {
                    throw tf.fail("expected live pieces in k…n (\(redundancy.k)…\(redundancy.n)) or `off`, found \(t)")
                }
                threshold = t
            }
        }
        o.put("repair_threshold", Node(threshold == 0 ? "off" : String(threshold)))
        let consumers = try o.oneOf("consumers", regionNames, "region") ?? regionNames[0]
        o.put("consumers", Node(consumers))
        var residency: UInt64 = .max
        if let rf = o["residency"] {
            residency = 0
            for r in try rf.sequenceOrOne() { residency |= 1 << UInt64(regionNames.firstIndex(of: try r.oneOf(regionNames, "region"))!) }
            o.put("residency", rf.node)
        }
        out.append(o.node)
        return StoredObjects(name: name, count: count, bytes: size, chunkBytes: chunk, redundancy: redundancy,
                             repairThreshold: threshold, consumerRegion: regionNames.firstIndex(of: consumers)!, residency: residency)
    }
}
