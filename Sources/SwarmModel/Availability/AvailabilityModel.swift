import SwarmKernel

/// How one class of devices comes and goes.
///
/// A device is available when its **renewal process** is ON and its **opt-in window** is
/// open. The renewal process alternates ON and OFF periods drawn from `on` and `off` — the
/// model family fitted to volunteer hosts by Javadi, Kondo, Vincent and Anderson
/// ("Discovering statistical models of availability in large distributed systems",
/// MASCOTS 2011: Weibull, log-normal and gamma fit SETI@home hosts' intervals, with shapes
/// below 1). The window carries the diurnal and weekly rhythm (phones charge at night,
/// desktops idle outside working hours) in the device's local time; each device's window is
/// shifted by its own uniform draw in ±`windowJitter` so owners do not all plug in at once.
///
/// Or the device replays a real trace (`AvailabilitySource.trace`).
public struct AvailabilityModel: Sendable {
    public var source: AvailabilitySource
    /// The opt-in window; nil = no condition.
    public var window: WeeklyWindow?
    /// Each device's window shift is uniform in [−windowJitter, +windowJitter] seconds.
    public var windowJitter: Double
    /// Probability that a renewal device starts ON; nil = the stationary E[on]/(E[on]+E[off]).
    public var initialOnProbability: Double?

    public init(source: AvailabilitySource, window: WeeklyWindow? = nil, windowJitter: Double = 0,
                initialOnProbability: Double? = nil) {
        precondition(windowJitter >= 0, "window jitter must be ≥ 0")
        precondition(initialOnProbability.map { (0...1).contains($0) } ?? true, "initial ON probability must lie in [0, 1]")
        self.source = source; self.window = window; self.windowJitter = windowJitter
        self.initialOnProbability = initialOnProbability
    }

    /// The probability a renewal device starts ON.
    public func startOnProbability(on: any Distribution, off: any Distribution) -> Double {
        initialOnProbability ?? on.mean / (on.mean + off.mean)
    }

    /// Always available (cloud VMs, cluster nodes).
    public static let alwaysOn = AvailabilityModel(source: .alwaysOn)

    /// ON/OFF renewal with the given period laws (seconds).
    public static func renewal(on: any Distribution, off: any Distribution,
                               window: WeeklyWindow? = nil, windowJitter: Double = 0) -> AvailabilityModel {
        AvailabilityModel(source: .renewal(on: on, off: off), window: window, windowJitter: windowJitter)
    }

    /// The long-run fraction of time the renewal process is ON (window not counted).
    public var renewalOnFraction: Double {
        switch source {
        case .alwaysOn: return 1
        case .renewal(let on, let off): return on.mean / (on.mean + off.mean)
        case .trace(let t, _):
            let span = t.span
            return span.end > span.start ? t.onDurations.reduce(0, +) / (span.end - span.start) / Double(max(t.hostCount, 1)) : 0
        }
    }
}

/// Where a device's ON/OFF periods come from.
public enum AvailabilitySource: Sendable {
    /// Never off.
    case alwaysOn
    /// Alternating ON and OFF periods drawn from these laws (seconds), stationary from t = 0:
    /// the first state is ON with `initialOnProbability` (default: the stationary
    /// E[on] / (E[on] + E[off])) and the first period is the *residual* of one already under
    /// way, drawn from the equilibrium law F̄(x)/E[X] (see `PeriodLaw`; laws without a known
    /// residual start fresh a warm-up of 20 mean cycles before t = 0). Both laws need finite
    /// means.
    case renewal(on: any Distribution, off: any Distribution)
    /// Replay of a real trace: device d replays host d mod hostCount from its own random
    /// phase, uniform over the trace's span (`TraceReplay`), offline outside its intervals;
    /// with `loop`, the trace repeats with the period of its span, without it the device
    /// replays one period and is then offline.
    case trace(AvailabilityTrace, loop: Bool)
}
