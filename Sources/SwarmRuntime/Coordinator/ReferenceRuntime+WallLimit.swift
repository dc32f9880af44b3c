import Foundation

extension ReferenceRuntime {
    /// Runs `plan` as `run(_:worker:)` does, but gives up (`RuntimeError.timedOut`, workers shut
    /// down) after `wallLimit` wall seconds: validation's guard against a run that cannot end.
    /// `transport`: where the coordinator listens and how workers start (default: loopback,
    /// local spawn; `srun` steps across the hosts of a Slurm allocation).
    public static func run(_ plan: RuntimePlan, worker: String? = nil, wallLimit: Double,
                           transport: RuntimeTransport = RuntimeTransport()) throws -> RuntimeReport {
        try plan.validate()
        let path = try locateWorker(explicit: worker)
        var options = CoordinatorOptions()
        options.wallLimit = wallLimit
        options.transport = transport
        options.faults = try FaultPlan(environment: ProcessInfo.processInfo.environment)
        return try Coordinator(plan: plan, workerPath: path, options: options).run()
    }
}
