// swift-tools-version:6.0
// The libFuzzer harness: one executable, one target per reader chosen by SWARMLAB_FUZZ_TARGET.
// A package of its own so the normal build never sees it; build and run it with `make fuzz`
// (scripts/fuzz), which uses its own scratch path (.build/fuzz). README.md says how.
import PackageDescription

let package = Package(
    name: "SwarmlabFuzz",
    platforms: [.macOS(.v15)],
    dependencies: [.package(name: "Swarmlab", path: "..")],
    targets: [
        .executableTarget(name: "swarmlab-fuzz", dependencies: [
            .product(name: "SwarmLab", package: "Swarmlab"),
            .product(name: "SwarmRuntime", package: "Swarmlab"),
        ]),
    ],
    swiftLanguageModes: [.v6]
)
