import AMESystem
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A real S3 API for tests: moto's server on a free loopback port (one per test process,
/// with IAM authentication on, so wrong keys are refused as AWS would refuse them; see
/// `Tests/Helpers/s3/moto_server.py` for the one fix to its signature check), and per
/// test a recording, fault-injecting proxy in front of it (`Tests/Helpers/s3/s3_proxy.py`).
/// Buckets are set up and checked with boto3 (`s3_tool.py`), a client AME did not write.
///
/// The Python that runs them: `AME_TEST_S3_PYTHON` (scripts/test sets it to a venv under
/// `.build/venvs/` with `Tests/Helpers/s3/requirements.txt`), else a system `python3` that
/// has moto and boto3.
public final class S3TestServer: @unchecked Sendable {
    public let moto: MotoServer
    /// What AME talks to: the proxy.
    public let endpoint: String
    public let proxyLog: URL
    private let proxy: ChildProcess
    private let directory: TemporaryDirectory

    public var accessKey: String { moto.accessKey }
    public var secretKey: String { moto.secretKey }

    public struct Unavailable: Error, CustomStringConvertible {
        public var description: String
    }

    /// One request as the proxy saw it.
    public struct RecordedRequest: Decodable, Sendable {
        public var method: String
        public var path: String
        public var headers: [String: String]
        public var status: Int?
        public var injected: Bool?
        public var truncated: Int?

        /// A GET of an object's bytes (not a listing).
        public var isGetObject: Bool { method == "GET" && !path.contains("list-type=") && !path.contains("uploads") }
    }

    public static var helpers: URL { Fixtures.repositoryRoot.appendingPathComponent("Tests/Helpers/s3") }

    /// The shared moto server and a new proxy in front of it.
    public static func start() async throws -> S3TestServer {
        let moto = try await MotoServer.shared()
        let directory = try TemporaryDirectory(prefix: "ame-s3-proxy")
        let port = try freePort()
        let log = directory.file("requests.jsonl")
        var configuration = ChildProcess.Configuration(
            executable: moto.python,
            arguments: [helpers.appendingPathComponent("s3_proxy.py").path, "--port", String(port), "--upstream", moto.url, "--log", log.path],
            environment: ProcessInfo.processInfo.environment)
        configuration.standardOutput = .null
        configuration.standardError = .inherit
        let proxy = try ChildProcess.spawn(configuration)
        try await waitForPort(port, process: proxy, name: "the S3 test proxy")
        return S3TestServer(moto: moto, endpoint: "http://127.0.0.1:\(port)", proxyLog: log, proxy: proxy, directory: directory)
    }

    private init(moto: MotoServer, endpoint: String, proxyLog: URL, proxy: ChildProcess, directory: TemporaryDirectory) {
        self.moto = moto
        self.endpoint = endpoint
        self.proxyLog = proxyLog
        self.proxy = proxy
        self.directory = directory
    }

    deinit {
        proxy.sendToGroup(SIGKILL)
    }

    /// A bucket name no other test uses.
    public static func uniqueBucket(_ stem: String = "ame") -> String {
        "\(stem)-\(UUID().uuidString.prefix(8).lowercased())"
    }

    /// Runs `s3_tool.py ARGS` against moto directly and returns its JSON output.
    @discardableResult
    public func tool(_ arguments: [String]) async throws -> Any {
        try await moto.tool(arguments)
    }

    /// Everything the proxy forwarded or answered so far.
    public func requests() throws -> [RecordedRequest] {
        let text = (try? String(contentsOf: proxyLog, encoding: .utf8)) ?? ""
        return try text.split(separator: "\n").map { try JSONDecoder().decode(RecordedRequest.self, from: Data($0.utf8)) }
    }

    /// Makes the proxy misbehave: each fault is `{method, match, count}` with either
    /// `status` (and `code`) to answer instead of forwarding, or `truncate` (bytes) to cut
    /// the body short.
    public func setFaults(_ json: String) async throws {
        try await moto.tool(["proxy-faults", endpoint, json])
    }

    /// Forgets faults and recorded requests.
    public func reset() async throws {
        try await moto.tool(["proxy-reset", endpoint])
    }

    // MARK: Ports

    static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw Unavailable(description: "socket(): \(errno)") }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0 }
        }
        guard bound else { throw Unavailable(description: "cannot find a free port") }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    static func waitForPort(_ port: Int, process: ChildProcess, name: String, timeout: Duration = .seconds(60)) async throws {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if let status = process.exitStatusIfEnded {
                throw Unavailable(description: "\(name) exited at start (\(status))")
            }
            if canConnect(port) { return }
            try await Task.sleep(for: .milliseconds(100))
        }
        process.sendToGroup(SIGKILL)
        throw Unavailable(description: "\(name) did not listen on port \(port) in time")
    }

    static func canConnect(_ port: Int) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        return withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
        }
    }
}

