import SwarmKernel
import SwarmModel

extension ResultsWriter {
    /// Writes every table of a finished, recorded run (`ResultsSchema.runTables`) into
    /// `group` (nil: the root). `recorder` must have watched the whole run; `finish` is
    /// called here if it was not. `jobKinds` names each job's workload kind (index = job id).
    /// `targets` are checked against the run's values and recorded in `/summary`; `duration`
    /// (seconds, the scenario's) turns the bill into a daily rate (default: where the run ended).
    public func write(run engine: WorkEngine, recorder: RunRecorder, group: String? = nil, jobKinds: [String] = [],
                      bill: RunBill = RunBill(), targets: [RunTarget] = [], duration: Double? = nil) throws(ResultsError) {
        recorder.finish(at: engine.sim.now)
        try writeTasks(recorder, tasks: engine.tasks, group: group)
        try writeDevices(recorder, fleet: engine.view.fleet, bytes: engine.lifecycle.deviceBytes, group: group)
        try writeJobs(engine.tasks, kinds: jobKinds, group: group)
        try writeTimeline(recorder, group: group)
        let m = engine.metrics
        try writeTable(ResultsSchema.tenants, in: group, [
            .uint32("tenant", (0..<UInt32(m.tenantTasksDone.count)).map { $0 }, units: "1"),
            .double("busy_time", m.tenantBusySeconds, units: "s"),
            .uint32("tasks_done", m.tenantTasksDone.map { UInt32($0) }, units: "1"),
        ])
        try writeSummary(m, tasks: engine.tasks.count, events: engine.sim.eventsProcessed,
                         finished: m.tasksDone + m.tasksDropped == engine.tasks.count,
                         end: engine.sim.now, interval: recorder.interval, bill: bill, targets: targets,
                         duration: duration ?? engine.sim.now.seconds, group: group)
    }

    /// `/tasks`: the recorder's attempt rows, then a row per task that never got an attempt.
    public func writeTasks(_ r: RunRecorder, tasks: TaskTable, group: String?) throws(ResultsError) {
        let unplaced = r.unplacedTasks()
        let n = r.rowTask.count + unplaced.count
        var task = r.rowTask, device = r.rowDevice, attempt = r.rowAttempt, outcome = r.rowOutcome
        task.reserveCapacity(n); device.reserveCapacity(n); attempt.reserveCapacity(n); outcome.reserveCapacity(n)
        for u in unplaced {
            task.append(UInt32(u.task)); device.append(-1); attempt.append(0)
            outcome.append(u.dropped ? AttemptOutcome.dropped.rawValue : AttemptOutcome.unplaced.rawValue)
        }
        func seconds(_ ticks: [Int64], unplaced value: (Int, Int64) -> Int64 = { _, _ in -1 }) -> [Double] {
            var out = [Double](repeating: .nan, count: n)
            out.withUnsafeMutableBufferPointer { o in
                ticks.withUnsafeBufferPointer { t in
                    for i in t.indices where t[i] >= 0 { o[i] = Double(t[i]) / 1e9 }
                }
                for (k, u) in unplaced.enumerated() {
                    let v = value(u.task, u.ready)
                    if v >= 0 { o[t0 + k] = Double(v) / 1e9 }
                }
            }
            return out
        }
        let t0 = r.rowTask.count
        var job = [UInt32](repeating: 0, count: n), tenant = [UInt16](repeating: 0, count: n), kernel = [UInt8](repeating: 0, count: n)
        var arrivalTicks = [Int64](repeating: 0, count: n)
        let codes = tasks.work.map(ResultsSchema.kernelCode)
        for i in 0..<n {
            let t = Int(task[i])
            job[i] = tasks.job[t]; tenant[i] = tasks.tenant[t]; kernel[i] = codes[t]; arrivalTicks[i] = tasks.arrival[t]
        }
        let computeStart = seconds(r.rowInputDone)
        try writeTable(ResultsSchema.tasks, in: group, [
            .uint32("task", task, units: "1"),
            .uint32("job", job, units: "1"),
            .uint16("tenant", tenant, units: "1"),
            .uint8("kernel", kernel, units: "code"),
            .int32("device", device, units: "1"),
            .uint16("attempt", attempt, units: "1"),
            .uint8("outcome", outcome, units: "code"),
            .double("arrival", arrivalTicks.map { Double($0) / 1e9 }, units: "s"),
            .double("ready", seconds(r.rowReady, unplaced: { _, ready in ready }), units: "s"),
            .double("assigned", seconds(r.rowAssigned), units: "s"),
            .double("input_done", computeStart, units: "s"),
            .double("compute_start", computeStart, units: "s"),
            .double("compute_end", seconds(r.rowComputeEnd), units: "s"),
            .double("output_returned", seconds(r.rowReturned), units: "s"),
            .double("end", seconds(r.rowEnd), units: "s"),
            .double("bytes", (0..<n).map { i in
                guard i < t0 else { return 0 }
                let t = Int(task[i])
                let input = r.rowInputDone[i] >= 0 ? tasks.inputBytes[t] : 0
                let back = outcome[i] == AttemptOutcome.accepted.rawValue || outcome[i] == AttemptOutcome.returned.rawValue
                return input + (back ? tasks.outputBytes[t] : 0)
            }, units: "B"),
        ])
        let at = (group.map { "/\($0)/" } ?? "/") + "tasks"
        try setAttribute("kernel_names", ResultsSchema.kernelNames, on: at)
        try setAttribute("outcome_names", AttemptOutcome.allCases.map(\.name), on: at)
    }

