/// Who submits work, with what share and what cap.
///
/// Roles grant permissions (`Role.permissions`, `Access.swift`): an **admin** may do
/// everything, over anyone's work (submit, cancel, read results, lend devices); a
/// **researcher** submits work and cancels and reads its own; a **contributor** lends devices
/// (owns them, and may restrict them to some tenants: `DeviceOwnership`) and may not submit. Each submitting tenant gets ready tasks
/// offered in proportion to its `weight` (weighted fair sharing of devices: the tenant with
/// the least running work per unit of weight goes next, as in weighted fair queuing,
/// Demers, Keshav and Shenker, SIGCOMM 1989), and never more than `quota` attempts at once.
public struct Tenant: Sendable, Equatable {
    public enum Role: String, Sendable, Equatable, CaseIterable { case admin, researcher, contributor }

    public var name: String
    public var role: Role
    public var weight: Double
    /// Most attempts running at once; nil = no cap.
    public var quota: Int?

    public init(name: String, role: Role = .researcher, weight: Double = 1, quota: Int? = nil) {
        precondition(weight > 0 && weight.isFinite, "tenant weight must be positive")
        precondition(quota.map { $0 >= 1 } ?? true, "tenant quota must be ≥ 1")
        self.name = name; self.role = role; self.weight = weight; self.quota = quota
    }

    public var maySubmit: Bool { may(.submit) }

    /// The single tenant of runs that do not name any.
    public static let everyone = [Tenant(name: "default")]

    /// Jain's fairness index (Jain, Chiu and Hawe, DEC-TR-301, 1984) of each tenant's share
    /// of the work divided by its weight: 1 when every tenant got exactly its weighted share,
    /// 1/n when one got everything.
    public static func fairness(work: [Double], weights: [Double]) -> Double {
        let x = zip(work, weights).map { $0 / $1 }
        let sum = x.reduce(0, +), squares = x.reduce(0) { $0 + $1 * $1 }
        return squares > 0 ? sum * sum / (Double(x.count) * squares) : 1
    }
}
