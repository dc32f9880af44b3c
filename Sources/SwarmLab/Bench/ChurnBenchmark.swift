import Foundation
import SwarmKernel
import SwarmModel

/// Churn without work: a fleet of volunteer devices with Weibull ON/OFF availability
/// (shape 0.5, scale 1 h ON; shape 0.6, scale 30 min OFF — the peer benchmark's laws)
/// spread over three regions, simulated for a horizon, every availability change a kernel
/// event. And the same fleet doing work the way `benchmarks/peers/churn_simpy.py` does, so
/// tasks completed and speed can be compared with SimPy.
public enum ChurnBenchmark {
    public enum Mode: String, Sendable, CaseIterable, Codable {
        /// Each device keeps one pending event, its next availability change, computed by the
        /// lazy `FleetAvailability` (the path models use).
        case churn
        /// The eager oracle: every renewal toggle of every device an event, a stateful
        /// stream per device.
        case eager
        /// churn_simpy.py's semantics: an ON device runs 600-s tasks back to back; going OFF
        /// loses the task in progress; starts ON with probability 0.5, its first period the
        /// residual of one under way (the peer's `--stationary`).
        case work
    }

    public struct Result: Sendable, Codable, Equatable {
        public var mode: Mode
        public var devices: Int
        public var hours: Double
        /// Wall time of the run loop, and of building the fleet and its first events.
        public var seconds: Double
        public var setupSeconds: Double
        public var events: UInt64
        public var eventsPerSecond: Double
        public var peakRSSKiB: Int
        /// (peak RSS − RSS before building the fleet) / devices.
        public var bytesPerDevice: Double
        /// Devices available at the horizon.
        public var availableAtEnd: Int
        public var tasksDone: Int
        public var tasksLost: Int
    }

    /// The benchmark's fleet: `devices` volunteer desktops over three regions.
    public static func fleet(devices: Int, work: Bool) -> Fleet {
        var c = DeviceClass.desktop
        c.name = "volunteer"
        c.availability = AvailabilityModel(source: DeviceClass.volunteerChurn, initialOnProbability: work ? 0.5 : nil)
        let third = devices / 3
        return try! Fleet(classes: [c], regions: [("eu", 1), ("us", -6), ("asia", 8)],
                          mix: [.init(className: "volunteer", region: "eu", count: devices - 2 * third),
                                .init(className: "volunteer", region: "us", count: third),
                                .init(className: "volunteer", region: "asia", count: third)])
    }

    public static func run(mode: Mode, devices: Int, hours: Double, seed: UInt64 = 7) -> Result {
        let rssBefore = currentResidentKiB()
        let start = monotonicSeconds()
        let horizon = SimTime.zero + .hours(hours)
        let sim = Simulation(expectedPending: devices)
        let fleet = fleet(devices: devices, work: mode == .work)
        var availableAtEnd = 0, done = 0, lost = 0
        var finish: () -> Void = {}
        switch mode {
        case .churn:
            let model = ChurnOnly(fleet: fleet, seed: seed, sim: sim)
            finish = { availableAtEnd = model.available }
        case .eager:
            let model = EagerAvailability(fleet: fleet, seed: seed, sim: sim)
            finish = { availableAtEnd = model.availableCount }
        case .work:
            let model = VolunteerWork(fleet: fleet, seed: seed, sim: sim)
            finish = { availableAtEnd = model.available; done = model.done; lost = model.lost }
        }
        let setup = monotonicSeconds() - start
        let t0 = monotonicSeconds()
        sim.run(until: horizon)
        let seconds = monotonicSeconds() - t0
        finish()
        let peak = peakResidentKiB()
        return Result(mode: mode, devices: devices, hours: hours, seconds: seconds, setupSeconds: setup,
                      events: sim.eventsProcessed, eventsPerSecond: Double(sim.eventsProcessed) / max(seconds, 1e-9),
                      peakRSSKiB: peak, bytesPerDevice: Double(peak - rssBefore) * 1024 / Double(max(devices, 1)),
                      availableAtEnd: availableAtEnd, tasksDone: done, tasksLost: lost)
    }
}

