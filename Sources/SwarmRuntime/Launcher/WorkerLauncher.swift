import Foundation

/// Starts, pauses, resumes and kills the worker processes of one run, as its
/// `WorkerLaunch` says: local processes signalled directly, or `srun` steps signalled
/// through `srun` (which forwards SIGUSR1/SIGUSR2 to the step's supervisor and cancels the
/// step on SIGTERM). The coordinator holds one and knows only pids of local processes
/// (the worker's, or its `srun`'s).
final class WorkerLauncher {
    let launch: WorkerLaunch
    let workerPath: String
    /// What workers connect to: the advertised host and the port actually bound.
    let coordinator: TCPAddress
    /// srun only: this run's key folder (0700), removed by `finish()`.
    private(set) var keyFolder: String?
    /// srun processes signalled to end and not yet reaped.
    private var ending: [pid_t] = []

    init(launch: WorkerLaunch, workerPath: String, coordinator: TCPAddress) throws(RuntimeError) {
        self.launch = launch; self.workerPath = workerPath; self.coordinator = coordinator
        if case .srun(let s) = launch {
            do { try FileManager.default.createDirectory(atPath: s.keyDirectory, withIntermediateDirectories: true,
                                                         attributes: [.posixPermissions: 0o700]) } catch {
                throw .system("--launcher srun: cannot create the key directory \(s.keyDirectory): \(error)")
            }
            var template = Array((s.keyDirectory + "/swarmlab-keys-XXXXXX").utf8CString)
            guard let made = mkdtemp(&template) else {
                throw .system("--launcher srun: mkdtemp in \(s.keyDirectory): \(String(cString: strerror(errno)))")
            }
            keyFolder = String(cString: made)   // mkdtemp creates it 0700
        }
    }

