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
    /// a kernel's inputs, computing it, and then idling compute · (1/s − 1) as its device's
    /// duty cycle does, over and over — so the cores, the caches and the other devices
    /// interfere with each computation as they will in the run (a small kernel run right
    /// after another, back to back, finds warm caches that a duty-cycled worker does not).
    /// The median CPU seconds of the computations becomes the kernel's time; the input
    /// generation and checksum rates are measured again too. A shared machine's speed moves
    /// with its load, so `validate` does this just before a scenario's replications.
    public static func remeasured(_ profile: DeviceProfile, for tasks: TaskTable, speeds: [Double]) -> DeviceProfile {
        var kernels: [TensorKernel] = []
        for w in tasks.work { if case .kernel(let k) = w, !kernels.contains(k.asFP32) { kernels.append(k.asFP32) } }
        var p = profile
        let devices = Array((speeds.isEmpty ? [1] : speeds).prefix(64))
        for kernel in kernels {
            let times = Mutex<[Double]>([])
            let done = DispatchSemaphore(value: 0)
            for speed in devices {
                let thread = Thread {
                    var runner = KernelRunner(threads: 1)
                    _ = runner.run(kernel, seed: 0)   // as a worker's first attempt: buffers in place
                    let cycle = DutyCycle(speed: speed)
                    var mine: [Double] = []
                    let start = monotonicSeconds()
                    while mine.count < 40 && (mine.count < 3 || monotonicSeconds() - start < 0.5) {
                        let r = runner.run(kernel, seed: UInt64(mine.count + 1))
                        mine.append(r.cpuSeconds)
                        DutyCycle.sleep(seconds: cycle.idleSeconds(afterComputing: r.seconds, cpuSeconds: r.cpuSeconds))
                    }
                    times.withLock { $0 += mine }
                    done.signal()
                }
                thread.start()
            }
            for _ in devices { done.wait() }
            let sorted = times.withLock { $0 }.sorted()
            p.kernels.removeAll { $0.kernel.asFP32 == kernel }
            p.kernels.append(.init(kernel: kernel, seconds: ValidationStatistics.median(sorted), minSeconds: sorted[0], repeats: sorted.count))
        }
        p.inputElementsPerSecond = Calibrator.inputGenerationRate()
        p.checksumElementsPerSecond = Calibrator.checksumRate()
        return p
    }
}
