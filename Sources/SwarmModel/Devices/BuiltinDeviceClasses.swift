import SwarmKernel

/// The built-in device classes. Compute and power figures are vendor peaks (FP32, with the
/// speedups of narrower dtypes from the same data sheets); link
/// figures are medians of broadband and mobile measurements; availability laws are the
/// project's defaults in the range published for volunteer hosts. Every figure's source is in
/// the class's `sources`, and `docs/models/devices.md` explains each choice.
extension DeviceClass {
    /// Peak FP32 FLOP/s of `cores` CPU cores at `ghz` doing `flopsPerCycle` per core
    /// (e.g. 32 for AVX2 with two FMA units: 2 units × 8 lanes × 2 operations).
    public static func cpuPeak(cores: Int, ghz: Double, flopsPerCycle: Double) -> Double {
        Double(cores) * ghz * 1e9 * flopsPerCycle
    }

    /// Volunteer desktops and laptops: Weibull ON (shape 0.5, scale 1 h) and OFF (shape 0.6,
    /// scale 30 min), the parameters of the peer churn benchmark (`benchmarks/peers/`), with
    /// shapes below 1 as Javadi et al. (MASCOTS 2011) found for SETI@home hosts.
    public static let volunteerChurn = AvailabilitySource.renewal(
        on: Weibull(shape: 0.5, scale: 3600), off: Weibull(shape: 0.6, scale: 1800))

    /// A mid-range phone that volunteers while charging at night on Wi-Fi.
    public static let phone = DeviceClass(
        name: "phone",
        cpuFlops: cpuPeak(cores: 8, ghz: 2.5, flopsPerCycle: 8),          // ≈ 160 GFLOP/s
        cores: 8,
        gpuFlops: Unit.flops(tera: 1.0), gpuMemory: 4 * Unit.GiB,          // shared LPDDR
        memory: 8 * Unit.GiB, memoryBandwidth: 51.2e9, gpuMemoryBandwidth: 51.2e9,
        idleWatts: 0.5, busyWatts: 5,
        downlink: Unit.bytesPerSecond(megabitsPerSecond: 50), uplink: Unit.bytesPerSecond(megabitsPerSecond: 10),
        accessLatency: .milliseconds(20),
        availability: .renewal(on: Weibull(shape: 0.7, scale: 2 * 3600), off: Weibull(shape: 0.6, scale: 1800),
                               window: .daily(fromHour: 23, toHour: 7), windowJitter: 3600),
        sources: ["CPU: 8 Arm cores at ~2.5 GHz, 2×128-bit FMA (8 FP32 FLOP/cycle) — Arm Cortex-A7x/X-series TRMs",
                  "GPU ~1 TFLOP/s FP32: mid-range Adreno/Mali class (flagship Adreno 740 is ~3.5)",
                  "power: 0.5 W screen-off idle, ~5 W sustained SoC load (Carroll & Heiser, USENIX ATC 2010 measured a phone's components; modern SoCs throttle near 5 W)",
                  "links: mobile/Wi-Fi medians ~50/10 Mbit/s (Ookla Speedtest Global Index, 2024)",
                  "memory: LPDDR5-6400, 64-bit bus = 51.2 GB/s, shared by CPU and GPU",
                  "window: charging 23:00–07:00 local ±1 h — the overnight-charging volunteer model of BOINC for Android",
                  "dtypes, CPU: Armv8.2-A FP16 arithmetic (8 half lanes per 128-bit FMLA: 2× FP32) and SDOT/UDOT int8 dot product (16 int8 MACs per 128-bit instruction: 4×), no BF16 on Cortex-A7x before Armv8.6 — Arm Architecture Reference Manual, FEAT_FP16, FEAT_DotProd",
                  "dtypes, GPU: Adreno/Mali execute FP16 at twice the FP32 rate (Arm Mali-G78 and Qualcomm Adreno 6xx/7xx developer guides); int8 taken at 2× (packed dot product), BF16 without a fast path",
                  "memory: unified — the GPU uses the SoC's LPDDR, no copy"],
        unifiedMemory: true,
        cpuDTypeSpeedup: DTypeSpeedup(fp16: 2, bf16: 1, int8: 4),
        gpuDTypeSpeedup: DTypeSpeedup(fp16: 2, bf16: 1, int8: 2))

