import SwarmKernel

/// A way to drive a `FleetView` by hand, for tests (`@testable import`): both drivers change
/// the view only through `TaskLifecycle`, and a policy sees it read-only: every mutator is
/// internal to SwarmModel. These wrap the lower-level mutators and keep the idle index exact (an
/// idle device is online and runs nothing).
extension FleetView {
    /// Device `d` came online at `time`; it becomes idle unless it still runs a task.
    func deviceCameOnline(_ d: Int, at time: SimTime) {
        guard !isOnline(d) else { return }
        onlineSince[d] = time.ticks
        onlineCount += 1
        if running[d] == 0 && !isIdle(d) { markIdle(d) }
    }

    /// Device `d` went offline: it leaves the idle index (a task it ran stays counted in
    /// `running` until `deviceBecameIdle` or `deviceWentOffline` is told otherwise).
    func deviceWentOffline(_ d: Int) {
        guard isOnline(d) else { return }
        if isIdle(d) { markNotIdle(d) }
        onlineSince[d] = .min
        onlineCount -= 1
    }

    /// Device `d` started a task (after `Placements.assign`, which already took it out of
    /// the idle index, or directly).
    func deviceBecameBusy(_ d: Int) {
        running[d] = 1
        if isIdle(d) { markNotIdle(d) }
    }

    /// Device `d` finished or dropped its task; it is idle again if it is online.
    func deviceBecameIdle(_ d: Int) {
        running[d] = 0
        if isOnline(d) && !isIdle(d) { markIdle(d) }
    }

    /// Gives back a device that `Placements.assign` took out of the idle index but whose
    /// assignment the driver refused.
    func returnAssigned(_ d: Int) {
        if isOnline(d) && running[d] == 0 && !isIdle(d) { markIdle(d) }
    }

    /// Counts a finished task (`succeeded`) or a lost attempt on device `d`, for the
    /// reliability policies read.
    func recordAttempt(on d: Int, succeeded: Bool) {
        if succeeded { completed[d] += 1 } else { failed[d] += 1 }
    }

    /// Sets the time policies see as `now`.
    func advance(to time: SimTime) { now = time }
}

extension ReadyTasks {
    /// The tasks `queued` (in this order, one tenant) of `table`, as a policy sees them:
    /// their state is taken as queued whatever `table` says, so a driver outside the
    /// simulator need not mutate the table's state.
    init(queued: [TaskID], in table: TaskTable) {
        var copy = table
        for t in queued { copy.state[t.index] = .queued }
        self.init(tasks: copy, queues: [queued.map { UInt64($0.rawValue) }], seq: [UInt32](repeating: 0, count: table.count),
                  heads: [0], running: [0], weights: [1], quotas: [.max])
    }
}

extension Placements {
    /// Empty decisions for one `place` call on `view`; `alreadyTried(task, device)` says
    /// whether a device already returned a result for a task (one vote per device).
    init(on view: FleetView, alreadyTried: @escaping (TaskID, Int) -> Bool = { _, _ in false }) {
        self.init(view: view, alreadyTried: alreadyTried)
    }
}
