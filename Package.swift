// swift-tools-version: 6.2
import PackageDescription

let package = Package(
    name: "AME",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "ame", targets: ["ame"]),
        .library(name: "AMECore", targets: ["AMECore"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        // Yams 5 keeps duplicate mapping keys in the node tree (6 throws on the first one),
        // which lets validation report every duplicate with its own position.
        .package(url: "https://github.com/jpsim/Yams", exact: "5.0.1"),
    ],
    targets: [
        .target(
            name: "AMECore",
            dependencies: [.product(name: "Yams", package: "Yams")]
        ),
        .target(
            name: "AMECLI",
            dependencies: [
                "AMECore",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .executableTarget(name: "ame", dependencies: ["AMECLI"]),
        .target(
            name: "AMETestSupport",
            dependencies: ["AMECore", "AMECLI"],
            path: "Tests/AMETestSupport"
        ),
        .testTarget(
            name: "AMECoreTests",
            dependencies: ["AMECore", "AMETestSupport"],
            resources: [.copy("Fixtures")]
        ),
        .testTarget(
            name: "AMECLITests",
            dependencies: ["AMECLI", "AMECore", "AMETestSupport"]
        ),
    ],
    swiftLanguageModes: [.v6]
)
