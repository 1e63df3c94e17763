// swift-tools-version: 6.2
import PackageDescription

// A fully static `ame` links Foundation's static libraries. A module compiled against the
// shared Foundation (any build without --static-swift-stdlib, the debug build the tests use
// among them) asks only for libFoundation itself, so the libraries that the static Foundation
// needs come here, in one group so that their order does not matter.
let staticFoundationLibraries = ["Foundation", "FoundationEssentials", "FoundationInternationalization", "CoreFoundation",
                                 "_FoundationICU", "_FoundationCShims", "_FoundationCollections", "stdc++"]
let staticFoundationLinkFlags = (["--start-group"] + staticFoundationLibraries.map { "-l" + $0 } + ["--end-group"])
    .flatMap { ["-Xlinker", $0] }

// Targets in three lists: one literal with all of them is too much for the type checker.
let coreTargets: [Target] = [
        // Value types only: the project file, resources, cron, manifests, the jobs API contract.
        .target(
            name: "AMECore",
            dependencies: [.product(name: "Yams", package: "Yams")]
        ),
        // fork/exec with sessions and a parent-death signal; not expressible in Swift alone.
        .target(name: "CAMESystem"),
        // Processes, /proc, file locks and atomic writes: what the engine and the CLI share.
        .target(name: "AMESystem", dependencies: ["CAMESystem"]),
        // One SQLite call Swift cannot make (sqlite3_db_config is variadic).
        .target(name: "CAMESQLite", linkerSettings: [.linkedLibrary("sqlite3")]),
        // Everything that makes a run happen; never imports HTTP.
        .target(
            name: "AMEEngine",
            dependencies: [
                "AMECore",
                "AMESystem",
                "CAMESQLite",
                .product(name: "Yams", package: "Yams"),
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        // The `ame` commands people type, over the jobs API: the embedded engine or a server.
        .target(
            name: "AMECLI",
            dependencies: [
                "AMECore",
                "AMESystem",
                "AMEEngine",
                "AMEPluginKit",
                .product(name: "Crypto", package: "swift-crypto"),
                "AMEClient",
                "AMEKubernetes",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                // Tolerant reading of config.yaml's server names for completion.
                .product(name: "Yams", package: "Yams"),
                // `ame validate --remote` and the registry host methods ask registries (OCI
                // distribution API) over the HTTP client AMES3 already brings.
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ]
        ),
        // An S3 client (SigV4, ListObjectsV2, ranged GET, PUT, multipart, HEAD) for data
        // inputs and artifact destinations; plugged into the engine as its ObjectStoreProvider.
        .target(
            name: "AMES3",
            dependencies: [
                "AMEEngine",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        // `ame agent run|init|exec`: the side of `ame` that executes runs (a local run's agent
        // process, a step Pod's init and main containers), linked into the `ame` executable.
        .target(
            name: "AMEAgent",
            dependencies: [
                "AMECLI",
                "AMECore",
                "AMESystem",
                "AMEEngine",
                "AMES3",
                "AMEKubernetes",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .executableTarget(
            name: "ame",
            dependencies: ["AMECLI", "AMEAgent"],
            // A fully static executable, in every configuration (so the tests run what ships):
            // no dynamic loader, no shared libraries to map and relocate, and position-dependent,
            // so none of its 145,000 relative relocations are applied at start: every plugin
            // dispatch and both processes of an `ame run` (the CLI and the run's agent) start
            // faster than with only the Swift runtime linked in (CONTRIBUTING.md, "Benchmarks", has the
            // figures), and the Pod agent runs in any image. A static glibc has its own files
            // and DNS lookups built in; other NSS modules (users from LDAP or sssd, mDNS names)
            // it loads from the system, which works where that glibc is the one `ame` was built with.
            // A static `ame` must not end its main thread with pthread_exit (`AMEMain.start`).
            // ame-server and the plugins stay dynamically linked.
            // --no-export-dynamic: should a link line ask for -export-dynamic (the static
            // stdlib's does), 47,000 exported symbols would be walked by the runtime's dladdr
            // at every start.
            linkerSettings: [.unsafeFlags(["-static-executable", "-Xlinker", "--no-export-dynamic"] + staticFoundationLinkFlags)]
        ),
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
        // `ame jupyter`: JupyterLab on AME compute through service runs and port tunnels.
        .executableTarget(
            name: "ame-jupyter",
            dependencies: ["AMEPluginKit", .product(name: "ArgumentParser", package: "swift-argument-parser")],
            path: "plugins/ame-jupyter",
            exclude: ["README.md"]
        ),
        // `ame image`: the project's container image, built with buildah/podman/docker, pushed
        // and pinned in ame.yaml. A first-party plugin: AMEPluginKit only, never AME's internals.
        .executableTarget(
            name: "ame-image",
            dependencies: ["AMEPluginKit", .product(name: "ArgumentParser", package: "swift-argument-parser")],
            path: "plugins/ame-image",
            exclude: ["README.md"]
        ),
        // `ame mlflow`: an MLflow tracking server as a service run; records every run of an
        // enabled project through the engine's run hooks. Built beside `ame`, where it is found.
        .executableTarget(
            name: "ame-mlflow",
            dependencies: ["AMEPluginKit", .product(name: "ArgumentParser", package: "swift-argument-parser")],
            path: "plugins/ame-mlflow",
            exclude: ["README.md"],
            // The wrapper that records each step; `enable` writes it into the project.
            resources: [.embedInCode("ame_mlflow_run.py")]
        ),
]

// The server, its client, the Kubernetes executor and its test harness.
let serviceTargets: [Target] = [
        // The jobs API over HTTP (AsyncHTTPClient: no libcurl to load at every start); no engine inside.
        .target(
            name: "AMEClient",
            dependencies: [
                "AMECore",
                "AMESystem",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "WSClient", package: "swift-websocket"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // HTTP routes, tokens, metrics over the engine; thin: every route calls the engine.
        .target(
            name: "AMEServer",
            dependencies: [
                "AMECore",
                "AMESystem",
                "AMEEngine",
                "AMEKubernetes",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdWebSocket", package: "hummingbird-websocket"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            // The dashboard's stylesheet, script and icon are compiled in: no CDN, works air-gapped.
            resources: [
                .embedInCode("openapi.yaml"),
                .embedInCode("Dashboard/Assets/dashboard.css"),
                .embedInCode("Dashboard/Assets/dashboard.js"),
                .embedInCode("Dashboard/Assets/favicon.svg"),
            ]
        ),
        .executableTarget(
            name: "ame-server",
            dependencies: ["AMEServer"]
        ),
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
]

let testTargets: [Target] = [
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
            dependencies: ["AMECLI", "AMEAgent", "AMECore", "AMEEngine", "AMESystem", "AMETestSupport"]
        ),
        .testTarget(
            name: "AMESystemTests",
            dependencies: ["AMESystem", "AMETestSupport"]
        ),
        // A user's AME against `ame-server --executor kubernetes` over the harness, for the
        // test targets whose promises hold on Kubernetes too.
        .target(
            name: "KubernetesTestSupport",
            dependencies: ["AMESystem", "AMETestSupport", "KubernetesHarness"],
            path: "Tests/KubernetesTestSupport"
        ),
        // The jobs API's behaviour through the real `ame` binary, against every transport.
        .testTarget(
            name: "ContractTests",
            dependencies: ["AMECore", "AMESystem", "AMETestSupport", "KubernetesHarness", "KubernetesTestSupport"]
        ),
        // SigV4 against AWS's published vectors; the client against a real moto server.
        .testTarget(
            name: "AMES3Tests",
            dependencies: ["AMES3", "AMEEngine", "AMECore", "AMESystem", "AMETestSupport"]
        ),
        .testTarget(
            name: "AMEPluginTests",
            dependencies: [
                "AMECLI", "AMECore", "AMEPluginKit", "AMESystem", "AMETestSupport",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        // Completion in real bash, zsh and fish; the committed completions/ and man/.
        .testTarget(
            name: "CompletionTests",
            dependencies: ["AMECLI", "AMETestSupport"],
            exclude: ["Drivers"]
        ),
        // `ame jupyter` end to end: a real JupyterLab from PyPI, its REST API and a kernel
        // over WebSocket, through the embedded engine and a live server.
        .testTarget(
            name: "JupyterTests",
            dependencies: ["AMECore", "AMESystem", "AMETestSupport", "KubernetesTestSupport"]
        ),
        // `ame image` against a real registry (Debian's docker-registry on loopback) with buildah,
        // and `ame validate --remote`.
        .testTarget(
            name: "AMEImageTests",
            dependencies: ["AMECLI", "AMECore", "AMESystem", "AMETestSupport"]
        ),
        .testTarget(
            name: "AMEServerTests",
            dependencies: [
                "AMEServer", "AMEClient", "AMEEngine", "AMECore", "AMESystem", "AMETestSupport",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Yams", package: "Yams"),
            ]
        ),
        .testTarget(
            name: "AMEKubernetesTests",
            dependencies: [
                "AMEKubernetes", "KubernetesHarness", "AMEEngine", "AMECore", "AMESystem", "AMETestSupport",
                .product(name: "Yams", package: "Yams"),
            ],
            exclude: ["Golden"]
        ),
        // ame-mlflow against a real MLflow server (PyPI, scripts/mlflow-venv) and the quickstart.
        .testTarget(
            name: "MLflowTests",
            dependencies: ["AMECore", "AMESystem", "AMETestSupport"]
        ),
        .testTarget(
            name: "AMEEngineTests",
            dependencies: ["AMEEngine", "AMECore", "AMESystem", "AMETestSupport"]
        ),
]

let package = Package(
    name: "AME",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "ame", targets: ["ame"]),
        .executable(name: "ame-server", targets: ["ame-server"]),
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
        // The S3 client's HTTP (AMES3 only: the engine never imports HTTP).
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        // The Kubernetes API over HTTPS with custom CAs and client certificates.
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.6"),
        // Port tunnels through the server: a WebSocket route on the run (server side) and
        // its client (AMEClient).
        .package(url: "https://github.com/hummingbird-project/hummingbird-websocket", from: "2.8.1"),
        .package(url: "https://github.com/hummingbird-project/swift-websocket", from: "1.6.2"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.0.0"),
        // `swift package generate-documentation --target AMEPluginKit` (CONTRIBUTING.md).
        .package(url: "https://github.com/swiftlang/swift-docc-plugin", from: "1.5.0"),
    ],
    targets: coreTargets + serviceTargets + testTargets,
    swiftLanguageModes: [.v6]
)

// Release builds reach concrete generic types' metadata through direct accessors instead of
// by mangled name: the mangled-name path checks the type's generic requirements on first use,
// and each such check scans every protocol conformance in the binary (about 11,700 in `ame`,
// ~0.4 ms apiece) at every process start. Measured on `ame NAME` plugin dispatch: CONTRIBUTING.md, "Benchmarks".
let directMetadataAccess: SwiftSetting = .unsafeFlags(["-Xfrontend", "-disable-concrete-type-metadata-mangled-name-accessors"],
                                                       .when(configuration: .release))
for target in package.targets where target.type != .test && !["CAMESQLite", "CAMESystem"].contains(target.name) {
    target.swiftSettings = (target.swiftSettings ?? []) + [directMetadataAccess]
}
