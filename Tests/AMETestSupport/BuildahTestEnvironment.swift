import AMESystem
import Foundation

/// buildah for tests: a storage of its own (vfs, under a temporary folder, named by
/// `CONTAINERS_STORAGE_CONF`), so tests neither see nor leave images in the machine's
/// storage, and a tiny base image — busybox from Debian's `busybox-static`, since nothing
/// can be pulled from the internet — pushed to the test registry.
///
/// The base image has `/bin/sh` and the usual commands, and a stand-in `pip` that records
/// what it was asked to install in `/pip-installs.txt`, so a Containerfile that `ame image
/// init` writes for a requirements.txt project builds, and its dependency step leaves a trace.
public final class BuildahTestEnvironment: @unchecked Sendable {
    public let directory: TemporaryDirectory
    /// Set `CONTAINERS_STORAGE_CONF` to this for every buildah (and `ame image`) in the test.
    public let storageConfig: URL
    public let buildah: String

    public struct Unavailable: Error, CustomStringConvertible {
        public var description: String
    }

    private static let sharedEnvironment = SharedStart<BuildahTestEnvironment>()
    private static let bases = SharedStart<String>()
    private static let authenticatedBases = SharedStart<String>()

    /// One storage per test process, so layers cached by one test serve the next.
    public static func shared() async throws -> BuildahTestEnvironment {
        try await sharedEnvironment.value { try BuildahTestEnvironment() }
    }

    init() throws {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        guard let buildah = ExecutableLookup.find("buildah", path: path) ?? (FileManager.default.isExecutableFile(atPath: "/usr/bin/buildah") ? "/usr/bin/buildah" : nil) else {
            throw Unavailable(description: "buildah is not installed: apt-get install buildah (.ci/run installs it)")
        }
        self.buildah = buildah
        directory = try TemporaryDirectory(prefix: "ame-buildah")
        storageConfig = directory.url.appendingPathComponent("storage.conf")
        // vfs works everywhere (no overlay mounts inside containers); it copies layers, which
        // for busybox-sized images costs nothing.
        let config = """
            [storage]
            driver = "vfs"
            runroot = "\(directory.url.appendingPathComponent("run").path)"
            graphroot = "\(directory.url.appendingPathComponent("graph").path)"

            """
        try Data(config.utf8).write(to: storageConfig)
        Self.registerCleanup
        Self.storageFolders.append(directory.url.path)
    }

    /// The shared environment lives as long as the test process, so no deinit removes its
    /// storage; vfs layers are plain folders, removed when the process exits.
    nonisolated(unsafe) private static var storageFolders: [String] = []
    private static let registerCleanup: Void = {
        atexit {
            for folder in BuildahTestEnvironment.storageFolders {
                try? FileManager.default.removeItem(atPath: folder)
            }
        }
    }()

    /// The environment buildah runs in for these tests.
    public var environment: [String: String] {
        var environment = ProcessInfo.processInfo.environment
        environment["CONTAINERS_STORAGE_CONF"] = storageConfig.path
        environment["BUILDAH_ISOLATION"] = nil
        return environment
    }

    public struct CommandFailure: Error, CustomStringConvertible {
        public var description: String
    }

    @discardableResult
    public func run(_ arguments: [String]) async throws -> String {
        let result = try await RunningProcess.start(executable: buildah, arguments: arguments, environment: environment,
                                                    workingDirectory: directory.url, input: nil).finish(timeout: .seconds(300))
        guard result.exitCode == 0 else {
            throw CommandFailure(description: "buildah \(arguments.joined(separator: " ")) failed (\(result.status)):\n\(result.stderr)\(result.stdout)")
        }
        return result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// `REGISTRY/ame-test/busybox:1`, pushed once per registry and test process, and not left
    /// in the local storage: builds must pull it.
    public func baseImage(in registry: RegistryTestServer, authenticated: Bool = false) async throws -> String {
        let once = authenticated ? Self.authenticatedBases : Self.bases
        return try await once.value { [self] in
            let reference = "\(registry.host)/ame-test/busybox:1"
            try await makeBaseImage(pushTo: reference, authenticated: authenticated)
            return reference
        }
    }

    func makeBaseImage(pushTo reference: String, authenticated: Bool) async throws {
        let busybox = ["/bin/busybox", "/usr/bin/busybox"].first { FileManager.default.isExecutableFile(atPath: $0) }
        guard let busybox else {
            throw Unavailable(description: "busybox is not installed: apt-get install busybox-static (.ci/run installs it)")
        }
        let container = try await run(["from", "scratch"])
        let root = URL(fileURLWithPath: try await run(["mount", container]))
        let files = FileManager.default
        for folder in ["bin", "tmp", "etc", "usr/local/bin", "usr/bin"] {
            try files.createDirectory(at: root.appendingPathComponent(folder), withIntermediateDirectories: true)
        }
        try files.copyItem(atPath: busybox, toPath: root.appendingPathComponent("bin/busybox").path)
        for applet in ["sh", "echo", "cat", "mkdir", "ls", "cp", "mv", "rm", "ln", "chmod", "env", "true", "false", "test", "[",
                       "printf", "id", "tee", "touch", "sleep", "grep", "sed", "wc", "head", "tail", "find", "sort", "uname"] {
            try files.createSymbolicLink(atPath: root.appendingPathComponent("bin/\(applet)").path, withDestinationPath: "busybox")
        }
        let pip = root.appendingPathComponent("usr/local/bin/pip")
        try Data("#!/bin/sh\n# A stand-in for pip: records what it was asked to do.\necho \"pip $*\" >> /pip-installs.txt\n".utf8).write(to: pip)
        try files.setAttributes([.posixPermissions: 0o755], ofItemAtPath: pip.path)
        try Data("root:x:0:0:root:/root:/bin/sh\n".utf8).write(to: root.appendingPathComponent("etc/passwd"))
        try await run(["umount", container])
        try await run(["config", "--cmd", "/bin/sh", "--env", "PATH=/usr/local/bin:/usr/bin:/bin", container])
        let local = "localhost/ame-test-base-\(UUID().uuidString.prefix(8).lowercased()):1"
        try await run(["commit", "--quiet", container, local])
        try await run(["rm", container])
        var push = ["push", "--tls-verify=false"]
        if authenticated { push += ["--creds", "\(RegistryTestServer.user):\(RegistryTestServer.password)"] }
        try await run(push + [local, "docker://\(reference)"])
        try await run(["rmi", local])
    }

    /// Removes an image from the test storage (so the next build must pull its base again).
    public func removeImage(_ reference: String) async {
        _ = try? await run(["rmi", "--force", reference])
    }
}