/// moto's server, started once per test process, with one IAM user whose keys the tests use.
public final class MotoServer: @unchecked Sendable {
    public let python: String
    /// `http://127.0.0.1:PORT`, without the proxy.
    public let url: String
    public let accessKey: String
    public let secretKey: String
    let process: ChildProcess

    init(python: String, url: String, accessKey: String, secretKey: String, process: ChildProcess) {
        self.python = python
        self.url = url
        self.accessKey = accessKey
        self.secretKey = secretKey
        self.process = process
    }

    private static let starting = StartOnce()

    public static func shared() async throws -> MotoServer {
        try await starting.value { try await launch() }
    }

    /// The interpreter with moto and boto3.
    static func findPython() async throws -> String {
        let environment = ProcessInfo.processInfo.environment
        if let configured = environment["AME_TEST_S3_PYTHON"], !configured.isEmpty {
            return configured
        }
        // pyenv's `python3` is a shim: ask it for the real interpreter.
        let probe = try RunningProcess.start(executable: "python3", arguments: ["-c", "import sys, moto, boto3; print(sys.executable)"],
                                             environment: environment, workingDirectory: URL(fileURLWithPath: "/"), input: nil)
        let result = try await probe.finish(timeout: .seconds(60))
        let path = result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        guard result.exitCode == 0, !path.isEmpty else {
            throw S3TestServer.Unavailable(description: "no Python with moto and boto3: run the tests through scripts/test (it makes .build/venvs/s3-…), or set AME_TEST_S3_PYTHON")
        }
        return path
    }

    static func launch() async throws -> MotoServer {
        let python = try await findPython()
        let port = try S3TestServer.freePort()
        var environment = ProcessInfo.processInfo.environment
        // The first three actions (the bootstrap's IAM calls) go unauthenticated; every
        // later request must be signed by a known key.
        environment["INITIAL_NO_AUTH_ACTION_COUNT"] = "3"
        // moto's own server, with its signature check looking at the request as sent (see moto_server.py).
        let server = S3TestServer.helpers.appendingPathComponent("moto_server.py").path
        var configuration = ChildProcess.Configuration(executable: python, arguments: [server, "-H", "127.0.0.1", "-p", String(port)],
                                                       environment: environment)
        configuration.standardOutput = .null
        configuration.standardError = .null
        let process = try ChildProcess.spawn(configuration)
        try await S3TestServer.waitForPort(port, process: process, name: "moto_server")
        let url = "http://127.0.0.1:\(port)"
        let partial = MotoServer(python: python, url: url, accessKey: "bootstrap", secretKey: "bootstrap", process: process)
        guard let keys = try await partial.tool(["bootstrap"]) as? [String: String],
              let access = keys["access_key"], let secret = keys["secret_key"] else {
            throw S3TestServer.Unavailable(description: "moto's IAM bootstrap gave no keys")
        }
        return MotoServer(python: python, url: url, accessKey: access, secretKey: secret, process: process)
    }

    public struct ToolFailure: Error, CustomStringConvertible {
        public var arguments: [String]
        public var stderr: String
        public var description: String { "s3_tool.py \(arguments.joined(separator: " ")) failed:\n\(stderr)" }
    }

    /// Runs `s3_tool.py ARGS` with boto3 against moto directly; returns its JSON output.
    @discardableResult
    public func tool(_ arguments: [String]) async throws -> Any {
        var environment = ProcessInfo.processInfo.environment
        environment["S3_TEST_ENDPOINT"] = url
        environment["AWS_ACCESS_KEY_ID"] = accessKey
        environment["AWS_SECRET_ACCESS_KEY"] = secretKey
        let script = S3TestServer.helpers.appendingPathComponent("s3_tool.py").path
        let running = try RunningProcess.start(executable: python, arguments: [script] + arguments, environment: environment,
                                               workingDirectory: URL(fileURLWithPath: "/"), input: nil)
        let result = try await running.finish(timeout: .seconds(120))
        guard result.exitCode == 0 else { throw ToolFailure(arguments: arguments, stderr: result.stderr) }
        return try JSONSerialization.jsonObject(with: result.stdoutData, options: [.fragmentsAllowed])
    }
}

/// Runs an async start-up once and shares its result (or its error) with every caller.
final class StartOnce: @unchecked Sendable {
    private let lock = NSLock()
    private var task: Task<MotoServer, any Error>?

    func value(_ start: @escaping @Sendable () async throws -> MotoServer) async throws -> MotoServer {
        let task = lock.withLock {
            if let task = self.task { return task }
            let created = Task { try await start() }
            self.task = created
            return created
        }
        return try await task.value
    }
}
