import Foundation
import SwarmModel

/// The reference runtime's entry point: runs a plan with one worker process per device and
/// reports what happened, in scenario seconds (`RuntimePlan.timeScale` converts).
public enum ReferenceRuntime {
    /// Runs `plan`; `worker` is the path of `swarmlab-worker` (default: `SWARMLAB_WORKER`,
    /// else beside the running binary). Blocks until every task is accepted. Faults are
    /// injected only if `SWARMLAB_FAULTS` is set (`FaultPlan(environment:)`, tests of robustness).
    public static func run(_ plan: RuntimePlan, worker: String? = nil) throws -> RuntimeReport {
        try plan.validate()
        let path = try locateWorker(explicit: worker)
        var options = CoordinatorOptions()
        options.faults = try FaultPlan(environment: ProcessInfo.processInfo.environment)
        let coordinator = try Coordinator(plan: plan, workerPath: path, options: options)
        return try coordinator.run()
    }

    /// Where the worker executable is: `explicit`, `SWARMLAB_WORKER`, or beside this binary.
    public static func locateWorker(explicit: String? = nil) throws(RuntimeError) -> String {
        var tried: [String] = []
        var candidates: [String] = []
        if let e = explicit {
            candidates.append(e)
        } else if let e = ProcessInfo.processInfo.environment["SWARMLAB_WORKER"], !e.isEmpty {
            candidates.append(e)
        }
        if explicit == nil, let exe = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") {
            candidates.append((exe as NSString).deletingLastPathComponent + "/swarmlab-worker")
        }
        for c in candidates {
            tried.append(c)
            if FileManager.default.isExecutableFile(atPath: c) { return c }
        }
        throw .workerNotFound(tried: tried)
    }
}