    /// A laptop, volunteering when idle outside working hours.
    public static let laptop = DeviceClass(
        name: "laptop",
        cpuFlops: cpuPeak(cores: 8, ghz: 3.0, flopsPerCycle: 16),        // ≈ 384 GFLOP/s
        cores: 8,
        gpuFlops: Unit.flops(tera: 3.6), gpuMemory: 8 * Unit.GiB,          // integrated, unified memory
        memory: 16 * Unit.GiB, memoryBandwidth: 100e9, gpuMemoryBandwidth: 100e9,
        idleWatts: 5, busyWatts: 35,
        downlink: Unit.bytesPerSecond(megabitsPerSecond: 90), uplink: Unit.bytesPerSecond(megabitsPerSecond: 40),
        accessLatency: .milliseconds(10),
        availability: AvailabilityModel(source: volunteerChurn, window: .offWork(fromHour: 9, toHour: 17), windowJitter: 1800),
        sources: ["CPU: 8 cores ~3 GHz, 16 FP32 FLOP/cycle (Apple M2 class)",
                  "GPU: Apple M2 10-core GPU 3.6 TFLOP/s FP32, 100 GB/s unified memory (Apple, M2 announcement, June 2022)",
                  "power: ~5 W idle, ~35 W package under load (notebook reviews of M2/Core i7 U-series)",
                  "links: fixed broadband medians ~90/40 Mbit/s (Ookla Speedtest Global Index, 2024)",
                  "dtypes, CPU: Apple M2 cores implement Armv8.6-A with FEAT_FP16 (2× FP32 lanes per NEON FMLA) and FEAT_DotProd int8 SDOT (4×); BF16 counted without a speedup — Arm ARM, Apple M2 (LLVM `apple-m2` target features)",
                  "dtypes, GPU: Apple GPUs run FP16 at the FP32 rate (Apple Metal feature-set tables: one FP32 or FP16 FMA per ALU per clock, M1/M2 3.6 TFLOP/s either way); no int8 or BF16 matrix units",
                  "memory: unified — the M2's GPU shares its 100 GB/s LPDDR5, no copy"],
        unifiedMemory: true,
        cpuDTypeSpeedup: DTypeSpeedup(fp16: 2, bf16: 1, int8: 4),
        gpuDTypeSpeedup: .none)

    /// A desktop with a consumer GPU, volunteering outside working hours.
    public static let desktop = DeviceClass(
        name: "desktop",
        cpuFlops: cpuPeak(cores: 8, ghz: 3.8, flopsPerCycle: 32),        // ≈ 973 GFLOP/s
        cores: 8,
        gpuFlops: Unit.flops(tera: 12.7), gpuMemory: 12 * Unit.GiB,
        memory: 32 * Unit.GiB, memoryBandwidth: 51.2e9, gpuMemoryBandwidth: 360e9,
        idleWatts: 60, busyWatts: 300,
        downlink: Unit.bytesPerSecond(megabitsPerSecond: 90), uplink: Unit.bytesPerSecond(megabitsPerSecond: 40),
        accessLatency: .milliseconds(10),
        availability: AvailabilityModel(source: volunteerChurn, window: .offWork(fromHour: 9, toHour: 17), windowJitter: 1800),
        sources: ["CPU: AMD Ryzen 7 5800X, 8 cores, 3.8 GHz base, AVX2 2×FMA (32 FP32 FLOP/cycle) — AMD product page",
                  "GPU: NVIDIA GeForce RTX 3060, 12.7 TFLOP/s FP32, 12 GB GDDR6 at 360 GB/s, 170 W — NVIDIA specifications",
                  "memory: dual-channel DDR4-3200 = 51.2 GB/s",
                  "power: ~60 W idle, ~300 W with CPU and GPU loaded (system measurements in GPU reviews)",
                  "links: fixed broadband medians ~90/40 Mbit/s (Ookla Speedtest Global Index, 2024)",
                  "dtypes, CPU: Zen 3 has no FP16 or BF16 arithmetic (F16C converts only: 1×) and no VNNI; int8 via AVX2 VPMADDUBSW/VPMADDWD ≈ 2× FP32 — AMD Zen 3 software optimization guide; oneDNN int8 on AVX2",
                  "dtypes, GPU: Ampere GeForce tensor cores — NVIDIA Ampere GA102 GPU Architecture whitepaper (RTX 3090: 35.6 TFLOP/s FP32, 71 TFLOP/s FP16/BF16 tensor with FP32 accumulate, 284 INT8 tensor TOPS, dense): 2× FP16/BF16, 8× int8 per SM; RTX 3060 (GA106, same SM): 25.5 TFLOP/s FP16/BF16, 102 INT8 TOPS"],
        cpuDTypeSpeedup: DTypeSpeedup(fp16: 1, bf16: 1, int8: 2),
        gpuDTypeSpeedup: DTypeSpeedup(fp16: 2, bf16: 2, int8: 8))

