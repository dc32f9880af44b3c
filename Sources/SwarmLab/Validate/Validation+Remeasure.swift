import Foundation
import Synchronization
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
    /// will run them: one thread per emulated device (`speeds`, at most 64), each generating
    /// a kernel's inputs, computing it, checksumming its output and then idling as its
    /// device's duty cycle does (`DutyCycle.idleSeconds(afterAttempt:…)`), over and over — so
    /// the cores, the caches and the other devices interfere with each computation as they
    /// will in the run (a small kernel run right after another, back to back, finds warm
    /// caches that a duty-cycled worker does not). The median CPU seconds of the computations
    /// becomes the kernel's time, and the median CPU seconds around them (inputs, checksum,
    /// call) its `aroundSeconds`: measured at the kernel's own sizes, where the machine's
    /// generation and checksum rates (best of a few back-to-back passes over 16 MB) are not.
    /// A shared machine's speed moves with its load, so `validate` does this just before each
    /// replication's reference run. The spread of the computations' CPU seconds becomes the
    /// kernel's `spread`.
    public static func remeasured(_ profile: DeviceProfile, for tasks: TaskTable, speeds: [Double]) -> DeviceProfile {
        var kernels: [TensorKernel] = []
        for w in tasks.work { if case .kernel(let k) = w, !kernels.contains(k.asFP32) { kernels.append(k.asFP32) } }
        var p = profile
        let devices = Array((speeds.isEmpty ? [1] : speeds).prefix(64))
        for kernel in kernels {
            let times = Mutex<[(compute: Double, around: Double)]>([])
            let done = DispatchSemaphore(value: 0)
            for speed in devices {
                let thread = Thread {
                    var runner = KernelRunner(threads: 1)
                    _ = runner.run(kernel, seed: 0)   // as a warmed-up worker: buffers in place
                    let cycle = DutyCycle(speed: speed)
                    var mine: [(compute: Double, around: Double)] = []
                    let start = monotonicSeconds()
                    while mine.count < 40 && (mine.count < 3 || monotonicSeconds() - start < 0.5) {
                        let w0 = monotonicSeconds(), c0 = threadCPUSeconds()
                        let r = runner.run(kernel, seed: UInt64(mine.count + 1))
                        let wall = monotonicSeconds() - w0, cpu = threadCPUSeconds() - c0
                        mine.append((r.cpuSeconds, max(0, cpu - r.cpuSeconds)))
                        DutyCycle.sleep(seconds: cycle.idleSeconds(afterAttempt: wall, cpuSeconds: cpu, computeCPUSeconds: r.cpuSeconds))
                    }
                    times.withLock { $0 += mine }
                    done.signal()
                }
                thread.start()
            }
            for _ in devices { done.wait() }
            let all = times.withLock { $0 }
            let sorted = all.map(\.compute).sorted()
            p.kernels.removeAll { $0.kernel.asFP32 == kernel }
            let median = ValidationStatistics.median(sorted)
            let iqr = ValidationStatistics.percentile(sorted, 0.75) - ValidationStatistics.percentile(sorted, 0.25)
            p.kernels.append(.init(kernel: kernel, seconds: median, minSeconds: sorted[0], repeats: sorted.count,
                                   aroundSeconds: ValidationStatistics.median(all.map(\.around).sorted()),
                                   spread: median > 0 ? iqr / 1.349 / median : nil))
        }
        p.inputElementsPerSecond = Calibrator.inputGenerationRate()
        p.checksumElementsPerSecond = Calibrator.checksumRate()
        return p
    }
}
