import Foundation
import SwarmKernel
import SwarmModel
import SwarmRuntime

extension Validation {
    /// Each device's speed relative to this machine, as the runtime emulates it (`plan`).
    public static func deviceSpeeds(_ fleet: Fleet) -> [Double] {
        let reference = referenceFlops(fleet)
        return (0..<fleet.count).map { fleet.deviceClass($0).cpuFlops / reference }
    }

    /// The profile with the kernels `tasks` use measured again now, the way the run's workers
    /// will run them: in one `swarmlab-worker` process per emulated device (`speeds`, at most
    /// 64; `worker`: the executable, found as the runtime finds it), started as the run starts
    /// its workers, each generating a kernel's inputs, computing it, checksumming its output
    /// and then idling as its device's duty cycle does (`DutyCycle.idleSeconds(afterAttempt:…)`),
    /// over and over, all at once (`WorkerMeasurement`), with `gapSeconds` more idle between
    /// computations (`idleBetweenComputations` of a simulation of the run) — so the cores,
    /// the caches and the other devices interfere with each computation as they will in the
    /// run (a small kernel run right after another finds warm caches; one run after 80 ms of
    /// emulated network took 1.1× the CPU). The mean CPU seconds of the computations becomes the kernel's time, and the mean
    /// CPU seconds around them (inputs, checksum, call) its `aroundSeconds`: measured at the
    /// kernel's own sizes, where the machine's generation and checksum rates (best of a few
    /// back-to-back passes over 16 MB) are not. The mean, not the median: a makespan is a sum
    /// of attempts, and a kernel's CPU times have a right tail (1–26% above the median in the
    /// mean, run to run) that the median leaves out and the workers pay. Their coefficient of
    /// variation becomes the kernel's `spread` (`ComputeSpread`: a factor of mean 1). A shared
    /// machine's speed moves with its load, so `validate` does this just before each
    /// replication's reference run and just after it, and pools the two (`pooled`).
    public static func remeasured(_ profile: DeviceProfile, for tasks: TaskTable, speeds: [Double], worker: String? = nil,
                                  gapSeconds: Double = 0) throws -> DeviceProfile {
        withRatesMeasuredNow(self.profile(profile, measured: try measureKernels(for: tasks, speeds: speeds, worker: worker,
                                                                                 gapSeconds: gapSeconds)))
    }

    /// `p` with this machine's input-generation and checksum rates measured now.
    static func withRatesMeasuredNow(_ p: DeviceProfile) -> DeviceProfile {
        var p = p
        p.inputElementsPerSecond = Calibrator.inputGenerationRate()
        p.checksumElementsPerSecond = Calibrator.checksumRate()
        return p
    }

    /// The kernels `tasks` use, each with its computations as `remeasured` measures them
    /// (in worker processes, as the run's devices meet them).
    public static func measureKernels(for tasks: TaskTable, speeds: [Double], worker: String? = nil,
                                      gapSeconds: Double = 0) throws -> [KernelSamples] {
        var kernels: [TensorKernel] = []
        for w in tasks.work { if case .kernel(let k) = w, !kernels.contains(k.asFP32) { kernels.append(k.asFP32) } }
        guard !kernels.isEmpty else { return [] }
        let devices = Array((speeds.isEmpty ? [1] : speeds).prefix(64))
        let measured = try WorkerMeasurement.run(worker: try ReferenceRuntime.locateWorker(explicit: worker), kernels: kernels,
                                                 speeds: devices, gapSeconds: gapSeconds)
        return zip(kernels, measured).map { KernelSamples(kernel: $0, samples: $1) }
    }

    /// A kernel's measured computations.
    public struct KernelSamples: Sendable, Equatable {
        public var kernel: TensorKernel
        public var samples: [WorkerMeasurement.Sample]
    }

    /// The samples of two measurements of the same kernels, kernel by kernel (`validate`
    /// measures just before a reference run and just after it).
    public static func pooled(_ a: [KernelSamples], _ b: [KernelSamples]) -> [KernelSamples] {
        var out = a
        for m in b {
            if let i = out.firstIndex(where: { $0.kernel == m.kernel }) { out[i].samples += m.samples } else { out.append(m) }
        }
        return out
    }

    /// `profile` with each measured kernel's time the mean CPU seconds of its computations,
    /// its `aroundSeconds` the mean around them, its `spread` their coefficient of variation.
    public static func profile(_ profile: DeviceProfile, measured: [KernelSamples]) -> DeviceProfile {
        var p = profile
        for m in measured where !m.samples.isEmpty {
            let times = m.samples.map(\.compute)
            let mean = times.reduce(0, +) / Double(times.count)
            let sd = (times.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(max(1, times.count - 1))).squareRoot()
            p.kernels.removeAll { $0.kernel.asFP32 == m.kernel }
            p.kernels.append(.init(kernel: m.kernel, seconds: mean, minSeconds: times.min() ?? mean, repeats: times.count,
                                   aroundSeconds: m.samples.map(\.around).reduce(0, +) / Double(m.samples.count),
                                   spread: mean > 0 ? sd / mean : nil))
        }
        return p
    }

    /// Seconds a device of `o` (a simulation) typically spends between the end of one
    /// computation and the start of its next — the network's legs, waiting for work: the
    /// median over every device's consecutive computations, at most `cap`, and `cap` when no
    /// device computes twice. What `remeasured` idles between its computations.
    public static func idleBetweenComputations(_ o: ValidationObservation, cap: Double = 0.25) -> Double {
        var byDevice: [Int: [(start: Double, end: Double)]] = [:]
        for i in o.attemptTask.indices where i < o.attemptComputeStart.count {
            let s = o.attemptComputeStart[i], e = o.attemptComputeEnd[i]
            if s.isFinite && e.isFinite { byDevice[o.attemptDevice[i], default: []].append((s, e)) }
        }
        var gaps: [Double] = []
        for (_, runs) in byDevice {
            let sorted = runs.sorted { $0.start < $1.start }
            for (a, b) in zip(sorted, sorted.dropFirst()) { gaps.append(min(cap, max(0, b.start - a.end))) }
        }
        return gaps.isEmpty ? cap : ValidationStatistics.median(gaps.sorted())
    }
}