    /// An edge box (an embedded GPU module at a shop, school or base station): always
    /// powered, occasionally rebooted.
    public static let edgeBox = DeviceClass(
        name: "edge-box",
        cpuFlops: cpuPeak(cores: 6, ghz: 1.5, flopsPerCycle: 16),        // ≈ 144 GFLOP/s
        cores: 6,
        gpuFlops: Unit.flops(tera: 1.28), gpuMemory: 8 * Unit.GiB,         // shared LPDDR5
        memory: 8 * Unit.GiB, memoryBandwidth: 68e9, gpuMemoryBandwidth: 68e9,
        idleWatts: 7, busyWatts: 15,
        downlink: Unit.bytesPerSecond(megabitsPerSecond: 1000), uplink: Unit.bytesPerSecond(megabitsPerSecond: 1000),
        accessLatency: .milliseconds(1),
        availability: .renewal(on: Exponential(mean: 30 * 86_400), off: Exponential(mean: 600)),
        sources: ["NVIDIA Jetson Orin Nano 8GB: 6-core Arm Cortex-A78AE at 1.5 GHz, 1024-core Ampere GPU (1.28 TFLOP/s FP32 at 625 MHz), 68 GB/s LPDDR5, 7–15 W modes — NVIDIA Jetson Orin Nano data sheet",
                  "link: Gigabit Ethernet to the edge site",
                  "availability: mean 30 days up, 10 minutes per reboot (assumption, stated)",
                  "dtypes, GPU: Orin Nano 8GB 40 INT8 TOPS sparse = 20 dense (Jetson Orin Nano data sheet; the Nano has no DLA) = 15.6× its 1.28 TFLOP/s FP32; FP16/BF16 tensor at half the int8 rate (10 TFLOP/s dense, 7.8×), as on Jetson AGX Orin (Jetson AGX Orin data sheet)",
                  "dtypes, CPU: Cortex-A78AE, Armv8.2-A FP16 (2×) and int8 SDOT (4×), no BF16 — Arm Cortex-A78AE TRM",
                  "memory: unified — CPU and GPU share the 68 GB/s LPDDR5, no copy"],
        unifiedMemory: true,
        cpuDTypeSpeedup: DTypeSpeedup(fp16: 2, bf16: 1, int8: 4),
        gpuDTypeSpeedup: DTypeSpeedup(fp16: 10 / 1.28, bf16: 10 / 1.28, int8: 20 / 1.28))

