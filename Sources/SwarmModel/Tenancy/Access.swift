/// What a tenant may do (role-based access control: each role grants a set of permissions,
/// Sandhu, Coyne, Feinstein and Youman, "Role-based access control models", IEEE Computer
/// 29(2), 1996).
public enum Permission: String, Sendable, CaseIterable {
    /// Submit work (a workload).
    case submit
    /// Cancel work: its own (researchers), anyone's (admins).
    case cancel
    /// Read results: its own (researchers), anyone's (admins).
    case readResults = "read-results"
    /// Lend devices to the fleet (a fleet entry's `owner`).
    case lendDevices = "lend-devices"

    /// snake_case, for results columns: `read_results`.
    public var columnName: String { rawValue.replacingOccurrences(of: "-", with: "_") }
}

extension Tenant.Role {
    /// The permissions the role grants: an admin everything, over anyone's work; a
    /// researcher submits, cancels and reads its own work; a contributor lends devices.
    public var permissions: Set<Permission> { Set(Permission.allCases.filter(grants)) }

    /// Whether the role grants `permission` (the rule itself; `permissions` is its set).
    /// Checked without building a set: a run checks every task's submitter once, and a set
    /// per task was 2% of a 10⁶-task run's process.
    public func grants(_ permission: Permission) -> Bool {
        switch self {
        case .admin: return true
        case .researcher: return permission != .lendDevices
        case .contributor: return permission == .lendDevices
        }
    }
}

extension Tenant {
    /// Whether the tenant's role grants `permission`.
    public func may(_ permission: Permission) -> Bool { role.grants(permission) }

    /// Whether this tenant may cancel work submitted by tenant `owner` (`me` is this tenant's
    /// index): admins anyone's, researchers their own.
    public func mayCancel(workOf owner: Int, me: Int) -> Bool { may(.cancel) && (role == .admin || owner == me) }

    /// Whether this tenant may read the results of tenant `owner`'s work (`me`: its index).
    public func mayRead(resultsOf owner: Int, me: Int) -> Bool { may(.readResults) && (role == .admin || owner == me) }
}

/// A set of tenants by index (0..<64), as `RegionSet` is of regions.
public struct TenantSet: Hashable, Sendable {
    public var bits: UInt64
    public static let anyone = TenantSet(bits: .max)
    public init(bits: UInt64) { self.bits = bits }
    public init(_ tenants: [Int]) {
        bits = 0
        for t in tenants { precondition(t >= 0 && t < 64, "tenant sets cover tenants 0..<64"); bits |= 1 << UInt64(t) }
    }
    public func contains(_ tenant: Int) -> Bool { tenant >= 0 && tenant < 64 && bits >> UInt64(tenant) & 1 == 1 }
    public var isAnyone: Bool { bits == .max }
}

/// Who owns each device and whose work it may run. A contributor lends its devices and may
/// restrict them to some tenants; devices without an owner (the platform's own: cloud VMs,
/// clusters) run anyone's work. Flat per-device arrays, empty when no device has an owner
/// (then every check is true without a lookup).
///
/// The engine applies it where it applies placements: a placement of a task of tenant k on
/// device d stands only if `mayRun(tenant: k, onDevice: d)`.
public struct DeviceOwnership: Sendable, Equatable {
    /// Owner tenant per device, −1 for none; empty: no device has an owner.
    public private(set) var owner: [Int32] = []
    /// Per device, the tenants whose work it may run besides its owner's; empty as `owner`.
    public private(set) var allowed: [TenantSet] = []

    /// No device has an owner: everyone's work runs anywhere.
    public static let none = DeviceOwnership()

    public init() {}

    /// Devices `devices` are lent by tenant `owner` to the tenants of `to`.
    public mutating func lend(_ devices: Range<Int>, owner: Int, to tenants: TenantSet, deviceCount: Int) {
        precondition(devices.upperBound <= deviceCount && owner >= 0, "lend: devices \(devices) of \(deviceCount), owner \(owner)")
        if self.owner.isEmpty {
            self.owner = [Int32](repeating: -1, count: deviceCount)
            allowed = [TenantSet](repeating: .anyone, count: deviceCount)
        }
        for d in devices { self.owner[d] = Int32(owner); allowed[d] = tenants }
    }

    /// Whether a task of tenant `tenant` may run on device `d`. O(1).
    @inline(__always)
    public func mayRun(tenant: Int, onDevice d: Int) -> Bool {
        owner.isEmpty || Self.mayRun(tenant: tenant, onDeviceOwnedBy: Int(owner[d]), allowed: allowed[d])
    }

    /// The rule, as a pure function: a device with no owner (−1) runs anyone's work; an owned
    /// one runs its owner's and that of the tenants it is lent to.
    public static func mayRun(tenant: Int, onDeviceOwnedBy owner: Int, allowed: TenantSet) -> Bool {
        owner < 0 || tenant == owner || allowed.contains(tenant)
    }

    /// Devices owned per tenant (`tenants` entries).
    public func devicesOwned(tenants: Int) -> [Int] {
        var n = [Int](repeating: 0, count: tenants)
        for o in owner where o >= 0 && Int(o) < tenants { n[Int(o)] += 1 }
        return n
    }
}

/// Actions refused to tenants, counted per tenant and permission: what the results'
/// `access` table holds.
public struct AccessLedger: Sendable, Equatable {
    public let tenantCount: Int
    /// `counts[tenant * Permission.allCases.count + permission index]`.
    public private(set) var counts: [Int]

    public init(tenants: Int) {
        tenantCount = tenants
        counts = [Int](repeating: 0, count: tenants * Permission.allCases.count)
    }

    static func index(_ p: Permission) -> Int { Permission.allCases.firstIndex(of: p)! }

    /// Counts `count` refusals of `permission` to tenant `tenant`.
    public mutating func refuse(_ permission: Permission, to tenant: Int, count: Int = 1) {
        counts[tenant * Permission.allCases.count + Self.index(permission)] += count
    }

    public func refused(_ permission: Permission, to tenant: Int) -> Int {
        counts[tenant * Permission.allCases.count + Self.index(permission)]
    }

    /// Every refusal.
    public var total: Int { counts.reduce(0, +) }

    /// Whether `tenants[tenant]` may act with `permission`; counts a refusal when not.
    public mutating func check(_ permission: Permission, by tenant: Int, in tenants: [Tenant]) -> Bool {
        if tenants[tenant].may(permission) { return true }
        refuse(permission, to: tenant)
        return false
    }
}
