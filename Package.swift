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
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        // The Kubernetes API over HTTPS with custom CAs and client certificates.
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.6"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
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
                .product(name: "Yams", package: "Yams"),
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
                "AMEKubernetes",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .executableTarget(name: "ame", dependencies: ["AMECLI"]),
        // Runs steps as Pods: the API client, the run → Pod translation, the executor and
        // the in-Pod agent's side.
        .target(
            name: "AMEKubernetes",
            dependencies: [
                "AMECore",
                "AMESystem",
                "AMEEngine",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Yams", package: "Yams"),
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        // A stand-in for the Kubernetes API that AME uses, which runs Pods as local processes.
        .target(
            name: "KubernetesHarness",
            dependencies: [
                "AMESystem",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "HummingbirdTLS", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Yams", package: "Yams"),
            ],
            path: "Tests/KubernetesHarness"
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
        // The jobs API's behaviour through the real `ame` binary, against every transport.
        .testTarget(
            name: "ContractTests",
            dependencies: ["AMECore", "AMESystem", "AMETestSupport"]
        ),
        .testTarget(
            name: "AMEKubernetesTests",
            dependencies: [
                "AMEKubernetes", "KubernetesHarness", "AMEEngine", "AMECore", "AMESystem", "AMETestSupport",
                .product(name: "Yams", package: "Yams"),
            ],
            exclude: ["Golden"]
        ),
        .testTarget(
            name: "AMEEngineTests",
            dependencies: ["AMEEngine", "AMECore", "AMESystem", "AMETestSupport"]
        ),
    ],
    swiftLanguageModes: [.v6]
)
