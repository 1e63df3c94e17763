import AMESystem
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
#if canImport(Glibc)
import Glibc
#endif

/// A real container registry for tests: Debian's `docker-registry` (the CNCF distribution
/// registry) serving plain HTTP on a free loopback port, with its storage in a temporary
/// folder; optionally behind htpasswd (Basic) authentication.
///
/// `.ci/run` installs it (`docker-registry`), with `buildah` and `busybox-static` for the
/// image tests.
public final class RegistryTestServer: @unchecked Sendable {
    /// `127.0.0.1:PORT`: the registry part of image references.
    public let host: String
    public let directory: TemporaryDirectory
    let process: ChildProcess

    /// The user and password of the authenticated registry.
    public static let user = "tester"
    public static let password = "ame-test-password"
    /// bcrypt of `password` (htpasswd -B), fixed so that no tool is needed to make it.
    static let htpasswd = "tester:$2b$12$qxTeGsyq/TEN42VplTSOw.vxDtrWYLQNVWttwjjGyJVRLEa6oQZAq\n"

    public struct Unavailable: Error, CustomStringConvertible {
        public var description: String
    }

    private static let anonymous = SharedStart<RegistryTestServer>()
    private static let authenticated = SharedStart<RegistryTestServer>()

    /// One registry per test process, without authentication.
    public static func shared() async throws -> RegistryTestServer {
        try await anonymous.value { try await start(authentication: false) }
    }

    /// One registry per test process that wants `user` and `password`.
    public static func sharedWithAuthentication() async throws -> RegistryTestServer {
        try await authenticated.value { try await start(authentication: true) }
    }

