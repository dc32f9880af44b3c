import Foundation

/// The supervised worker's pid, for the supervisor's signal handlers (which cannot capture).
nonisolated(unsafe) var supervisedWorker: pid_t = 0

extension Worker {
    /// Why a worker cannot start: the variable and what it expected.
    struct SetupRefusal: Error { var text: String }

    /// Where the coordinator is: `SWARMLAB_COORDINATOR` (HOST:PORT, set by every launcher),
    /// else `SWARMLAB_PORT` on 127.0.0.1 (a worker started by hand or by an older coordinator).
    static func coordinatorAddress(_ env: [String: String]) -> Result<TCPAddress, SetupRefusal> {
        if let text = env["SWARMLAB_COORDINATOR"] {
            switch TCPAddress.parse(text) {
            case .success(let a) where a.port > 0: return .success(a)
            case .success: return .failure(SetupRefusal(text: "SWARMLAB_COORDINATOR: expected a port 1...65535, got '\(text)'"))
            case .failure(let e): return .failure(SetupRefusal(text: "SWARMLAB_COORDINATOR: \(e)"))
            }
        }
        guard let portText = env["SWARMLAB_PORT"], let port = UInt16(portText), port > 0 else {
            return .failure(SetupRefusal(text: "SWARMLAB_PORT: expected a TCP port (1...65535), got \(env["SWARMLAB_PORT"].map { "'\($0)'" } ?? "nothing")"))
        }
        return .success(TCPAddress(host: "127.0.0.1", port: port))
    }

    /// The device's key: from `SWARMLAB_KEY` (hex; local spawn), or from the file
    /// `SWARMLAB_KEY_FILE` names (`srun`), which must be a regular file of this user that no
    /// one else can read or write (mode 0600 or stricter), as ssh insists for its keys.
    static func deviceKey(_ env: [String: String]) -> Result<[UInt8], SetupRefusal> {
        let text: String
        if let k = env["SWARMLAB_KEY"] {
            text = k
        } else if let path = env["SWARMLAB_KEY_FILE"] {
            var st = stat()
            guard stat(path, &st) == 0 else { return .failure(SetupRefusal(text: "SWARMLAB_KEY_FILE: cannot read \(path): \(String(cString: strerror(errno)))")) }
            guard (st.st_mode & S_IFMT) == S_IFREG, st.st_uid == getuid(), st.st_mode & 0o077 == 0 else {
                return .failure(SetupRefusal(text: "SWARMLAB_KEY_FILE: \(path) must be a regular file of this user with mode 0600 (found mode \(String(st.st_mode & 0o777, radix: 8)), owner \(st.st_uid)); refusing a key others could read"))
            }
            guard let contents = try? String(contentsOfFile: path, encoding: .utf8) else {
                return .failure(SetupRefusal(text: "SWARMLAB_KEY_FILE: cannot read \(path)"))
            }
            text = contents.trimmingCharacters(in: .whitespacesAndNewlines)
        } else {
            return .failure(SetupRefusal(text: "SWARMLAB_KEY or SWARMLAB_KEY_FILE: expected the device's HMAC key (64 hex digits), found neither"))
        }
        guard let bytes = hexBytes(text), bytes.count == 32 else {
            return .failure(SetupRefusal(text: "\(env["SWARMLAB_KEY"] != nil ? "SWARMLAB_KEY" : "SWARMLAB_KEY_FILE"): expected 64 hex digits (the device's HMAC key)"))
        }
        return .success(bytes)
    }

    /// A worker started by `srun` (`SWARMLAB_SUPERVISE=1`) runs this: it starts the real
    /// worker (this executable, same arguments) as its child and turns what `srun` forwards
    /// into the churn a local coordinator would signal: SIGUSR1 → SIGSTOP, SIGUSR2 → SIGCONT
    /// (`srun` forwards neither SIGSTOP — it would stop `srun` — nor SIGCONT). A kill is the
    /// step's cancellation (SIGTERM to `srun`), which ends both processes. Returns the
    /// child's exit status.
    static func supervise(_ env: [String: String]) -> Int32 {
        var childEnv = env
        childEnv["SWARMLAB_SUPERVISE"] = nil
        childEnv["SWARMLAB_SUPERVISED"] = "1"
        let exe = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        _ = signal(SIGUSR1) { _ in if supervisedWorker > 0 { _ = kill(supervisedWorker, SIGSTOP) } }
        _ = signal(SIGUSR2) { _ in if supervisedWorker > 0 { _ = kill(supervisedWorker, SIGCONT) } }
        do {
            supervisedWorker = try Coordinator.launch(exe, arguments: Array(CommandLine.arguments.dropFirst()), environment: childEnv)
        } catch { return fail("cannot start the supervised worker: \(error)") }
        var status: Int32 = 0
        while waitpid(supervisedWorker, &status, 0) < 0 && errno == EINTR {}
        supervisedWorker = 0
        // WIFEXITED / WEXITSTATUS (macros Swift does not import).
        return status & 0x7f == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
    }

    /// A supervised worker ignores SIGUSR1 and SIGUSR2: Slurm may deliver what `srun`
    /// forwards to every process of the step, and they are its supervisor's to act on.
    static func ignoreSupervisorSignals(_ env: [String: String]) {
        guard env["SWARMLAB_SUPERVISED"] == "1" else { return }
        _ = signal(SIGUSR1, SIG_IGN)
        _ = signal(SIGUSR2, SIG_IGN)
    }
}