    func writeDevices(_ r: RunRecorder, fleet: Fleet, bytes: [Double], group: String?) throws(ResultsError) {
        let n = fleet.count
        try writeTable(ResultsSchema.devices, in: group, [
            .uint32("device", (0..<UInt32(n)).map { $0 }, units: "1"),
            .uint8("class", fleet.classOf, units: "code"),
            .uint16("region", fleet.regionOf, units: "code"),
            .double("online_time", r.onlineSeconds, units: "s"),
            .double("busy_time", r.busySeconds, units: "s"),
            .double("idle_time", r.idleSeconds, units: "s"),
            .uint32("attempts", r.attemptsStarted, units: "1"),
            .uint32("attempts_lost", r.attemptsLost, units: "1"),
            .uint32("tasks", r.tasksAccepted, units: "1"),
            .double("energy", (0..<n).map { r.energy(of: $0) }, units: "J"),
            .double("bytes", bytes, units: "B"),
        ])
        let at = (group.map { "/\($0)/" } ?? "/") + "devices"
        try setAttribute("class_names", fleet.classes.map(\.name), on: at)
        try setAttribute("region_names", fleet.regionNames, on: at)
    }

    func writeJobs(_ tasks: TaskTable, kinds: [String], group: String?) throws(ResultsError) {
        let jobs = Int(tasks.job.max().map { $0 + 1 } ?? 0)
        var count = [UInt32](repeating: 0, count: jobs), done = count, dropped = count
        var first = [Int64](repeating: .max, count: jobs), last = [Int64](repeating: .min, count: jobs)
        for t in 0..<tasks.count {
            let j = Int(tasks.job[t])
            count[j] += 1
            first[j] = min(first[j], tasks.arrival[t])
            switch tasks.state[t] {
            case .done: done[j] += 1; last[j] = max(last[j], tasks.finished[t])
            case .dropped: dropped[j] += 1
            default: break
            }
        }
        let finish = (0..<jobs).map { j in done[j] > 0 && done[j] + dropped[j] == count[j] ? Double(last[j]) / 1e9 : .nan }
        let start = first.map { $0 == .max ? Double.nan : Double($0) / 1e9 }
        // Codes index the distinct kind names, in order of first appearance.
        var distinct: [String] = []
        var kind = [UInt8](repeating: 0, count: jobs)
        for j in 0..<jobs {
            let name = j < kinds.count ? kinds[j] : "unknown"
            if let i = distinct.firstIndex(of: name) { kind[j] = UInt8(clamping: i) } else { distinct.append(name); kind[j] = UInt8(clamping: distinct.count - 1) }
        }
        try writeTable(ResultsSchema.jobs, in: group, [
            .uint32("job", (0..<UInt32(jobs)).map { $0 }, units: "1"),
            .uint8("kind", kind, units: "code"),
            .uint32("tasks", count, units: "1"),
            .uint32("done", done, units: "1"),
            .uint32("dropped", dropped, units: "1"),
            .double("first_arrival", start, units: "s"),
            .double("finish", finish, units: "s"),
            .double("makespan", zip(finish, start).map { $0 - $1 }, units: "s"),
        ])
        try setAttribute("kind_names", distinct, on: (group.map { "/\($0)/" } ?? "/") + "jobs")
    }

    func writeTimeline(_ r: RunRecorder, group: String?) throws(ResultsError) {
        try writeTable(ResultsSchema.timeline, in: group, [
            .double("time", r.sampleTime.map { Double($0) / 1e9 }, units: "s"),
            .uint32("online", r.sampleOnline, units: "1"),
            .uint32("busy", r.sampleBusy, units: "1"),
            .uint32("queued", r.sampleQueued, units: "1"),
            .double("throughput", r.sampleThroughput, units: "tasks/s"),
            .double("power", r.samplePower, units: "W"),
        ])
    }

