import SwarmModel

extension ResultsWriter {
    /// `/access` (`ResultsSchema.access`) in `group` (nil: the root): per tenant its role, the
    /// devices it lends and the actions refused to it, per permission.
    public func writeAccess(tenants: [Tenant], ownership: DeviceOwnership, refused: AccessLedger, group: String?) throws(ResultsError) {
        let owned = ownership.devicesOwned(tenants: tenants.count)
        let roles = Tenant.Role.allCases
        var columns: [ResultsColumn] = [
            .uint32("tenant", (0..<UInt32(tenants.count)).map { $0 }, units: "1"),
            .uint8("role", tenants.map { UInt8(roles.firstIndex(of: $0.role)!) }, units: "code"),
            .uint32("devices_owned", owned.map { UInt32($0) }, units: "1"),
        ]
        for p in Permission.allCases {
            columns.append(.uint32("refused_\(p.columnName)", tenants.indices.map { UInt32(refused.refused(p, to: $0)) }, units: "1"))
        }
        try writeTable(ResultsSchema.access, in: group, columns)
        try setAttribute("role_names", roles.map(\.rawValue), on: (group.map { "/\($0)/" } ?? "/") + "access")
    }
}
