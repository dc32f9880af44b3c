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

    /// The device's seconds for a whole attempt that used `cpuSeconds` of CPU, of which
    /// `computeCPUSeconds` in the computation proper: (cpu − compute) + compute / s, the
    /// calibrated cost model's formula. A worker's attempt ends that long after it began
    /// even when this machine could not run it that fast (more contention than the
    /// computation's slack, a wake-up late on a busy host): its CPU seconds are the device's
    /// work, the host's scheduling is not. Nil at s > 1, which cannot be emulated: the
    /// attempt ends when it ends.
    public func deviceSeconds(attemptCPUSeconds cpuSeconds: Double, computeCPUSeconds: Double) -> Double? {
        guard isExact else { return nil }
        let compute = max(0, computeCPUSeconds)
        return max(0, cpuSeconds - compute) + compute / speed
    }

    /// The device's seconds for `.seconds` work that used `cpuSeconds` of CPU: cpu / s (nil
    /// at s > 1).
    public func deviceSeconds(cpuSeconds: Double) -> Double? {
        isExact ? max(0, cpuSeconds) / speed : nil
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

    /// How long before a deadline an emulated wait stops sleeping and spins (`sleepPrecisely`,
    /// the coordinator's timers): a wake-up on this machine kind comes 50–100 µs late (the
    /// kernel's timer slack, then the wake-up itself), which a spin of this length removes.
    public static let spinSeconds = 100e-6

    /// Sleeps `seconds` and wakes on time: sleeps until `spinSeconds` before the end, then
    /// spins. An emulated device's idle ends when its time is up; a plain sleep ended each
    /// attempt about 0.1 ms late — a per-attempt offset the model does not have, 1–2% of a
    /// short task's time.
    public static func sleepPrecisely(seconds: Double) {
        guard seconds > 0 else { return }
        let end = monotonicNow() + seconds
        sleep(seconds: seconds - spinSeconds)
        while monotonicNow() < end {}
    }

    /// Makes this process's timed waits end when due: Linux lets a sleep or a poll time-out
    /// end up to the thread's timer slack late (50 µs by default) to batch wake-ups; the
    /// reference runtime's emulated delays and idles want them on time. Threads started after
    /// the call inherit it. Linux only; a no-op elsewhere.
    public static func tightenTimerSlack() {
        typealias Prctl = @convention(c) (Int32, UInt, UInt, UInt, UInt) -> Int32
        // prctl is variadic in C (Swift does not import it): call it through its address.
        guard let handle = dlopen(nil, RTLD_NOW), let sym = dlsym(handle, "prctl") else { return }
        let PR_SET_TIMERSLACK: Int32 = 29
        _ = unsafeBitCast(sym, to: Prctl.self)(PR_SET_TIMERSLACK, 1, 0, 0, 0)
    }

    /// Sleeps at least `seconds` (nanosleep, resumed after signals such as SIGCONT).
    public static func sleep(seconds: Double) {
        guard seconds > 0 else { return }
        var request = timespec(tv_sec: Int(seconds), tv_nsec: Int((seconds - Double(Int(seconds))) * 1e9))
        var remaining = timespec()
        while nanosleep(&request, &remaining) != 0 && errno == EINTR { request = remaining }
    }
}