    func writeSummary(_ m: RunMetrics, tasks: Int, events: UInt64, finished: Bool, end: SimTime, interval: SimDuration,
                      bill: RunBill, targets: [RunTarget], duration: Double, group: String?) throws(ResultsError) {
        let any = m.tasksDone > 0
        let values: [(String, Double)] = [
            ("tasks", Double(tasks)), ("tasks_done", Double(m.tasksDone)), ("tasks_dropped", Double(m.tasksDropped)),
            ("attempts_lost", Double(m.attemptsLost)), ("refused_placements", Double(m.refusedPlacements)),
            ("tasks_unplaceable", Double(m.tasksUnplaceable)),
            ("first_arrival", any ? Double(m.firstArrival) / 1e9 : .nan), ("last_finish", any ? Double(m.lastFinish) / 1e9 : .nan),
            ("makespan", m.makespan), ("throughput", m.throughput),
            ("latency_mean", any ? m.latency.mean : .nan), ("latency_sd", any ? m.latency.standardDeviation : .nan),
            ("latency_min", any ? m.latency.min : .nan), ("latency_max", any ? m.latency.max : .nan),
            ("latency_p50", m.p50.value), ("latency_p95", m.p95.value), ("latency_p99", m.p99.value),
            ("with_deadline", Double(m.withDeadline)), ("met_deadline", Double(m.metDeadline)),
            ("slo_attainment", m.sloAttainment ?? .nan),
            ("busy_time", m.busySeconds), ("idle_time", m.idleSeconds), ("utilisation", m.utilisation),
            ("wasted_work", m.wastedSeconds), ("redundant_work", m.redundantSeconds), ("dropped_work", m.droppedSeconds),
            ("bytes_moved", m.bytesMoved), ("wan_bytes", m.wanBytes),
            ("accepted_errors", Double(m.acceptedErrors)), ("spot_checks", Double(m.spotChecks)),
            ("blacklisted", Double(m.blacklisted)), ("backup_attempts", Double(m.backupAttempts)),
            ("energy", m.energyJoules), ("cloud_cost", bill.cloudUSD), ("volunteer_hours", m.volunteerHours),
            ("busy_cost", m.money), ("provisioned_hours", bill.providerHours), ("provider_cost", bill.providerUSD),
            ("pool_hours", bill.poolHours), ("pool_billed_hours", bill.poolBilledHours), ("pool_cost", bill.poolUSD),
            ("egress", bill.egressBytes), ("egress_cost", bill.egressUSD),
            ("provider_energy", bill.providerJoules), ("volunteer_energy", bill.volunteerJoules),
            ("volunteer_electricity_cost", bill.volunteerElectricityUSD),
            ("carbon", bill.carbonGrams), ("volunteer_carbon", bill.volunteerCarbonGrams),
            ("events", Double(events)), ("finished", finished ? 1 : 0), ("end", end.seconds),
            ("timeline_interval", interval.seconds),
            ("cost_per_day", RunTarget.Metric.costPerDay.value(of: m, bill: bill, duration: duration)),
        ] + targetValues(targets, m, bill: bill, duration: duration, finished: finished)
        let spec = ResultsSchema.summary.columns
        precondition(values.map(\.0) == spec.map(\.name), "summary values out of step with ResultsSchema.summary")
        try writeTable(ResultsSchema.summary, in: group, zip(values, spec).map { .double($0.0, [$0.1], units: $1.unit) })
    }

    /// The `/summary` columns of the targets: per metric its limit and verdict (NaN without a
    /// target), then `targets_met`.
    func targetValues(_ targets: [RunTarget], _ m: RunMetrics, bill: RunBill, duration: Double, finished: Bool) -> [(String, Double)] {
        var values: [(String, Double)] = []
        var all = true
        for metric in RunTarget.Metric.allCases {
            guard let t = targets.first(where: { $0.metric == metric }) else {
                values.append((metric.name + "_target", .nan)); values.append((metric.name + "_met", .nan)); continue
            }
            let met = t.isMet(by: metric.value(of: m, bill: bill, duration: duration), finished: finished)
            all = all && met
            values.append((metric.name + "_target", t.limit)); values.append((metric.name + "_met", met ? 1 : 0))
        }
        values.append(("targets_met", targets.isEmpty ? .nan : (all ? 1 : 0)))
        return values
    }
}