/// Churn only, lazily computed: one pending event per device, at its next change.
final class ChurnOnly {
    // Unchecked exclusivity: only this class's handler touches these, one at a time.
    @exclusivity(unchecked) var availability: FleetAvailability
    let sim: Simulation   // strong: calls through an unowned(unsafe) reference retain and release it (perf: a quarter of an event)
    @exclusivity(unchecked) var available = 0
    var change = EventKind(rawValue: 0)

    init(fleet: Fleet, seed: UInt64, sim: Simulation) {
        availability = FleetAvailability(fleet: fleet, seed: seed)
        self.sim = sim
        // Handlers reach the model unretained: even an unowned(unsafe) capture is retained and
        // released around each call (perf: ~10% of an event). The run's caller keeps it alive.
        let me = Unmanaged.passUnretained(self)
        change = sim.register("availability-change") { e in me._withUnsafeGuaranteedRef { $0.changed(Int(e.target)) } }
        let cursors = availability.prefetchAddress
        sim.setPrefetch(change, base: cursors.base, stride: cursors.stride)
        for d in 0..<fleet.count {
            let s = availability.state(of: d, at: .zero)
            if s.available { available += 1 }
            if s.until != .distantFuture { sim.schedule(change, target: UInt32(d), at: s.until) }
        }
    }

    func changed(_ d: Int) {
        let s = availability.state(of: d, at: sim.now)
        available += s.available ? 1 : -1
        if s.until != .distantFuture { sim.schedule(change, target: UInt32(d), at: s.until) }
    }
}

/// The SimPy peer's volunteer model: ON devices run 600-s tasks back to back; a device
/// going OFF loses (and the kernel cancels) the task in progress.
final class VolunteerWork {
    static let taskLength = SimDuration.seconds(600)
    // Unchecked exclusivity: only this class's handlers touch these, one at a time (perf: the
    // dynamic checks were 7% of a 10^5-device run).
    @exclusivity(unchecked) var availability: FleetAvailability
    let sim: Simulation   // strong: calls through an unowned(unsafe) reference retain and release it (perf: a quarter of an event)
    @exclusivity(unchecked) var running: [EventHandle?]
    @exclusivity(unchecked) var available = 0, done = 0, lost = 0
    var change = EventKind(rawValue: 0), taskDone = EventKind(rawValue: 0)

    init(fleet: Fleet, seed: UInt64, sim: Simulation) {
        availability = FleetAvailability(fleet: fleet, seed: seed)
        self.sim = sim
        running = Array(repeating: nil, count: fleet.count)
        let me = Unmanaged.passUnretained(self)   // unretained, as in ChurnOnly
        change = sim.register("availability-change") { e in me._withUnsafeGuaranteedRef { $0.changed(Int(e.target)) } }
        taskDone = sim.register("task-done") { e in me._withUnsafeGuaranteedRef { $0.finished(Int(e.target)) } }
        let cursors = availability.prefetchAddress
        sim.setPrefetch(change, base: cursors.base, stride: cursors.stride)
        // A finished task's handler touches only its device's handle.
        sim.setPrefetch(taskDone, base: running.withUnsafeBufferPointer { UnsafeRawPointer($0.baseAddress) },
                        stride: MemoryLayout<EventHandle?>.stride)
        for d in 0..<fleet.count {
            let s = availability.state(of: d, at: .zero)
            if s.available { available += 1; startTask(d) }
            if s.until != .distantFuture { sim.schedule(change, target: UInt32(d), at: s.until) }
        }
    }

    func startTask(_ d: Int) {
        running[d] = sim.schedule(taskDone, target: UInt32(d), after: VolunteerWork.taskLength)
    }

    func changed(_ d: Int) {
        let s = availability.state(of: d, at: sim.now)
        if s.available {
            available += 1
            startTask(d)
        } else {
            available -= 1
            if let h = running[d], sim.cancel(h) { lost += 1 }
            running[d] = nil
        }
        if s.until != .distantFuture { sim.schedule(change, target: UInt32(d), at: s.until) }
    }

    func finished(_ d: Int) {
        done += 1
        startTask(d)
    }
}

/// This process's current resident set, KiB (VmRSS).
func currentResidentKiB() -> Int {
    if let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) {
        for line in status.split(separator: "\n") where line.hasPrefix("VmRSS:") {
            if let kb = Int(line.dropFirst(6).split(separator: " ").first ?? "") { return kb }
        }
    }
    return 0
}