    /// A cloud VM (8 vCPU compute-optimised instance): always on, billed per hour.
    public static let cloudVM = DeviceClass(
        name: "cloud-vm",
        cpuFlops: cpuPeak(cores: 4, ghz: 3.5, flopsPerCycle: 64),        // 4 cores × AVX-512 ≈ 896 GFLOP/s
        cores: 8,
        memory: 16 * Unit.GiB, memoryBandwidth: 40e9,
        idleWatts: 8 * 0.74, busyWatts: 8 * 3.5,
        downlink: Unit.bytesPerSecond(megabitsPerSecond: 12_500), uplink: Unit.bytesPerSecond(megabitsPerSecond: 12_500),
        accessLatency: .microseconds(100),
        availability: .alwaysOn, pricePerHour: 0.34,
        sources: ["AWS c6i.2xlarge: 8 vCPU (4 Ice Lake cores, 3.5 GHz turbo, AVX-512 2×FMA = 64 FP32 FLOP/cycle), 16 GiB, up to 12.5 Gbit/s — AWS EC2 instance types",
                  "power: 0.74 W/vCPU idle, 3.5 W/vCPU at full load — Cloud Carbon Footprint methodology, AWS coefficients",
                  "memory bandwidth: ~40 GB/s for a 4-core slice of an 8-channel DDR4-3200 socket (assumption, stated)",
                  "price: $0.34/h, c6i.2xlarge on-demand, us-east-1 (AWS price list, 2024)",
                  "dtypes: Ice Lake-SP has AVX-512 VNNI (Intel DL Boost: VPDPBUSD does 64 int8 MACs per 512-bit instruction vs 16 FP32 FMAs: 4×) but neither AVX512_FP16 (Sapphire Rapids) nor AVX512_BF16 (Cooper Lake): FP16/BF16 1× — Intel 3rd Gen Xeon Scalable product brief, Intel Intrinsics Guide"],
        cpuDTypeSpeedup: DTypeSpeedup(fp16: 1, bf16: 1, int8: 4))

    /// A GPU server node (one A100) in a cloud or Kubernetes node pool.
    public static let gpuServer = DeviceClass(
        name: "gpu-server",
        cpuFlops: cpuPeak(cores: 16, ghz: 3.0, flopsPerCycle: 32),       // ≈ 1.5 TFLOP/s
        cores: 16,
        gpuFlops: Unit.flops(tera: 19.5), gpuMemory: 40 * Unit.GiB,
        memory: 128 * Unit.GiB, memoryBandwidth: 204.8e9, gpuMemoryBandwidth: 1555e9,
        idleWatts: 150, busyWatts: 650,
        downlink: Unit.bytesPerSecond(megabitsPerSecond: 100_000), uplink: Unit.bytesPerSecond(megabitsPerSecond: 100_000),
        accessLatency: .microseconds(50),
        availability: .alwaysOn, pricePerHour: 4.10,
        sources: ["GPU: NVIDIA A100 SXM4 40GB, 19.5 TFLOP/s FP32 (156 TF32 tensor), 400 W TDP — NVIDIA A100 data sheet",
                  "host: 16 cores of an AMD EPYC 7003 (AVX2 2×FMA), ~250 W with the GPU idle at ~50 W",
                  "link: 100 Gbit/s node NIC",
                  "memory: A100 40GB HBM2 1,555 GB/s (data sheet); host 8-channel DDR4-3200 = 204.8 GB/s",
                  "price: ~$4.10/h per A100 40GB (p4d.24xlarge on-demand $32.77/h ÷ 8 GPUs, AWS price list, 2024)",
                  "dtypes, GPU: A100 tensor cores 312 TFLOP/s FP16 and BF16, 624 INT8 TOPS, dense (NVIDIA A100 data sheet): 16×, 16× and 32× the 19.5 TFLOP/s FP32",
                  "dtypes, CPU: EPYC 7003 (Zen 3), as the desktop's: FP16/BF16 1×, int8 ≈ 2× via AVX2, no VNNI"],
        cpuDTypeSpeedup: DTypeSpeedup(fp16: 1, bf16: 1, int8: 2),
        gpuDTypeSpeedup: DTypeSpeedup(fp16: 312 / 19.5, bf16: 312 / 19.5, int8: 624 / 19.5))

    /// Every built-in class, in a stable order (its index is the class id of generated fleets).
    public static let builtin: [DeviceClass] = [.phone, .laptop, .desktop, .edgeBox, .cloudVM, .gpuServer]
}
