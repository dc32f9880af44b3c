import Foundation
import SwarmModel

extension Coordinator {
    // MARK: processes

    /// The plan's distinct kernels in FP32 (as workers execute them), as JSON: every worker
    /// runs each once before saying hello (`WorkerCompute.warmUp(kernels:)`). At most the
    /// eight largest (by operand elements), so a plan of many shapes does not delay the start.
    static func warmKernelsJSON(_ tasks: TaskTable) -> String {
        var kernels: [TensorKernel] = []
        for w in tasks.work { if case .kernel(let k) = w, !kernels.contains(k.asFP32) { kernels.append(k.asFP32) } }
        let largest = kernels.sorted { $0.inputElements + $0.outputElements > $1.inputElements + $1.outputElements }.prefix(8)
        return String(decoding: (try? JSONEncoder().encode(Array(largest))) ?? Data("[]".utf8), as: UTF8.self)
    }

    /// Starts device `d`'s worker through the run's launcher (local spawn or `srun`).
    func spawn(_ d: Int) throws {
        // an injected fault (tests): the worker stops reading after k assignments
        let extra = options.faults?.stopReading[d].map { ["SWARMLAB_FAULT_STOP_READING": "\($0)"] } ?? [:]
        pid[d] = try launcher.start(device: d, key: keys.deviceKeyBytes(d), warmKernels: warmKernels, extra: extra)
    }

    /// Starts `path` with a clean signal state (empty mask, default dispositions: the calling
    /// thread may block signals — a dispatch or test thread does — and a worker must receive
    /// SIGCONT) and only stdin, stdout and stderr open (an inherited descriptor would keep the
    /// caller's files open, and their locks held: HDF5 locks files with flock). `stderr`, if
    /// given, becomes the child's standard error. `newSession`: the child starts its own
    /// session (`setsid`), hence its own scheduling autogroup on Linux, as an `srun` step does.
    static func launch(_ path: String, arguments: [String], environment: [String: String],
                       stderr: Int32? = nil, newSession: Bool = false) throws(RuntimeError) -> pid_t {
        let argv: [UnsafeMutablePointer<CChar>?] = ([path] + arguments).map { strdup($0) } + [nil]
        let envp: [UnsafeMutablePointer<CChar>?] = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { for p in argv { free(p) }; for p in envp { free(p) } }
        var attr = posix_spawnattr_t()
        posix_spawnattr_init(&attr)
        defer { posix_spawnattr_destroy(&attr) }
        var empty = sigset_t(), all = sigset_t()
        sigemptyset(&empty); sigfillset(&all)
        posix_spawnattr_setsigmask(&attr, &empty)
        posix_spawnattr_setsigdefault(&attr, &all)
        let setsid: Int32 = 0x80   // POSIX_SPAWN_SETSID (glibc ≥ 2.26), not imported by Swift
        posix_spawnattr_setflags(&attr, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF | (newSession ? setsid : 0)))
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        if let e = stderr { posix_spawn_file_actions_adddup2(&actions, e, 2) }
        closeInherited(&actions)
        var child: pid_t = 0
        let r = posix_spawn(&child, path, &actions, &attr, argv, envp)
        guard r == 0 else { throw .system("posix_spawn \(path): \(String(cString: strerror(r)))") }
        return child
    }

    /// Adds "close every descriptor from 3 up" to `actions`: glibc's
    /// `posix_spawn_file_actions_addclosefrom_np` (2.34+, looked up at run time since Swift
    /// does not see it), else one close per descriptor open now (/proc/self/fd).
    static func closeInherited(_ actions: inout posix_spawn_file_actions_t) {
        typealias CloseFrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32
        if let handle = dlopen(nil, RTLD_NOW), let sym = dlsym(handle, "posix_spawn_file_actions_addclosefrom_np") {
            let closeFrom = unsafeBitCast(sym, to: CloseFrom.self)
            if closeFrom(&actions, 3) == 0 { return }
        }
        let open = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd")) ?? []
        for fd in open.compactMap({ Int32($0) }) where fd >= 3 { posix_spawn_file_actions_addclose(&actions, fd) }
    }

    /// Asks every worker to exit, wakes paused ones, and reaps them all (killing stragglers).
    func shutdown() {
        for d in 0..<n {
            if paused[d] && pid[d] > 0 { launcher.resume(pid[d]) }
            if let fd = connectionOf[d] {
                sendSequence[d] += 1
                // A worker that stopped reading gets a second, not `sendLimit`: it is killed next.
                Socket.writeAll(fd, Message.shutdown.frame(device: d, sequence: sendSequence[d]).encoded(key: deviceKeys[d]), limit: 1)
            }
        }
        launcher.finish(pid, grace: launcher.shutdownGrace)
        for d in 0..<n { pid[d] = 0 }
        for fd in connections.keys { close(fd) }
        connections.removeAll()
    }
}
