import Testing
import SwarmModel

@Suite("Roles, permissions and device ownership")
struct AccessTests {
    @Test("roles grant different permissions: admin everything, researcher its own work, contributor lending")
    func rolePermissions() {
        #expect(Tenant.Role.admin.permissions == Set(Permission.allCases))
        #expect(Tenant.Role.researcher.permissions == [.submit, .cancel, .readResults])
        #expect(Tenant.Role.contributor.permissions == [.lendDevices])
        for role in Tenant.Role.allCases {
            for p in Permission.allCases { #expect(role.grants(p) == role.permissions.contains(p), "\(role) \(p)") }
        }
        let admin = Tenant(name: "ops", role: .admin), researcher = Tenant(name: "lab"), contributor = Tenant(name: "vol", role: .contributor)
        #expect(admin.may(.lendDevices) && !researcher.may(.lendDevices) && contributor.may(.lendDevices))
        #expect(admin.maySubmit && researcher.maySubmit && !contributor.maySubmit)
        // Cancelling and reading: the admin anyone's (tenant 1's, being tenant 0), the researcher only its own.
        #expect(admin.mayCancel(workOf: 1, me: 0) && admin.mayRead(resultsOf: 1, me: 0))
        #expect(researcher.mayCancel(workOf: 1, me: 1) && !researcher.mayCancel(workOf: 0, me: 1))
        #expect(researcher.mayRead(resultsOf: 1, me: 1) && !researcher.mayRead(resultsOf: 0, me: 1))
        #expect(!contributor.mayCancel(workOf: 2, me: 2) && !contributor.mayRead(resultsOf: 2, me: 2))
    }

    @Test("a lent device runs its owner's work and that of the tenants it is lent to; an unowned one anyone's")
    func mayRun() {
        // Devices 0–2 lent by tenant 2 to tenant 0 only; device 3 the platform's.
        var o = DeviceOwnership()
        o.lend(0..<3, owner: 2, to: TenantSet([0]), deviceCount: 4)
        #expect(o.owner == [2, 2, 2, -1])
        #expect(o.mayRun(tenant: 0, onDevice: 1) && o.mayRun(tenant: 2, onDevice: 1) && !o.mayRun(tenant: 1, onDevice: 1))
        #expect(o.mayRun(tenant: 1, onDevice: 3))
        #expect(o.devicesOwned(tenants: 3) == [0, 0, 3])
        // The pure rule, and no ownership at all.
        #expect(DeviceOwnership.mayRun(tenant: 5, onDeviceOwnedBy: -1, allowed: TenantSet([])))
        #expect(!DeviceOwnership.mayRun(tenant: 5, onDeviceOwnedBy: 1, allowed: TenantSet([0, 2])))
        #expect(DeviceOwnership.none.mayRun(tenant: 7, onDevice: 1_000_000))
    }

    @Test("the ledger counts refused actions per tenant and permission")
    func ledger() {
        let tenants = [Tenant(name: "lab"), Tenant(name: "vol", role: .contributor)]
        var ledger = AccessLedger(tenants: 2)
        let allowed = [ledger.check(.submit, by: 0, in: tenants), ledger.check(.submit, by: 1, in: tenants),
                       ledger.check(.lendDevices, by: 0, in: tenants), ledger.check(.submit, by: 1, in: tenants)]
        #expect(allowed == [true, false, false, false])
        #expect(ledger.refused(.submit, to: 1) == 2 && ledger.refused(.lendDevices, to: 0) == 1 && ledger.refused(.submit, to: 0) == 0)
        #expect(ledger.total == 3)
    }
}
