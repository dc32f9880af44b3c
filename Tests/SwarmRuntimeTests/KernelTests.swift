import Testing
import SwarmKernel
import SwarmModel
@testable import SwarmRuntime

@Suite("Real kernels")
struct KernelTests {
    static let small: [TensorKernel] = [
        .gemm(m: 7, n: 5, k: 9, dtype: .fp32),
        .gemm(m: 33, n: 17, k: 64, dtype: .fp32),
        .conv2d(batch: 2, inChannels: 3, outChannels: 4, height: 7, width: 6, kernel: 3, stride: 1, padding: 1, dtype: .fp32),
        .conv2d(batch: 1, inChannels: 2, outChannels: 5, height: 9, width: 9, kernel: 3, stride: 2, padding: 0, dtype: .fp16),
        .attention(batch: 2, heads: 3, seqLen: 11, headDim: 8, dtype: .fp32),
        .elementwise(count: 100, flopsPerElement: 6, dtype: .fp32),
        .reduction(count: 1000, dtype: .fp32),
        LayerPresets.transformerBlock(dModel: 16, heads: 2, seq: 8),
        LayerPresets.resnetBasicBlock(channels: 3, height: 6, width: 5),
        LayerPresets.mlp(widths: [12, 9, 4], batch: 3),
    ]

    @Test("OpenBLAS outputs match the naive reference on small sizes", arguments: small)
    func matchesReference(kernel: TensorKernel) {
        var runner = KernelRunner(threads: 1)
        let fast = runner.output(of: kernel, seed: 42)
        let slow = KernelReference.output(of: kernel, seed: 42)
        #expect(fast.count == slow.count)
        #expect(fast.count == KernelRunner.sizes(kernel).2)
        // Each output element sums at most K = 64 products of values in [-0.5, 0.5): FP32
        // rounding error stays below K·ε·Σ|aᵢbᵢ| ≤ 64 · 1.2e-7 · 16 ≈ 1.2e-4, while an indexing
        // bug shows up as errors of order 0.1.
        let tolerance: Float = 1.2e-4
        var worst: Float = 0
        for (x, y) in zip(fast, slow) { worst = max(worst, abs(x - y)) }
        #expect(worst <= tolerance, "worst difference \(worst)")
        #expect(fast.contains { $0 != 0 }, "a kernel producing only zeros compares equal trivially")
    }

    @Test("the checksum a run returns is that of the output matching the naive reference: conv2d, attention, reduction",
          arguments: [TensorKernel.conv2d(batch: 1, inChannels: 3, outChannels: 4, height: 8, width: 8, kernel: 3, stride: 1, padding: 1, dtype: .fp32),
                      .attention(batch: 1, heads: 2, seqLen: 12, headDim: 8, dtype: .fp32),
                      .reduction(count: 500, dtype: .fp32)])
    func checksumOfReference(kernel: TensorKernel) {
        var runner = KernelRunner(threads: 1)
        let out = runner.output(of: kernel, seed: 11)
        let reference = KernelReference.output(of: kernel, seed: 11)
        #expect(zip(out, reference).allSatisfy { abs($0 - $1) <= 1.2e-4 })
        let sum = out.withUnsafeBufferPointer { KernelRunner.checksum($0) }
        #expect(runner.run(kernel, seed: 11).checksum == sum)
    }

    @Test("a layer runs its parts in order on their own seeds and returns one checksum folding theirs")
    func sequenceChecksum() {
        let block = LayerPresets.transformerBlock(dModel: 16, heads: 2, seq: 8)
        var runner = KernelRunner(threads: 1)
        var expected: UInt64 = 0x5E0_0E4CE ^ UInt64(block.parts.count)
        var compute = 0.0
        for (i, part) in block.parts.enumerated() {
            let r = runner.run(part, seed: KernelRunner.partSeed(5, i))
            expected = SplitMix64.mix(expected ^ r.checksum)
            compute += r.flops
        }
        let whole = runner.run(block, seed: 5)
        #expect(whole.checksum == expected)
        #expect(whole.flops == block.flops && compute == block.flops)
        #expect(runner.run(block, seed: 6).checksum != whole.checksum)
        // a corrupted layer disagrees with the honest one
        #expect(runner.run(block, seed: 5, corruption: Corruption(seed: 1)).checksum != whole.checksum)
    }

    @Test("attention rows are convex combinations of V: every output lies within V's range")
    func attentionIsAConvexCombination() {
        let kernel = TensorKernel.attention(batch: 1, heads: 1, seqLen: 16, headDim: 4, dtype: .fp32)
        var runner = KernelRunner()
        let out = runner.output(of: kernel, seed: 3)
        let v = KernelInputs.make(count: 3 * 16 * 4, seed: 3, operand: 0)[(2 * 64)...]
        #expect(out.allSatisfy { $0 >= v.min()! - 1e-6 && $0 <= v.max()! + 1e-6 })
    }

