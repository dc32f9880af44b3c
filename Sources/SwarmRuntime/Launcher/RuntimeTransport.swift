import Foundation

/// How the reference runtime reaches its workers: the address the coordinator listens on and
/// the launcher that starts worker processes. The default is today's single machine:
/// loopback, workers spawned locally. Across hosts: listen on an address the nodes reach and
/// start workers as `srun` steps of a Slurm allocation (`docs/cluster.md`, "The runtime
/// across hosts"). The protocol (frames, HMAC keys, heartbeats) is the same either way.
public struct RuntimeTransport: Sendable, Equatable {
    /// Where the coordinator listens; workers connect to its `advertisedHost`.
    public var listen: TCPAddress
    /// How worker processes are started, paused, resumed and killed.
    public var launcher: WorkerLaunch

    public init(listen: TCPAddress = .loopback, launcher: WorkerLaunch = .local) {
        self.listen = listen; self.launcher = launcher
    }
}

/// The launcher of worker processes.
public enum WorkerLaunch: Sendable, Equatable {
    /// `posix_spawn` on this machine; the key in the worker's environment; churn by signals
    /// to the worker's pid (SIGSTOP, SIGCONT, SIGKILL).
    case local
    /// One `srun` job step per worker inside a Slurm allocation, spread over its nodes; the
    /// key in a 0600 file; churn through `srun` (`SrunLaunch`).
    case srun(SrunLaunch)

    /// The command-line name: `local` or `srun`.
    public var name: String {
        switch self { case .local: return "local"; case .srun: return "srun" }
    }
}

/// Workers as Slurm job steps: `srun --jobid=JOB --overlap --ntasks=1 --nodelist=NODE
/// swarmlab-worker --device d`, device d on node d mod nodes.
///
/// - Keys: each worker's key is written to `KEYDIR/swarmlab-keys-XXXXXX/device-d.key` (the
///   folder 0700, the file 0600, created with `O_EXCL`; removed at the end of the run) and the
///   worker is given only the file's path (`SWARMLAB_KEY_FILE`). Not the environment, as for
///   local spawn: an `srun` step's environment travels in Slurm's launch request and is
///   handed to every prolog, SPANK plugin and task it runs; the file stays on the file system
///   the nodes already share with the coordinator (the worker binary's) and only the user can
///   read it. The worker refuses a key file that others could read.
/// - Churn: `srun` forwards SIGUSR1 and SIGUSR2 to its step and cancels the step on SIGTERM
///   (it does not forward SIGSTOP, which stops `srun` itself, nor SIGCONT). A worker started
///   by `srun` therefore runs as a small supervisor (`SWARMLAB_SUPERVISE=1`) with the real
///   worker as its child: SIGUSR1 → SIGSTOP to the child (pause), SIGUSR2 → SIGCONT (resume);
///   a kill is SIGTERM to `srun`, which kills the step's processes. The coordinator signals
///   its local `srun` process, so a pause costs it no blocking call; the signal reaches the
///   worker after Slurm's forwarding (measured in `docs/cluster.md`).
public struct SrunLaunch: Sendable, Equatable {
    /// The allocation the steps run in (`SLURM_JOB_ID` inside `salloc` or `sbatch`).
    public var jobID: String
    /// Its nodes (device d runs on `nodes[d % nodes.count]`).
    public var nodes: [String]
    /// Where each run's key folder is created: a file system every node sees.
    public var keyDirectory: String
    /// The `srun` executable.
    public var srun: String

    public init(jobID: String, nodes: [String], keyDirectory: String, srun: String = "srun") {
        self.jobID = jobID; self.nodes = nodes; self.keyDirectory = keyDirectory; self.srun = srun
    }

    /// The allocation this process runs in, from `SLURM_JOB_ID` and `SLURM_JOB_NODELIST`
    /// (expanded by `scontrol show hostnames`, unless `nodes` gives them). Throws, saying what
    /// to do, outside an allocation or without Slurm's commands.
    public static func fromEnvironment(keyDirectory: String? = nil,
                                       environment: [String: String] = ProcessInfo.processInfo.environment,
                                       nodes given: [String]? = nil) throws(RuntimeError) -> SrunLaunch {
        guard let job = environment["SLURM_JOB_ID"], !job.isEmpty else {
            throw .system("--launcher srun starts workers as steps of the current Slurm allocation, but SLURM_JOB_ID is not set: "
                          + "run inside `salloc -N NODES …` or an sbatch script (docs/cluster.md)")
        }
        guard let list = environment["SLURM_JOB_NODELIST"] ?? environment["SLURM_NODELIST"], !list.isEmpty else {
            throw .system("--launcher srun: SLURM_JOB_NODELIST is not set in allocation \(job); expected the allocation's nodes")
        }
        let nodes: [String]
        if let given { nodes = given } else {
            do {
                nodes = try runTool("scontrol", ["show", "hostnames", list]).split(whereSeparator: \.isWhitespace).map(String.init)
            } catch { throw .system("--launcher srun: \(error)") }
        }
        guard !nodes.isEmpty else { throw .system("--launcher srun: `scontrol show hostnames \(list)` named no node") }
        let home = FileManager.default.homeDirectoryForCurrentUser.path
        return SrunLaunch(jobID: job, nodes: nodes, keyDirectory: keyDirectory ?? home + "/.swarmlab/keys")
    }

    /// Runs a Slurm command and returns its stdout; throws with its stderr when it fails.
    static func runTool(_ tool: String, _ arguments: [String]) throws(RuntimeError) -> String {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = [tool] + arguments
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        do { try p.run() } catch { throw .system("cannot start \(tool): \(error)") }
        let stdout = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        let stderr = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        guard p.terminationStatus == 0 else {
            let hint = p.terminationStatus == 127 ? " (is Slurm installed? `scripts/slurm-local start` gives a one-node Slurm)" : ""
            throw .system("\(tool) \(arguments.joined(separator: " ")) failed (exit \(p.terminationStatus))\(hint): "
                          + stderr.trimmingCharacters(in: .whitespacesAndNewlines))
        }
        return stdout
    }
}
