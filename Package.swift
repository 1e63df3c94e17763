// swift-tools-version: 6.2
import PackageDescription

let package = Package(
    name: "AME",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "ame", targets: ["ame"]),
        .library(name: "AMECore", targets: ["AMECore"]),
        .library(name: "AMEPluginKit", targets: ["AMEPluginKit"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        // Yams 5 keeps duplicate mapping keys in the node tree (6 throws on the first one),
        // which lets validation report every duplicate with its own position.
        .package(url: "https://github.com/jpsim/Yams", exact: "5.0.1"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
    ],
    targets: [
        // Value types only: the project file, resources, cron, manifests, the jobs API contract.
        .target(
            name: "AMECore",
            dependencies: [.product(name: "Yams", package: "Yams")]
        ),
        // fork/exec with sessions and a parent-death signal; not expressible in Swift alone.
        .target(name: "CAMESystem"),
        // Processes, /proc, file locks and atomic writes: what the engine and the CLI share.
        .target(name: "AMESystem", dependencies: ["CAMESystem"]),
        // Everything that makes a run happen; never imports HTTP.
        .target(
            name: "AMEEngine",
            dependencies: [
                "AMECore",
                "AMESystem",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        .target(
            name: "AMECLI",
            dependencies: [
                "AMECore",
                "AMESystem",
                "AMEEngine",
                "AMEPluginKit",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .executableTarget(name: "ame", dependencies: ["AMECLI"]),
        // The plugin protocol's messages and the Swift plugin runtime. Plugins depend on this
        // alone, never on AME's internals.
        .target(
            name: "AMEPluginKit",
            dependencies: [.product(name: "ArgumentParser", package: "swift-argument-parser")]
        ),
        // The Swift example plugin; built into .build/<config>/ beside `ame`, where it is found.
        .executableTarget(
            name: "ame-hello",
            dependencies: ["AMEPluginKit", .product(name: "ArgumentParser", package: "swift-argument-parser")],
            path: "plugins/examples/swift",
            exclude: ["README.md"]
        ),
        .target(
            name: "AMETestSupport",
            dependencies: ["AMECore", "AMECLI", "AMESystem"],
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
        .testTarget(
            name: "AMESystemTests",
            dependencies: ["AMESystem", "AMETestSupport"]
        ),
        .testTarget(
            name: "AMEPluginTests",
            dependencies: [
                "AMECLI", "AMECore", "AMEPluginKit", "AMESystem", "AMETestSupport",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .testTarget(
            name: "AMEEngineTests",
            dependencies: ["AMEEngine", "AMECore", "AMESystem", "AMETestSupport"]
        ),
    ],
    swiftLanguageModes: [.v6]
)
