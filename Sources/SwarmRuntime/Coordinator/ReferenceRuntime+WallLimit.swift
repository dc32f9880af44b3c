import Foundation

extension ReferenceRuntime {
    /// Runs `plan` as `run(_:worker:)` does, but gives up (`RuntimeError.timedOut`, workers shut
    /// down) after `wallLimit` wall seconds: validation's guard against a run that cannot end.
    public static func run(_ plan: RuntimePlan, worker: String? = nil, wallLimit: Double) throws -> RuntimeReport {
        try plan.validate()
        let path = try locateWorker(explicit: worker)
        var options = CoordinatorOptions()
        options.wallLimit = wallLimit
        options.faults = try FaultPlan(environment: ProcessInfo.processInfo.environment)
        return try Coordinator(plan: plan, workerPath: path, options: options).run()
    }
}