    @Test("the same kernel and seed give the same checksum, run after run and runner after runner",
          arguments: [TensorKernel.gemm(m: 128, n: 96, k: 200, dtype: .fp32),
                      .conv2d(batch: 1, inChannels: 8, outChannels: 16, height: 20, width: 20, kernel: 3, stride: 1, padding: 1, dtype: .fp32),
                      .attention(batch: 1, heads: 4, seqLen: 64, headDim: 32, dtype: .fp32)])
    func deterministic(kernel: TensorKernel) {
        var one = KernelRunner(), two = KernelRunner()
        let first = one.run(kernel, seed: 9)
        // a different kernel in between must not leak through reused buffers
        _ = one.run(.gemm(m: 300, n: 300, k: 300, dtype: .fp32), seed: 1)
        let again = one.run(kernel, seed: 9)
        let other = two.run(kernel, seed: 9)
        #expect(first.checksum == again.checksum)
        #expect(first.checksum == other.checksum)
        #expect(one.run(kernel, seed: 10).checksum != first.checksum, "another seed, other inputs")
        #expect(first.seconds > 0 && first.flops == kernel.flops)
    }

    @Test("a corrupted result has another checksum; colluders with one seed agree", arguments: [1, 2, 3] as [UInt64])
    func corruption(seed: UInt64) {
        let kernel = TensorKernel.gemm(m: 64, n: 64, k: 64, dtype: .fp32)
        var runner = KernelRunner()
        let honest = runner.run(kernel, seed: 5).checksum
        let liar = runner.run(kernel, seed: 5, corruption: Corruption(seed: seed)).checksum
        let colluder = runner.run(kernel, seed: 5, corruption: Corruption(seed: seed)).checksum
        let loner = runner.run(kernel, seed: 5, corruption: Corruption(seed: seed &+ 100)).checksum
        #expect(liar != honest)
        #expect(colluder == liar)
        #expect(loner != liar)
    }

    @Test("inputs are a pure function of seed and operand, uniform in [-0.5, 0.5)")
    func inputs() {
        let x = KernelInputs.make(count: 10_000, seed: 7, operand: 0)
        #expect(x == KernelInputs.make(count: 10_000, seed: 7, operand: 0))
        #expect(x != KernelInputs.make(count: 10_000, seed: 7, operand: 1))
        #expect(x.allSatisfy { $0 >= -0.5 && $0 < 0.5 })
        let mean = x.reduce(0, +) / Float(x.count)
        #expect(abs(mean) < 0.01)  // σ of the mean: 0.29/√10⁴ ≈ 0.003
    }

    @Test("the runner pins OpenBLAS to the threads asked for")
    func pinsThreads() {
        let runner = KernelRunner(threads: 1)
        #expect(runner.threads == 1)
        #expect(KernelRunner.openBLASThreads == 1)
        #expect(KernelRunner.openBLASConfiguration.contains("OpenBLAS"))
    }
}

@Suite("Duty cycle")
struct DutyCycleTests {
    @Test("speed s idles computeTime·(1/s − 1) after computing", arguments: [(1.0, 2.0, 0.0), (0.5, 2.0, 2.0), (0.25, 1.0, 3.0), (2.0, 1.0, 0.0)])
    func idle(case c: (speed: Double, compute: Double, idle: Double)) {
        let d = DutyCycle(speed: c.speed)
        #expect(abs(d.idleSeconds(afterComputing: c.compute) - c.idle) < 1e-12)
        #expect(d.isExact == (c.speed <= 1))
    }

