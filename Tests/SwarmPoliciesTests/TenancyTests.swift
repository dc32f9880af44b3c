import Testing
import SwarmKernel
import SwarmModel
import SwarmPolicies

@Suite("Tenants, quotas and fairness")
struct TenancyTests {
    func engine(tenants: [Tenant], tasksPerTenant: Int, devices: Int) throws -> WorkEngine {
        let fleet = try Fleet(classes: [.cloudVM], regions: [("eu", 0)], mix: [.init(className: "cloud-vm", region: "eu", count: devices)])
        var tasks = TaskTable()
        for k in tenants.indices { for _ in 0..<tasksPerTenant { tasks.add(work: .seconds(100), tenant: k) } }
        return WorkEngine(fleet: fleet, tasks: tasks, policy: FastestFirstPolicy(context: PolicyContext(streams: RandomStreams(seed: 1))),
                          seed: 1, configuration: .init(tenants: tenants))
    }

    @Test("devices are shared in proportion to weight while every tenant has work")
    func weightedShare() throws {
        let tenants = [Tenant(name: "a", weight: 3), Tenant(name: "b", weight: 1)]
        let e = try engine(tenants: tenants, tasksPerTenant: 400, devices: 20)
        // Stop while both still have work queued: 10 rounds of 100 s.
        e.run(until: .zero + .seconds(1000))
        let a = e.metrics.tenantBusySeconds[0], b = e.metrics.tenantBusySeconds[1]
        #expect(abs(a / (a + b) - 0.75) < 0.03, "a got \(a / (a + b)) of the work, weight share 0.75")
        #expect(Tenant.fairness(work: [a / (a + b), b / (a + b)], weights: [0.75, 0.25]) > 0.99)
    }

    @Test("a quota caps a tenant's running attempts; the others use the rest")
    func quota() throws {
        let tenants = [Tenant(name: "capped", quota: 3), Tenant(name: "free")]
        let e = try engine(tenants: tenants, tasksPerTenant: 50, devices: 10)
        var maxCapped = 0, running = [Int: Int]()
        e.observer = { r in
            switch r {
            case .started(let t, _, _, _):
                running[t.index / 50, default: 0] += 1
                maxCapped = max(maxCapped, running[0] ?? 0)
            case .returned(let t, _, _):
                running[t.index / 50, default: 0] -= 1
            default: break
            }
        }
        #expect(e.run())
        #expect(maxCapped == 3)
        #expect(e.metrics.tenantTasksDone == [50, 50])
    }

    @Test("Jain's index: 1 for weighted-equal shares, 1/n when one tenant takes all")
    func jain() {
        #expect(abs(Tenant.fairness(work: [2, 1], weights: [2, 1]) - 1) < 1e-12)
        #expect(abs(Tenant.fairness(work: [1, 0, 0, 0], weights: [1, 1, 1, 1]) - 0.25) < 1e-12)
    }

    @Test("contributors lend devices but may not submit work")
    func contributorsMayNotSubmit() async {
        await #expect(processExitsWith: .failure) {
            let fleet = try! Fleet(classes: [.cloudVM], regions: [("eu", 0)], mix: [.init(className: "cloud-vm", region: "eu", count: 1)])
            var tasks = TaskTable()
            tasks.add(work: .seconds(1), tenant: 0)
            _ = WorkEngine(fleet: fleet, tasks: tasks, policy: RandomPolicy(context: PolicyContext(streams: RandomStreams(seed: 1))),
                           seed: 1, configuration: .init(tenants: [Tenant(name: "volunteer", role: .contributor)]))
        }
    }
}
