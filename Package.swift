// swift-tools-version:6.0
// Swarmlab: a discrete-event simulator for AI work spread over intermittent devices.
// Targets and their direction of dependency are mapped in docs/architecture.md.
import PackageDescription

let package = Package(
    name: "Swarmlab",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "SwarmKernel", targets: ["SwarmKernel"]),
        .library(name: "SwarmModel", targets: ["SwarmModel"]),
        .library(name: "SwarmPolicies", targets: ["SwarmPolicies"]),
        .library(name: "SwarmLab", targets: ["SwarmLab"]),
        .library(name: "SwarmTestKit", targets: ["SwarmTestKit"]),
        // For the fuzz harness (Fuzz/), whose frame target decodes the runtime's wire protocol.
        .library(name: "SwarmRuntime", targets: ["SwarmRuntime"]),
        .executable(name: "swarmlab", targets: ["swarmlab"]),
        .executable(name: "swarmlab-worker", targets: ["swarmlab-worker"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/jpsim/Yams", from: "5.0.1"),
        // HMAC-SHA256 for the reference runtime's wire protocol (BoringSSL underneath).
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
    ],
    targets: [
        // Native libraries from Debian, each a module map + shim header; no Swift API.
        .systemLibrary(name: "CGSL", pkgConfig: "gsl", providers: [.apt(["libgsl-dev"])]),
        .systemLibrary(name: "CHDF5", pkgConfig: "hdf5", providers: [.apt(["libhdf5-dev"])]),
        .systemLibrary(name: "COpenBLAS", pkgConfig: "openblas", providers: [.apt(["libopenblas-dev"])]),

        // Simulated time, the future-event list, the run loop, random streams, statistics.
        .target(name: "SwarmKernel", dependencies: ["CKernelSupport"], exclude: ["README.md"]),
        // The prefetch instruction, which Swift does not expose (one static inline function).
        .target(name: "CKernelSupport", exclude: ["README.md"]),
        // The world work runs on: devices, availability and churn, network (one folder each).
        .target(name: "SwarmModel", dependencies: ["SwarmKernel"], exclude: ["README.md"]),
        // Every built-in scheduling policy, on SwarmModel's public API only.
        .target(name: "SwarmPolicies", dependencies: ["SwarmModel", "SwarmKernel"], exclude: ["README.md"]),
        .target(name: "SwarmTestKit", dependencies: ["SwarmModel", "SwarmKernel"], exclude: ["README.md"]),
        // Scenario files (issue [4]) and trace readers, with file:line diagnostics.
        .target(name: "SwarmScenario", dependencies: ["SwarmModel", .product(name: "Yams", package: "Yams")], exclude: ["README.md"]),
        // Results: confidence intervals over replications (GSL), HDF5 files (later issues).
        .target(name: "SwarmResults", dependencies: ["SwarmKernel", "SwarmModel", "CGSL", "CHDF5"], exclude: ["README.md"]),
        // The reference runtime: real kernels (OpenBLAS) in real worker processes, coordinated
        // over an authenticated loopback protocol, with latency and churn injected.
        .target(name: "SwarmRuntime", dependencies: [
            "SwarmKernel", "SwarmModel", "COpenBLAS",
            .product(name: "Crypto", package: "swift-crypto"),
        ], exclude: ["README.md"]),
        // One emulated device of the reference runtime: a thin main over SwarmRuntime's Worker.
        .executableTarget(name: "swarmlab-worker", dependencies: ["SwarmRuntime"], exclude: ["README.md"]),
        // The façade: run, sweep, validate, bench.
        .target(name: "SwarmLab", dependencies: ["SwarmKernel", "SwarmModel", "SwarmPolicies", "SwarmScenario", "SwarmResults", "SwarmRuntime"], exclude: ["README.md"],
                resources: [.copy("Report/python")]),
        // The CLI: parsing, progress, printing; no logic.
        .executableTarget(name: "swarmlab", dependencies: [
            "SwarmLab",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ], exclude: ["README.md"]),

        .target(name: "CTestSupport", path: "Tests/CTestSupport"),
        .testTarget(name: "SwarmKernelTests", dependencies: ["SwarmKernel", "CGSL", "CTestSupport"]),
        .testTarget(name: "SwarmModelTests", dependencies: ["SwarmModel", "SwarmKernel", "CGSL", "CTestSupport"]),
        .testTarget(name: "SwarmPoliciesTests", dependencies: ["SwarmPolicies", "SwarmModel", "SwarmKernel", "SwarmResults", "SwarmTestKit", "CTestSupport"]),
        .testTarget(name: "SwarmScenarioTests", dependencies: ["SwarmScenario", "SwarmModel"], exclude: ["Fixtures"]),
        .testTarget(name: "SwarmResultsTests", dependencies: ["SwarmResults", "SwarmKernel", "SwarmModel", "SwarmPolicies"]),
        .testTarget(name: "NativeLibraryTests", dependencies: ["CHDF5", "COpenBLAS", "CTestSupport"]),
        .testTarget(name: "SwarmRuntimeTests", dependencies: ["SwarmRuntime", "SwarmModel", "SwarmKernel", "SwarmPolicies"]),
        .testTarget(name: "SwarmLabTests", dependencies: ["SwarmLab", "SwarmScenario", "SwarmResults", "SwarmRuntime"], exclude: ["Snapshots", "Interop"]),
    ],
    swiftLanguageModes: [.v6]
)
