import Foundation

/// How busy the rest of the machine was while this process (and its children) ran: the CPU
/// the kernel counted as used (/proc/stat) minus what this process and its reaped children
/// used (getrusage), in cores, and the time the hypervisor stole. A reference run measures
/// wall time, so another program computing beside it — or a neighbour on the host — makes the
/// real side slower than the machine is; `validate` reports this beside its table so a
/// reader can tell a busy machine from a model error.
public struct MachineLoad: Sendable, Equatable {
    /// CPU seconds the whole machine spent busy (user, nice, system, irq, softirq) and stolen.
    public var busySeconds: Double
    public var stolenSeconds: Double
    /// CPU seconds of this process and of its children it has waited for.
    public var ownSeconds: Double
    /// Monotonic wall seconds.
    public var wall: Double

    public init(busySeconds: Double, stolenSeconds: Double, ownSeconds: Double, wall: Double) {
        self.busySeconds = busySeconds; self.stolenSeconds = stolenSeconds; self.ownSeconds = ownSeconds; self.wall = wall
    }

    /// The counters now; nil where /proc/stat cannot be read (not Linux).
    public static func now() -> MachineLoad? {
        guard let text = try? String(contentsOfFile: "/proc/stat", encoding: .utf8),
              let line = text.split(separator: "\n").first(where: { $0.hasPrefix("cpu ") }) else { return nil }
        return parse(statLine: String(line), ownSeconds: ownCPUSeconds(), wall: monotonicNow())
    }

    /// The counters of a /proc/stat "cpu" line (clock ticks of user, nice, system, idle,
    /// iowait, irq, softirq, steal, …).
    public static func parse(statLine: String, ownSeconds: Double, wall: Double, ticksPerSecond: Double = ticksPerSecond) -> MachineLoad? {
        let f = statLine.split(separator: " ").dropFirst().compactMap { Double($0) }
        guard f.count >= 8 else { return nil }
        let busy = f[0] + f[1] + f[2] + f[5] + f[6]
        return MachineLoad(busySeconds: busy / ticksPerSecond, stolenSeconds: f[7] / ticksPerSecond, ownSeconds: ownSeconds, wall: wall)
    }

    /// Cores busy with other work, and cores stolen, on average from `start` to this snapshot.
    public func others(since start: MachineLoad) -> (cores: Double, stolen: Double) {
        let dt = wall - start.wall
        guard dt > 0 else { return (0, 0) }
        let others = (busySeconds - start.busySeconds) - (ownSeconds - start.ownSeconds)
        return (max(0, others) / dt, max(0, stolenSeconds - start.stolenSeconds) / dt)
    }

    public static let ticksPerSecond = Double(sysconf(Int32(_SC_CLK_TCK)))

    static func ownCPUSeconds() -> Double {
        func seconds(_ who: __rusage_who) -> Double {
            var u = rusage()
            getrusage(__rusage_who_t(who.rawValue), &u)
            return Double(u.ru_utime.tv_sec) + Double(u.ru_utime.tv_usec) * 1e-6 + Double(u.ru_stime.tv_sec) + Double(u.ru_stime.tv_usec) * 1e-6
        }
        return seconds(RUSAGE_SELF) + seconds(RUSAGE_CHILDREN)
    }
}