    @Test("counting CPU seconds, contention up to 1/s is absorbed and beyond it nothing is slept",
          arguments: [(0.25, 1.0, 1.0, 3.0),   // idle machine: cpu = wall, as the plain formula
                      (0.25, 2.5, 1.0, 1.5),   // 2.5× contention: the device's time is still 1/0.25 = 4 s
                      (0.25, 5.0, 1.0, 0.0),   // 5× contention exceeds 1/s = 4: no idle left
                      (1.0, 2.0, 1.0, 0.0)])   // a full-speed device never idles
    func cpuDutyCycle(case c: (speed: Double, wall: Double, cpu: Double, idle: Double)) {
        let d = DutyCycle(speed: c.speed)
        #expect(abs(d.idleSeconds(afterComputing: c.wall, cpuSeconds: c.cpu) - c.idle) < 1e-12)
        if c.wall == c.cpu { #expect(d.idleSeconds(afterComputing: c.wall, cpuSeconds: c.cpu) == d.idleSeconds(afterComputing: c.wall)) }
    }

    @Test("over a whole attempt, waiting for a core in the input or the checksum is absorbed too",
          arguments: [(0.25, 1.2, 1.2, 1.0, 3.0),   // idle machine: 0.2 s around the kernel at full speed, the kernel ×4
                      (0.25, 2.0, 1.2, 1.0, 2.2),   // 0.8 s queued (input, checksum or kernel): the device still takes 0.2 + 4
                      (0.25, 5.0, 1.2, 1.0, 0.0),   // beyond the kernel's slack: nothing left to sleep
                      (1.0, 1.2, 1.2, 1.0, 0.0)])
    func attemptDutyCycle(case c: (speed: Double, wall: Double, cpu: Double, compute: Double, idle: Double)) {
        let d = DutyCycle(speed: c.speed)
        #expect(abs(d.idleSeconds(afterAttempt: c.wall, cpuSeconds: c.cpu, computeCPUSeconds: c.compute) - c.idle) < 1e-12)
        // The plain form counts only the kernel: a wait in the input or checksum is not absorbed.
        if c.wall > c.cpu && c.speed < 1 {
            #expect(d.idleSeconds(afterComputing: c.compute, cpuSeconds: c.compute) > d.idleSeconds(afterAttempt: c.wall, cpuSeconds: c.cpu, computeCPUSeconds: c.compute))
        }
    }

    @Test("a device's time for an attempt is its CPU seconds at its speed, however long this machine took",
          arguments: [(0.25, 1.2, 1.0, 0.2 + 4.0),   // 0.2 s around the kernel at full speed, the kernel ×4
                      (1.0, 1.2, 1.0, 1.2),         // a full-speed device: its CPU seconds
                      (0.5, 0.0, 0.0, 0.0)])
    func deviceSeconds(case c: (speed: Double, cpu: Double, compute: Double, device: Double)) throws {
        let d = DutyCycle(speed: c.speed)
        let device = try #require(d.deviceSeconds(attemptCPUSeconds: c.cpu, computeCPUSeconds: c.compute))
        #expect(abs(device - c.device) < 1e-12)
        // Where the machine kept up, the attempt ends where the idle ends: wall + idle.
        for wall in [c.cpu, c.cpu * 1.5] where d.idleSeconds(afterAttempt: wall, cpuSeconds: c.cpu, computeCPUSeconds: c.compute) > 0 {
            #expect(abs(wall + d.idleSeconds(afterAttempt: wall, cpuSeconds: c.cpu, computeCPUSeconds: c.compute) - device) < 1e-12)
        }
        // Busy `.seconds` work: its CPU seconds over the speed.
        #expect(d.deviceSeconds(cpuSeconds: 2) == 2 / c.speed)
        // Faster than this machine cannot be emulated: no device time to end at.
        #expect(DutyCycle(speed: 2).deviceSeconds(attemptCPUSeconds: c.cpu, computeCPUSeconds: c.compute) == nil)
    }

    @Test("a kernel's CPU seconds are measured and never exceed its wall time by much")
    func cpuSeconds() {
        var runner = KernelRunner()
        let r = runner.run(.gemm(m: 256, n: 256, k: 256, dtype: .fp32), seed: 2)
        #expect(r.cpuSeconds > 0)
        #expect(r.cpuSeconds <= r.seconds * 1.05 + 1e-3)   // one thread cannot use more CPU than wall time
    }

    @Test("running through a duty cycle takes about compute / speed")
    func runs() {
        let d = DutyCycle(speed: 0.5)
        let (value, seconds) = d.run { () -> (Int, computeSeconds: Double) in (7, 0.02) }
        #expect(value == 7)
        // slept 0.02·(1/0.5 − 1) = 0.02 s; nanosleep never wakes early
        #expect(seconds >= 0.02)
        #expect(seconds < 1)
    }
}

@Suite("Worker warm-up")
struct WorkerWarmUpTests {
    @Test("a worker warms up with the plan's distinct kernels in FP32, largest first: its buffers hold the largest operands before the first attempt")
    func warmsPlanKernels() throws {
        let big = TensorKernel.elementwise(count: 1 << 22, flopsPerElement: 2, dtype: .fp16)
        let small = TensorKernel.gemm(m: 64, n: 64, k: 64, dtype: .fp32)
        var tasks = TaskTable()
        for k in [small, big, big.asFP32, small] { tasks.add(work: .kernel(k), arrival: .zero) }
        tasks.add(work: .seconds(1), arrival: .zero)
        let json = Coordinator.warmKernelsJSON(tasks)
        let kernels = WorkerCompute.warmKernels(["SWARMLAB_WARM": json])
        // fp16 and fp32 of one shape are one kernel as executed; 4 M + 4 M elements before 3 × 4 096
        #expect(kernels == [big.asFP32, small])
        var w = WorkerCompute()
        // the start-up GEMM alone (512 × 512) leaves the operands far smaller than 4 M elements
        #expect(w.runner.a.count < 1 << 22)
        w.warmUp(kernels: kernels)
        #expect(w.runner.a.count >= 1 << 22 && w.runner.c.count >= 1 << 22)
        #expect(WorkerCompute.warmKernels([:]).isEmpty && WorkerCompute.warmKernels(["SWARMLAB_WARM": "not json"]).isEmpty)
    }

    @Test("a plan of many kernel shapes warms only its eight largest")
    func capsWarmUp() {
        var tasks = TaskTable()
        for n in 1...12 { tasks.add(work: .kernel(.reduction(count: n * 1000, dtype: .fp32)), arrival: .zero) }
        let kernels = WorkerCompute.warmKernels(["SWARMLAB_WARM": Coordinator.warmKernelsJSON(tasks)])
        #expect(kernels == (5...12).reversed().map { TensorKernel.reduction(count: $0 * 1000, dtype: .fp32) })
    }
}
