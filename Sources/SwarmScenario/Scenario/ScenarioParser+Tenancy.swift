import Foundation
import SwarmModel
import Yams

extension ScenarioParser {
    /// A fleet entry's `owner` and `lend_to`: the tenant lending the devices and the tenants
    /// it lends them to (default: every tenant). An owner whose role may not lend devices
    /// is refused: counted, noted, and the entry's devices left out of the fleet
    /// (`leaveOutRefusedLends`).
    mutating func lending(_ f: inout Section) throws(ScenarioError) {
        let names = tenantList.map(\.name)
        guard let ownerName = try f.oneOf("owner", names, "tenant") else {
            if let l = f["lend_to"] { throw l.fail("`lend_to` needs an `owner`: only lent devices can be restricted") }
            fleetOwners.append(-1); fleetLendTo.append(.anyone)
            return
        }
        let owner = names.firstIndex(of: ownerName)!
        var lendTo = TenantSet.anyone
        if let l = f["lend_to"] {
            var ids: [Int] = []
            for e in try l.sequenceOrOne() { ids.append(names.firstIndex(of: try e.oneOf(names, "tenant"))!) }
            guard !ids.isEmpty else { throw l.fail("expected at least one tenant") }
            lendTo = TenantSet(ids)
            f.put("lend_to", .sequence(Node.Sequence(ids.map { Node(names[$0]) }, .implicit, .flow)))
        }
        if access.check(.lendDevices, by: owner, in: tenantList) {
            fleetOwners.append(Int32(owner))
        } else {
            // −2: refused; the devices are left out once the counts are known.
            fleetOwners.append(-2)
            accessNotes.append("\(f.field.path): tenant `\(ownerName)` (\(tenantList[owner].role.rawValue)) may not lend devices; its devices are left out of the fleet")
        }
        fleetLendTo.append(lendTo)
    }

    /// Sets to 0 the count of every fleet entry whose lending was refused.
    mutating func leaveOutRefusedLends(_ shares: inout [Fleet.Share]) {
        for i in shares.indices where i < fleetOwners.count && fleetOwners[i] == -2 {
            let n = shares[i].count
            accessNotes = accessNotes.map { $0.hasPrefix("fleet[\(i)]:") ? $0.replacingOccurrences(of: "its devices", with: "its \(n) devices") : $0 }
            shares[i].count = 0
            fleetOwners[i] = -1
        }
    }

    /// Workloads of tenants who may not submit work are refused: counted, noted, and they
    /// generate no task.
    mutating func refuseSubmissions(_ workloads: inout [any Workload]) {
        for i in workloads.indices {
            guard var w = workloads[i] as? PlacedWorkload, !access.check(.submit, by: w.tenant, in: tenantList) else { continue }
            let t = tenantList[w.tenant]
            accessNotes.append("workloads[\(i)]: tenant `\(t.name)` (\(t.role.rawValue)) may not submit work; its \(w.taskCount) tasks are refused")
            w.refused = true
            w.taskCount = 0
            workloads[i] = w
        }
    }
}

extension Scenario {
    /// Each device's owner and the tenants it is lent to, from the fleet entries'.
    public func ownership(deviceCount: Int) -> DeviceOwnership {
        var ownership = DeviceOwnership.none
        var d = 0
        for (k, share) in fleet.enumerated() {
            if k < fleetOwners.count, fleetOwners[k] >= 0 {
                ownership.lend(d..<(d + share.count), owner: Int(fleetOwners[k]), to: fleetLendTo[k], deviceCount: deviceCount)
            }
            d += share.count
        }
        return ownership
    }
}
