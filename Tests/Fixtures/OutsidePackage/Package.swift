// swift-tools-version:6.0
// A user's own package, outside Swarmlab's: it depends on Swarmlab by path and runs a policy
// of its own with `import SwarmLab` alone. Built and run by Tests/SwarmLabTests/OutsidePackageTests.swift.
import PackageDescription

let package = Package(
    name: "OutsidePackage",
    platforms: [.macOS(.v15)],
    dependencies: [.package(name: "Swarmlab", path: "../../..")],
    targets: [
        .executableTarget(name: "CustomPolicyRun", dependencies: [.product(name: "SwarmLab", package: "Swarmlab")]),
    ]
)