    /// Starts device `d`'s worker with its key and the kernels to warm up; returns the pid of
    /// the local process (the worker, or its `srun`).
    func start(device d: Int, key: [UInt8], warmKernels: String, extra: [String: String] = [:]) throws(RuntimeError) -> pid_t {
        let hex = key.map { String(format: "%02x", $0) }.joined()
        var env = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("SWARMLAB_") }
        env["SWARMLAB_COORDINATOR"] = "\(coordinator.host):\(coordinator.port)"
        env["SWARMLAB_PORT"] = "\(coordinator.port)"
        env["SWARMLAB_DEVICE"] = "\(d)"
        env["OPENBLAS_NUM_THREADS"] = "1"   // one core per emulated device
        env["SWARMLAB_WARM"] = warmKernels
        env.merge(extra) { _, new in new }
        switch launch {
        case .local:
            env["SWARMLAB_KEY"] = hex
            env["SWARMLAB_COORDINATOR_PID"] = "\(getpid())"   // the worker exits if its parent is not this (Worker+Parent)
            // Its own session, as an srun step has: with Linux's scheduler autogroups (one per
            // session) the workers would otherwise share one fair share of a busy machine among
            // them — and with the coordinator — while steps get one each. Each emulated device
            // is a machine of its own; it dies with the coordinator all the same (PDEATHSIG).
            return try Coordinator.launch(workerPath, arguments: ["--device", "\(d)"], environment: env, newSession: true)
        case .srun(let s):
            env["SWARMLAB_KEY_FILE"] = try writeKey(hex, device: d)
            env["SWARMLAB_SUPERVISE"] = "1"
            let node = s.nodes[d % s.nodes.count]
            let arguments = ["--jobid=\(s.jobID)", "--overlap", "--nodes=1", "--ntasks=1", "--nodelist=\(node)",
                             "--kill-on-bad-exit=1", "--quiet", "--job-name=swarmlab-worker-\(d)", "--export=ALL",
                             workerPath, "--device", "\(d)"]
            guard let srun = Self.which(s.srun) else {
                throw .system("--launcher srun: `\(s.srun)` is not on PATH (is Slurm installed? `scripts/slurm-local start` gives a one-node Slurm)")
            }
            return try Coordinator.launch(srun, arguments: arguments, environment: env)
        }
    }

    /// Writes device `d`'s key (hex) to a new 0600 file in the key folder; returns its path.
    private func writeKey(_ hex: String, device d: Int) throws(RuntimeError) -> String {
        let path = keyFolder! + "/device-\(d).key"
        unlink(path)   // a restarted worker gets the same key in a fresh file
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw .system("cannot create the key file \(path): \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        let bytes = Array(hex.utf8)
        guard write(fd, bytes, bytes.count) == bytes.count else {
            throw .system("cannot write the key file \(path): \(String(cString: strerror(errno)))")
        }
        return path
    }

    /// A pause: SIGSTOP to a local worker; SIGUSR1 to `srun`, which forwards it to the
    /// step's supervisor, which stops the worker.
    func pause(_ pid: pid_t) {
        switch launch {
        case .local: _ = Glibc.kill(pid, SIGSTOP)
        case .srun: _ = Glibc.kill(pid, SIGUSR1)
        }
    }

    /// The end of a pause: SIGCONT to a local worker; SIGUSR2 through `srun` (it does not
    /// forward SIGCONT) to the supervisor, which sends SIGCONT.
    func resume(_ pid: pid_t) {
        switch launch {
        case .local: _ = Glibc.kill(pid, SIGCONT)
        case .srun: _ = Glibc.kill(pid, SIGUSR2)
        }
    }

    /// A kill: SIGKILL to a local worker, reaped at once; SIGTERM to `srun`, which cancels the
    /// step (its processes get SIGKILL on their node), reaped later (`reap`).
    func kill(_ pid: pid_t) {
        switch launch {
        case .local:
            _ = Glibc.kill(pid, SIGKILL)
            var status: Int32 = 0
            _ = waitpid(pid, &status, 0)
        case .srun:
            _ = Glibc.kill(pid, SIGTERM)
            ending.append(pid)
            reap()
        }
    }

    /// Reaps the `srun` processes of killed steps that have exited.
    func reap() {
        ending.removeAll { p in
            var status: Int32 = 0
            return waitpid(p, &status, WNOHANG) != 0
        }
    }

    /// Waits for `pids` (workers told to shut down) to exit until `grace` wall seconds have
    /// passed, then ends the rest (SIGKILL locally; through `srun` SIGTERM, then SIGKILL to
    /// `srun` itself after as long again), and removes the key folder.
    func finish(_ pids: [pid_t], grace: Double) {
        let all = pids.filter { $0 > 0 } + ending
        ending = []
        var left = Set(all)
        func wait(until deadline: Double) {
            while !left.isEmpty && monotonicNow() < deadline {
                for p in left { var status: Int32 = 0; if waitpid(p, &status, WNOHANG) != 0 { left.remove(p) } }
                if !left.isEmpty { DutyCycle.sleep(seconds: 0.005) }
            }
        }
        wait(until: monotonicNow() + grace)
        if case .srun = launch, !left.isEmpty {
            for p in left { _ = Glibc.kill(p, SIGTERM) }
            wait(until: monotonicNow() + grace)
        }
        for p in left { _ = Glibc.kill(p, SIGKILL); var status: Int32 = 0; _ = waitpid(p, &status, 0) }
        removeKeys()
    }

    /// Removes this run's key folder (srun), whatever happened to the run.
    func removeKeys() {
        if let keyFolder { try? FileManager.default.removeItem(atPath: keyFolder) }
        keyFolder = nil
    }

    /// Seconds to wait for workers to exit after `shutdown`: a local process exits in
    /// milliseconds; an `srun` step also waits for Slurm to see its task end.
    var shutdownGrace: Double {
        if case .srun = launch { return 10 }
        return 2
    }

    /// `tool`'s path: itself if it names a file, else the first on PATH.
    static func which(_ tool: String) -> String? {
        if tool.contains("/") { return FileManager.default.isExecutableFile(atPath: tool) ? tool : nil }
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        return path.split(separator: ":").map { "\($0)/\(tool)" }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }
}
