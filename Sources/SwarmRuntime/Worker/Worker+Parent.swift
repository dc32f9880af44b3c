import Foundation

extension Worker {
    /// Ties this worker's life to its coordinator's, so a coordinator killed with SIGKILL
    /// (which runs no cleanup) leaves no orphaned workers: the kernel sends SIGKILL to the
    /// worker when its parent dies (`prctl(PR_SET_PDEATHSIG)`), and a worker whose
    /// coordinator died before that call took effect sees a different parent
    /// (`SWARMLAB_COORDINATOR_PID` ≠ `getppid()`) and exits at once. Linux only.
    ///
    /// The death signal follows the parent *thread* that spawned the worker: the coordinator
    /// spawns and reaps its workers from the thread that runs it, so that thread outlives them.
    /// - Returns: false when the coordinator is already gone.
    static func tieToCoordinator(_ env: [String: String]) -> Bool {
        typealias Prctl = @convention(c) (Int32, UInt, UInt, UInt, UInt) -> Int32
        // prctl is variadic in C (Swift does not import it): call it through its address.
        if let handle = dlopen(nil, RTLD_NOW), let sym = dlsym(handle, "prctl") {
            let prctl = unsafeBitCast(sym, to: Prctl.self)
            let PR_SET_PDEATHSIG: Int32 = 1
            _ = prctl(PR_SET_PDEATHSIG, UInt(SIGKILL), 0, 0, 0)
        }
        if let expected = env["SWARMLAB_COORDINATOR_PID"].flatMap({ pid_t($0) }), getppid() != expected { return false }
        return true
    }
}
