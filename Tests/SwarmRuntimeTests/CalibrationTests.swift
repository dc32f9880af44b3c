import Foundation
import Testing
import SwarmModel
@testable import SwarmRuntime

@Suite("Calibration")
struct CalibrationTests {
    @Test("a quick calibration measures every shape and the costs around a task, and the cost model reproduces it")
    func quick() throws {
        let p = try Calibrator.run(.quick)
        #expect(p.kernels.count == Calibrator.Options.quick.shapes.count)
        #expect(p.kernels.allSatisfy { $0.seconds > 0 && $0.minSeconds <= $0.seconds && $0.repeats >= 2 && $0.flopsPerSecond > 1e6 })
        #expect(p.memoryBandwidth > 1e8 && p.inputElementsPerSecond > 1e6)
        // a serial FNV chain takes at least a cycle per element: 1e11 elements/s or more would
        // mean the optimiser skipped the work being timed
        #expect((p.checksumElementsPerSecond ?? 0) > 1e6 && (p.checksumElementsPerSecond ?? .infinity) < 1e11)
        #expect(p.perTaskOverhead > 0 && p.perTaskOverhead < 0.01)
        #expect(p.processStartSeconds > 0 && p.processStartSeconds < 1)
        #expect(p.threads == 1 && p.blas.contains("OpenBLAS"))
        // reference = the largest square GEMM's rate
        #expect(p.referenceFlopsPerSecond == p.kernels.first { $0.shape.hasPrefix("m=128 n=128 k=128") }!.flopsPerSecond)
        let model = CalibratedCostModel(profile: p, includesTaskOverheads: false)
        for s in p.kernels {
            let t = try #require(model.duration(of: s.kernel, on: p.deviceClass(name: "here"), processor: .cpu))
            #expect(abs(t - s.seconds) <= 1e-12 * s.seconds)
        }
    }

    @Test("calibration measures conv2d, attention, reduction and layers, and the calibrated model costs them from those measurements")
    func newKernels() throws {
        var o = Calibrator.Options.quick
        let layer = LayerPresets.resnetBasicBlock(channels: 4, height: 8, width: 8)
        o.shapes = [.reduction(count: 1 << 14, dtype: .fp32), layer] + o.shapes
        let p = try Calibrator.run(o)
        let kinds = Set(p.kernels.map(\.kind))
        #expect(kinds == ["gemm", "conv2d", "attention", "reduction", "sequence"])
        let model = CalibratedCostModel(profile: p, includesTaskOverheads: false)
        let here = p.deviceClass(name: "here")
        for s in p.kernels where s.kind != "gemm" {
            let t = try #require(model.duration(of: s.kernel, on: here, processor: .cpu))
            #expect(abs(t - s.seconds) <= 1e-12 * s.seconds, "\(s.kind) is costed from its measurement")
        }
        // the standard set covers every kind a scenario can name, layers included
        #expect(Set(Calibrator.standardShapes.map(\.kind)) == ["gemm", "conv2d", "attention", "elementwise", "reduction", "sequence"])
    }

    @Test("the machine class names cores, architecture and OS")
    func machineClass() {
        let c = Calibrator.machineClass()
        #expect(c.hasPrefix("\(ProcessInfo.processInfo.activeProcessorCount)-core "))
        #expect(c.split(separator: " ").count >= 3)
    }

    @Test("input elements are what the runner generates")
    func inputsMatch() {
        for k in KernelTests.small {
            let (a, b, _, _) = KernelRunner.sizes(k)
            #expect(a + b == k.inputElements, "\(k)")
        }
    }

    @Test("timing a process that cannot start is an error naming it")
    func badProcess() {
        #expect(throws: CalibrationError.self) { try Calibrator.processStart("/nonexistent/worker", times: 1) }
    }
}

@Suite("Machine load beside a reference run")
struct MachineLoadTests {
    @Test("a /proc/stat cpu line gives busy (user, nice, system, irq, softirq) and stolen seconds; others = busy − own, per wall second")
    func parse() throws {
        // user 1000, nice 100, system 400, idle 9000, iowait 50, irq 20, softirq 30, steal 10 ticks at 100 Hz
        let a = try #require(MachineLoad.parse(statLine: "cpu  1000 100 400 9000 50 20 30 10 0 0", ownSeconds: 2, wall: 100, ticksPerSecond: 100))
        #expect(a.busySeconds == (1000 + 100 + 400 + 20 + 30) / 100.0 && a.stolenSeconds == 0.1)
        // 10 s later: 1 200 busy ticks more (12 s) of which 4 s were this process's; 50 stolen ticks
        let b = try #require(MachineLoad.parse(statLine: "cpu  2000 100 600 9500 50 20 30 60 0 0", ownSeconds: 6, wall: 110, ticksPerSecond: 100))
        let o = b.others(since: a)
        #expect(abs(o.cores - (12 - 4) / 10.0) < 1e-12 && abs(o.stolen - 0.5 / 10) < 1e-12)
        #expect(MachineLoad.parse(statLine: "cpu 1 2", ownSeconds: 0, wall: 0) == nil)
    }

    @Test("this process's own computing is not counted as other load")
    func ownWorkIsNotOthers() throws {
        let a = try #require(MachineLoad.now())
        var x = 0.0
        let c0 = threadCPUSeconds()
        while threadCPUSeconds() - c0 < 0.2 { x += sin(x + 1) }   // 0.2 CPU seconds of this thread
        let b = try #require(MachineLoad.now())
        let o = b.others(since: a)
        #expect(x.isFinite)
        let dt = b.wall - a.wall, total = (b.busySeconds - a.busySeconds) / dt
        // the process's CPU covers the thread's, and it is what separates all the machine's
        // busy time from the others' (other programs may be busy too: a shared machine)
        #expect(b.ownSeconds - a.ownSeconds >= 0.2)
        #expect(o.cores == 0 || abs((total - o.cores) - (b.ownSeconds - a.ownSeconds) / dt) < 1e-9)
    }
}
