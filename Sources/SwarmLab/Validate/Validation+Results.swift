import SwarmResults
import SwarmRuntime
import SwarmScenario

extension Validation {
    /// One side's observations as HDF5: `/tasks` (start_s, finish_s per task) and `/attempts`.
    /// Root attributes: `side`, `scenario` (its text), `seed`, `replication` (1-based),
    /// `calibration_profile` (the profile the simulator used: after re-measuring, the file
    /// written beside the results), `base_calibration_profile` (the profile it started from),
    /// `machine` (this machine's `MachineIdentity`), `lost_work_s`, `wall_s`. The runtime's
    /// `/attempts` also has `compute_start_s`, `compute_end_s` (the worker's computation and
    /// duty cycle), `kernel_cpu_s` and `attempt_cpu_s` (its CPU seconds in the kernel and in
    /// the whole attempt).
    public static func write(_ o: ValidationObservation, to path: String, scenario: Scenario, seed: UInt64? = nil,
                             replication: Int = 1, profilePath: String, baseProfilePath: String? = nil) throws {
        let w = try ResultsWriter(path: path)
        try w.setAttribute("side", o.side)
        try w.setAttribute("scenario", scenario.text)
        try w.setAttribute("seed", Int64(bitPattern: seed ?? scenario.seed))
        try w.setAttribute("replication", Int64(replication))
        try w.setAttribute("calibration_profile", profilePath)
        try w.setAttribute("base_calibration_profile", baseProfilePath ?? profilePath)
        try w.setAttribute("machine", MachineIdentity.current.description)
        try w.setAttribute("lost_work_s", o.lostWorkSeconds)
        try w.setAttribute("wall_s", o.wallSeconds)
        try w.writeTable("tasks", [.int64("task", o.taskStart.indices.map(Int64.init), units: "1"),
                                   .double("start_s", o.taskStart, units: "s"),
                                   .double("finish_s", o.taskFinish, units: "s")])
        try w.writeTable("attempts", [.int64("task", o.attemptTask.map(Int64.init), units: "1"),
                                      .int64("device", o.attemptDevice.map(Int64.init), units: "1"),
                                      .int64("attempt", o.attemptNumber.map(Int64.init), units: "1"),
                                      .double("assigned_s", o.attemptAssigned, units: "s"),
                                      .double("returned_s", o.attemptReturned, units: "s"),
                                      .int64("outcome", o.attemptOutcome.map(Int64.init), units: "0 returned, 1 lost, 2 cancelled")]
                                    + (o.attemptCPU.count == o.attemptTask.count && !o.attemptTask.isEmpty ? [
                                        .double("compute_start_s", o.attemptComputeStart, units: "s"),
                                        .double("compute_end_s", o.attemptComputeEnd, units: "s"),
                                        .double("kernel_cpu_s", o.attemptKernelCPU, units: "s"),
                                        .double("attempt_cpu_s", o.attemptCPU, units: "s")] : []))
        try w.commit()
    }
}
