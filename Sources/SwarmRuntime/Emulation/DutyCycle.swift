#if canImport(Glibc)
import Glibc
#endif

/// Emulates a device slower than this machine by duty-cycling: compute at full speed, then
/// stay idle for the remainder, so a device of relative speed s (0 < s ≤ 1) takes
/// `computeSeconds / s` in all: idle = computeSeconds · (1/s − 1). The contention-absorbing
/// form counts the computation's CPU seconds instead (see `idleSeconds(afterComputing:cpuSeconds:)`).
///
/// A device faster than this machine (s > 1) cannot be emulated this way; `idleSeconds`
/// returns 0 and `isExact` is false, and validation scenarios keep every speed ≤ 1 (they
/// express speeds relative to the fastest device, which is this machine).
public struct DutyCycle: Sendable, Equatable {
    /// Speed relative to this machine: 1 = as fast, 0.5 = twice as slow.
    public var speed: Double

    public init(speed: Double) {
        precondition(speed > 0 && speed.isFinite, "a duty cycle needs a positive finite speed (got \(speed))")
        self.speed = speed
    }

    /// Whether this speed can be emulated exactly (s ≤ 1).
    public var isExact: Bool { speed <= 1 }

    /// Seconds to stay idle after `computeSeconds` of real work.
    public func idleSeconds(afterComputing computeSeconds: Double) -> Double {
        speed >= 1 ? 0 : max(0, computeSeconds) * (1 / speed - 1)
    }

    /// Seconds to stay idle after a computation that took `wallSeconds` and used `cpuSeconds`
    /// of CPU: the device's time is cpuSeconds / s, so idle = max(0, cpuSeconds / s − wall).
    /// On an idle machine (cpu = wall) this is `idleSeconds(afterComputing:)`; when other
    /// processes share the cores and stretch the wall time, the idle part shrinks to absorb
    /// it — contention up to a factor 1/s costs an emulated device nothing. Beyond that (and
    /// always at s = 1) the device is slower than emulated.
    public func idleSeconds(afterComputing wallSeconds: Double, cpuSeconds: Double) -> Double {
        speed >= 1 ? 0 : max(0, max(0, cpuSeconds) / speed - wallSeconds)
    }

    /// Seconds to stay idle after a whole attempt — input generation, the computation proper
    /// and the output checksum — that took `wallSeconds` and used `cpuSeconds` of CPU, of
    /// which `computeCPUSeconds` in the computation proper. The emulated device takes what
    /// the calibrated cost model says: the work around the kernel at this machine's speed, the
    /// kernel at speed s, i.e. (cpu − compute) + compute / s; idle = that − wall. Counting
    /// CPU over the whole attempt absorbs contention that hits the input or the checksum too
    /// (many workers woken at once on few cores queue for them), up to the computation's
    /// slack, compute · (1/s − 1).
    public func idleSeconds(afterAttempt wallSeconds: Double, cpuSeconds: Double, computeCPUSeconds: Double) -> Double {
        guard speed < 1 else { return 0 }
        let compute = max(0, computeCPUSeconds)
        return max(0, max(0, cpuSeconds - compute) + compute / speed - wallSeconds)
    }

    /// Runs `work` (which returns the seconds it computed), then sleeps the idle remainder;
    /// returns the work's result and the emulated duration (compute + idle, as slept).
    public func run<T>(_ work: () throws -> (T, computeSeconds: Double)) rethrows -> (result: T, emulatedSeconds: Double) {
        let start = monotonicNow()
        let (value, compute) = try work()
        let idle = idleSeconds(afterComputing: compute)
        if idle > 0 { DutyCycle.sleep(seconds: idle) }
        return (value, monotonicNow() - start)
    }

    /// Sleeps at least `seconds` (nanosleep, resumed after signals such as SIGCONT).
    public static func sleep(seconds: Double) {
        guard seconds > 0 else { return }
        var request = timespec(tv_sec: Int(seconds), tv_nsec: Int((seconds - Double(Int(seconds))) * 1e9))
        var remaining = timespec()
        while nanosleep(&request, &remaining) != 0 && errno == EINTR { request = remaining }
    }
}
