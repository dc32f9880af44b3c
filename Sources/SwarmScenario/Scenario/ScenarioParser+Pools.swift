import Foundation
import SwarmKernel
import SwarmModel
import Yams

extension ScenarioParser {
    // MARK: elastic pools

    /// `pools`: elastic pools (`ElasticPool`), each `max` device slots of its class appended
    /// to the fleet after the entries and the clusters' nodes (so the pools' slots are the
    /// fleet's last devices, in pool order). A pool's devices are always on while provisioned.
    mutating func pools(_ top: inout Section, shares: inout [Fleet.Share], sites: inout [Int32]) throws(ScenarioError) -> [ElasticPool] {
        guard let list = top["pools"] else { return [] }
        var pools: [ElasticPool] = []
        var out: [Node] = []
        var next = shares.reduce(0) { $0 + $1.count }
        for e in try list.sequence() {
            var f = try Section(e, "pools[]")
            let n = try f.string("name")!
            guard !n.isEmpty, n.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" }) else {
                throw f["name"]!.fail("expected a name of letters, digits, - and _, found `\(n)`")
            }
            guard !pools.contains(where: { $0.name == n }) else { throw f["name"]!.fail("pool `\(n)` is listed twice") }
            let region = try f.oneOf("region", regionNames, "region")!
            let cls = try f.oneOf("class", classNames, "device class")!
            let minSize = try f.int("min", min: 0)!
            let maxSize = try f.int("max", min: 1)!
            guard maxSize >= minSize else { throw f["max"]!.fail("expected `max` ≥ `min` (\(minSize)), found \(maxSize)") }
            let initial = try f.int("initial", min: 0) ?? minSize
            guard (minSize...maxSize).contains(initial) else {
                throw f["initial"]!.fail("expected a size in min…max (\(minSize)…\(maxSize)), found \(initial)")
            }
            if f["initial"] == nil { f.put("initial", Node(String(initial))) }
            let rule = try self.poolRule(&f)
            let stepUp = try f.int("step_up", min: 1)!
            let stepDown = try f.int("step_down", min: 1)!
            let cooldown = try f.quantity("cooldown", boundedDuration)!
            let every = try f.quantity("evaluate_every", boundedDuration)!
            guard every > 0 else { throw f.valueField("evaluate_every")!.expected("a positive duration") }
            let delay = try f.quantity("provisioning_delay", boundedDuration)!
            let granularity = try f.quantity("billing_granularity", boundedDuration)!
            guard granularity > 0 else { throw f.valueField("billing_granularity")!.expected("a positive duration") }
            var derived = classes.first { $0.name == cls }!
            derived.name = "\(cls)@\(n)"
            derived.availability = .alwaysOn
            guard classes.count < 256 else { throw e.fail("too many device classes (at most 256, counting one per pool)") }
            classes.append(derived)
            shares.append(.init(className: derived.name, region: region, count: maxSize))
            sites.append(-1)
            fleetOwners.append(-1); fleetLendTo.append(.anyone)
            pools.append(ElasticPool(name: n, firstDevice: next, minSize: minSize, maxSize: maxSize, initialSize: initial, rule: rule,
                                     stepUp: stepUp, stepDown: stepDown, cooldown: .seconds(cooldown),
                                     evaluationInterval: .seconds(every), provisioningDelay: .seconds(delay),
                                     billingGranularity: .seconds(granularity), pricePerHour: derived.pricePerHour))
            next += maxSize
            out.append(f.node)
        }
        guard !pools.isEmpty else { throw list.fail("expected at least one pool (or leave `pools` out)") }
        top.put("pools", .sequence(Node.Sequence(out)))
        return pools
    }

    /// `pools[].rule`: exactly one of `utilisation` (a fraction in (0, 1], or a percentage)
    /// and `queue_per_device` (a number > 0).
    func poolRule(_ pool: inout Section) throws(ScenarioError) -> ElasticPool.Rule {
        let field = pool.valueField("rule")!
        let f = try Section(field, "pools[].rule")
        guard f.fields.count == 1, let (key, value) = f.fields.first else {
            throw field.fail("expected exactly one of `utilisation` (e.g. 0.7) or `queue_per_device` (e.g. 4), found \(f.fields.count == 0 ? "none" : f.fields.keys.sorted().joined(separator: " and "))")
        }
        let rule: ElasticPool.Rule
        let text = try value.string()
        if key == "utilisation" {
            let percent = text.hasSuffix("%")
            guard let v = Double((percent ? String(text.dropLast()) : text).trimmingCharacters(in: .whitespaces)).map({ percent ? $0 / 100 : $0 }),
                  v > 0 && v <= 1 else {
                throw value.fail("expected a target utilisation in (0, 1] (e.g. 0.7 or 70%), found `\(text)`")
            }
            rule = .utilisation(v)
            pool.put("rule", .mapping(Node.Mapping([(Node("utilisation"), Node(fmt(v)))], .implicit, .flow)))
        } else {
            let v = try value.number()
            guard v > 0 else { throw value.fail("expected tasks per device > 0 (e.g. 4), found `\(text)`") }
            rule = .queuePerDevice(v)
            pool.put("rule", .mapping(Node.Mapping([(Node("queue_per_device"), Node(fmt(v)))], .implicit, .flow)))
        }
        return rule
    }
}