    public static func start(authentication: Bool) async throws -> RegistryTestServer {
        guard let executable = ExecutableLookup.find("docker-registry", path: ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin")
            ?? (FileManager.default.isExecutableFile(atPath: "/usr/bin/docker-registry") ? "/usr/bin/docker-registry" : nil) else {
            throw Unavailable(description: "docker-registry is not installed: apt-get install docker-registry (.ci/run installs it)")
        }
        let directory = try TemporaryDirectory(prefix: "ame-registry")
        registerCleanup
        storageFoldersLock.withLock { storageFolders.append(directory.url.path) }
        let port = try S3TestServer.freePort()
        var config = """
            version: 0.1
            log:
              level: error
              accesslog:
                disabled: true
            storage:
              filesystem:
                rootdirectory: \(directory.url.appendingPathComponent("data").path)
              delete:
                enabled: true
            http:
              addr: 127.0.0.1:\(port)
              secret: ame-test-secret

            """
        if authentication {
            let file = directory.url.appendingPathComponent("htpasswd")
            try Data(htpasswd.utf8).write(to: file)
            config += """
                auth:
                  htpasswd:
                    realm: ame-test
                    path: \(file.path)

                """
        }
        let configFile = directory.url.appendingPathComponent("config.yml")
        try Data(config.utf8).write(to: configFile)
        var configuration = ChildProcess.Configuration(executable: executable, arguments: ["serve", configFile.path],
                                                       environment: ProcessInfo.processInfo.environment)
        configuration.standardOutput = .null
        configuration.standardError = .null
        configuration.newSession = true
        let process = try ChildProcess.spawn(configuration)
        try await S3TestServer.waitForPort(port, process: process, name: "docker-registry")
        return RegistryTestServer(host: "127.0.0.1:\(port)", directory: directory, process: process)
    }

    init(host: String, directory: TemporaryDirectory, process: ChildProcess) {
        self.host = host
        self.directory = directory
        self.process = process
    }

    deinit {
        process.sendToGroup(SIGKILL)
    }

    /// The shared registries live as long as the test process (their process dies with it);
    /// their storage folders are removed when it exits.
    nonisolated(unsafe) private static var storageFolders: [String] = []
    /// The anonymous and the authenticated registry may start at the same time.
    private static let storageFoldersLock = NSLock()
    private static let registerCleanup: Void = {
        atexit {
            for folder in RegistryTestServer.storageFoldersLock.withLock({ RegistryTestServer.storageFolders }) {
                try? FileManager.default.removeItem(atPath: folder)
            }
        }
    }()

    // MARK: Reading images back (the registry's API, as any client would)

    public struct HTTPFailure: Error, CustomStringConvertible {
        public var description: String
    }

    /// GET `/v2/PATH` with Basic authentication when the registry wants it.
    public func get(_ path: String, accept: [String] = [], authenticated: Bool = false) async throws -> (status: Int, headers: [String: String], body: Data) {
        var request = URLRequest(url: URL(string: "http://\(host)/v2/\(path)")!)
        if !accept.isEmpty { request.setValue(accept.joined(separator: ", "), forHTTPHeaderField: "Accept") }
        if authenticated {
            request.setValue("Basic " + Data("\(Self.user):\(Self.password)".utf8).base64EncodedString(), forHTTPHeaderField: "Authorization")
        }
        let (data, response) = try await URLSession.shared.data(for: request)
        guard let http = response as? HTTPURLResponse else { throw HTTPFailure(description: "no HTTP answer for \(path)") }
        var headers: [String: String] = [:]
        for (key, value) in http.allHeaderFields {
            if let key = key as? String, let value = value as? String { headers[key.lowercased()] = value }
        }
        return (http.statusCode, headers, data)
    }

    /// An image as the registry serves it: its manifest, its config, and each layer's files
    /// unpacked into a folder.
    public struct PulledImage {
        public var manifest: [String: Any]
        public var config: [String: Any]
        public var layers: [URL]
        public var digest: String?

        /// The image config's `config` object (WorkingDir, Labels, Env, Cmd).
        public var runConfig: [String: Any] { config["config"] as? [String: Any] ?? [:] }
        public var labels: [String: String] { runConfig["Labels"] as? [String: String] ?? [:] }
        public var workingDirectory: String? { runConfig["WorkingDir"] as? String }

        /// The content of `path` in the topmost layer that has it.
        public func file(_ path: String) -> String? {
            for layer in layers.reversed() {
                let url = layer.appendingPathComponent(path)
                if let data = FileManager.default.contents(atPath: url.path) { return String(decoding: data, as: UTF8.self) }
            }
            return nil
        }

        /// The layers (their unpacked folders) holding `path`.
        public func layers(holding path: String) -> [Int] {
            layers.indices.filter { FileManager.default.fileExists(atPath: layers[$0].appendingPathComponent(path).path) }
        }
    }

    public static let manifestTypes = [
        "application/vnd.oci.image.manifest.v1+json",
        "application/vnd.docker.distribution.manifest.v2+json",
    ]

    /// Downloads `repository:reference` and unpacks its layers under `into`.
    public func pull(_ repository: String, _ reference: String, into folder: URL, authenticated: Bool = false) async throws -> PulledImage {
        let manifestAnswer = try await get("\(repository)/manifests/\(reference)", accept: Self.manifestTypes, authenticated: authenticated)
        guard manifestAnswer.status == 200,
              let manifest = try JSONSerialization.jsonObject(with: manifestAnswer.body) as? [String: Any],
              let configDescriptor = manifest["config"] as? [String: Any], let configDigest = configDescriptor["digest"] as? String,
              let layerDescriptors = manifest["layers"] as? [[String: Any]] else {
            throw HTTPFailure(description: "no manifest for \(repository):\(reference) (HTTP \(manifestAnswer.status)): \(String(decoding: manifestAnswer.body, as: UTF8.self))")
        }
        let configAnswer = try await get("\(repository)/blobs/\(configDigest)", authenticated: authenticated)
        guard configAnswer.status == 200, let config = try JSONSerialization.jsonObject(with: configAnswer.body) as? [String: Any] else {
            throw HTTPFailure(description: "no config blob \(configDigest) (HTTP \(configAnswer.status))")
        }
        var layers: [URL] = []
        for (index, descriptor) in layerDescriptors.enumerated() {
            guard let digest = descriptor["digest"] as? String else { continue }
            let answer = try await get("\(repository)/blobs/\(digest)", authenticated: authenticated)
            guard answer.status == 200 else { throw HTTPFailure(description: "no layer blob \(digest) (HTTP \(answer.status))") }
            let blob = folder.appendingPathComponent("layer-\(index).tar")
            try answer.body.write(to: blob)
            let unpacked = folder.appendingPathComponent("layer-\(index)")
            try FileManager.default.createDirectory(at: unpacked, withIntermediateDirectories: true)
            // GNU tar recognizes gzip (and zstd, uncompressed) by itself.
            let tar = try await RunningProcess.start(executable: "/bin/tar", arguments: ["-xf", blob.path, "-C", unpacked.path, "--no-same-owner"],
                                                     environment: ProcessInfo.processInfo.environment, workingDirectory: folder, input: nil)
                .finish(timeout: .seconds(120))
            guard tar.exitCode == 0 else { throw HTTPFailure(description: "cannot unpack layer \(digest): \(tar.stderr)") }
            layers.append(unpacked)
        }
        return PulledImage(manifest: manifest, config: config, layers: layers, digest: manifestAnswer.headers["docker-content-digest"])
    }
}

/// Runs an async start-up once and shares its result (or its error) with every caller.
public final class SharedStart<Value: Sendable>: @unchecked Sendable {
    private let lock = NSLock()
    private var task: Task<Value, any Error>?

    public init() {}

    public func value(_ start: @escaping @Sendable () async throws -> Value) async throws -> Value {
        let task = lock.withLock {
            if let task = self.task { return task }
            let created = Task { try await start() }
            self.task = created
            return created
        }
        return try await task.value
    }
}
