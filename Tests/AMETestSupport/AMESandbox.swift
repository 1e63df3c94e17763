import AMESystem
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// How the `ame` under test reaches its engine.
public enum Transport: String, CaseIterable, Sendable, CustomStringConvertible {
    /// No server set up: the engine runs inside `ame` (and its run agents).
    case embedded
    /// `ame setup` points the CLI at a live `ame-server` on loopback.
    case server
    /// `ame setup` points the CLI at `ame-server --executor kubernetes` whose cluster is the
    /// Kubernetes API harness (`Tests/KubernetesHarness`); each step runs as a Pod. Brought
    /// up by the test target's `prepare()`, which can reach the harness.
    case kubernetes

    public var description: String { rawValue }

    /// The transports a test suite can run against in this build.
    public static var available: [Transport] {
        FileManager.default.isExecutableFile(atPath: Fixtures.productsDirectory.appendingPathComponent("ame-server").path)
            ? [.embedded, .server] : [.embedded]
    }

    /// `available` plus Kubernetes, for the tests whose promise holds there too (not, for
    /// example, separate stdout and stderr: a container's log is one stream).
    public static var withKubernetes: [Transport] {
        available.contains(.server) ? available + [.kubernetes] : available
    }
}

/// A private AME installation for one test: its own HOME and XDG directories, the real
/// `ame` binary run as a subprocess, and (for `.server`) a live server. Python environments
/// are cached in a directory shared by every sandbox, so the quickstart's scikit-learn
/// environment is built once per machine, not once per test.
public final class AMESandbox: @unchecked Sendable {
    public let transport: Transport
    public let directory: TemporaryDirectory
    public private(set) var environment: [String: String]
    /// Set by the server transport: the server process and its URL and admin token.
    public var server: ServerHandle?
    /// The `ame` this sandbox runs: the build's, unless a test puts a copy elsewhere.
    public var ameBinary: URL = Fixtures.ameBinary
    /// Added to `ame-server`'s arguments at every start (e.g. `--executor kubernetes`).
    public var serverArguments: [String] = []
    /// Kept alive as long as the sandbox (the Kubernetes harness of `.kubernetes`).
    public var companions: [AnyObject] = []

    public struct ServerHandle: Sendable {
        public var process: ChildProcess
        public var url: String
        public var adminToken: String
        public var dataDirectory: URL

        public init(process: ChildProcess, url: String, adminToken: String, dataDirectory: URL) {
            self.process = process
            self.url = url
            self.adminToken = adminToken
            self.dataDirectory = dataDirectory
        }
    }

    /// Where Python environments and AME's tools are shared between sandboxes.
    public static var sharedCache: URL {
        if let override = ProcessInfo.processInfo.environment["AME_TEST_SHARED_CACHE"] {
            return URL(fileURLWithPath: override)
        }
        return URL(fileURLWithPath: NSTemporaryDirectory()).appendingPathComponent("ame-test-shared-cache-\(getuid())")
    }

    public init(_ transport: Transport, engineConfig: String? = nil) throws {
        self.transport = transport
        directory = try TemporaryDirectory(prefix: "ame-sandbox")
        let home = directory.url.appendingPathComponent("home")
        let inherited = ProcessInfo.processInfo.environment
        var environment: [String: String] = [
            "HOME": home.path,
            "USER": "tester",
            "XDG_CONFIG_HOME": home.appendingPathComponent(".config").path,
            "XDG_DATA_HOME": home.appendingPathComponent(".local/share").path,
            "XDG_CACHE_HOME": Self.sharedCache.path,
            // Gates (`FileGate`) live in a folder on PATH: a sandboxed run sees the folders
            // on its PATH (read-only) and nothing else of this machine's /tmp.
            "PATH": (inherited["PATH"] ?? "/usr/local/bin:/usr/bin:/bin") + ":" + directory.url.appendingPathComponent("gates").path,
            "NO_COLOR": "1",
            "LANG": "C.UTF-8",
        ]
        // pyenv needs its root to resolve `python3`; pip mirrors pass through.
        for key in ["PYENV_ROOT", "PIP_INDEX_URL", "PIP_EXTRA_INDEX_URL", "PIP_FIND_LINKS", "TMPDIR"] {
            if let value = inherited[key] { environment[key] = value }
        }
        if let engineConfig {
            let file = directory.url.appendingPathComponent("engine.yaml")
            try Data(engineConfig.utf8).write(to: file)
            environment["AME_ENGINE_CONFIG"] = file.path
        }
        try FileManager.default.createDirectory(at: home, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(at: directory.url.appendingPathComponent("gates"), withIntermediateDirectories: true)
        self.environment = environment
        if transport == .server {
            try connectToNewServer()
        }
    }

    deinit {
        if server != nil { stopServer() }
    }

    /// Where a test's `FileGate`s go so that its runs, sandboxed or not, can see them.
    public var gatesDirectory: URL { directory.url.appendingPathComponent("gates") }

    public func setEnvironment(_ key: String, _ value: String?) {
        environment[key] = value
    }

    /// A copy of `examples/NAME` inside the sandbox.
    public func project(copying example: String) throws -> URL {
        let destination = directory.url.appendingPathComponent("projects/\(example)-\(UUID().uuidString.prefix(6))")
        try FileManager.default.createDirectory(at: destination.deletingLastPathComponent(), withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: Fixtures.example(example), to: destination)
        return destination
    }

    /// A new project directory holding `files` (relative path → content).
    public func project(_ files: [String: String]) throws -> URL {
        let destination = directory.url.appendingPathComponent("projects/p-\(UUID().uuidString.prefix(8))")
        for (path, content) in files {
            let file = destination.appendingPathComponent(path)
            try FileManager.default.createDirectory(at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
            try Data(content.utf8).write(to: file)
        }
        return destination
    }

    /// Runs `ame ARGS` to completion.
    @discardableResult
    public func ame(_ arguments: [String], in directory: URL? = nil, input: Data? = nil,
                    timeout: Duration = .seconds(600)) async throws -> ProcessResult {
        let running = try start(arguments, in: directory, input: input)
        return try await running.finish(timeout: timeout)
    }

    /// Starts `ame ARGS` and returns at once, for tests that watch output as it comes or
    /// send signals.
    public func start(_ arguments: [String], in directory: URL? = nil, input: Data? = nil) throws -> RunningProcess {
        try RunningProcess.start(executable: ameBinary.path, arguments: arguments, environment: environment,
                                 workingDirectory: directory ?? self.directory.url, input: input)
    }

    /// Runs any program with the sandbox's environment (plus `extra`) to completion.
    public func program(_ executable: String, _ arguments: [String], in directory: URL? = nil,
                        environment extra: [String: String] = [:], input: Data? = nil,
                        timeout: Duration = .seconds(120)) async throws -> ProcessResult {
        var environment = self.environment
        environment.merge(extra) { _, new in new }
        let running = try RunningProcess.start(executable: executable, arguments: arguments, environment: environment,
                                               workingDirectory: directory ?? self.directory.url, input: input)
        return try await running.finish(timeout: timeout)
    }
}

/// The end of a subprocess: its status and everything it wrote.
public struct ProcessResult: Sendable {
    public var status: TerminationStatus
    public var stdout: String
    public var stderr: String
    public var stdoutData: Data

    public var exitCode: Int32 { status.exitCode }
}

/// A subprocess whose output is collected as it arrives.
public final class RunningProcess: @unchecked Sendable {
    public let child: ChildProcess
    private let lock = NSLock()
    private var out = Data()
    private var err = Data()
    private var readers: [Task<Void, Never>] = []
    private var arrivals: [(Date, String)] = []

    public static func start(executable: String, arguments: [String], environment: [String: String],
                      workingDirectory: URL, input: Data?) throws -> RunningProcess {
        var configuration = ChildProcess.Configuration(executable: executable, arguments: arguments,
                                                       environment: environment, workingDirectory: workingDirectory.path)
        configuration.standardInput = input == nil ? .null : .pipe
        configuration.standardOutput = .pipe
        configuration.standardError = .pipe
        // A separate process group, so a test can send SIGINT as a terminal would.
        configuration.newSession = true
        let child = try ChildProcess.spawn(configuration)
        let process = RunningProcess(child: child)
        if let input, let stdin = child.standardInput {
            stdin.write(input)
            try? stdin.close()
        }
        process.readers = [
            child.standardOutput.map { handle in Task.detached { await process.collect(handle, stdout: true) } },
            child.standardError.map { handle in Task.detached { await process.collect(handle, stdout: false) } },
        ].compactMap { $0 }
        return process
    }

    private init(child: ChildProcess) {
        self.child = child
    }

    private func collect(_ handle: FileHandle, stdout: Bool) async {
        for await chunk in PipeReader.chunks(of: handle) {
            lock.withLock {
                if stdout {
                    out.append(chunk)
                    arrivals.append((Date(), String(decoding: chunk, as: UTF8.self)))
                } else {
                    err.append(chunk)
                }
            }
        }
    }

    public var stdoutSoFar: String { lock.withLock { String(decoding: out, as: UTF8.self) } }
    public var stderrSoFar: String { lock.withLock { String(decoding: err, as: UTF8.self) } }

    /// Waits until stdout or stderr contains `text`; false on timeout or exit.
    public func waitFor(_ text: String, inStderr: Bool = false, timeout: Duration = .seconds(120)) async -> Bool {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if (inStderr ? stderrSoFar : stdoutSoFar).contains(text) { return true }
            if child.exitStatusIfEnded != nil {
                try? await Task.sleep(for: .milliseconds(100))
                return (inStderr ? stderrSoFar : stdoutSoFar).contains(text)
            }
            try? await Task.sleep(for: .milliseconds(20))
        }
        return false
    }

    public func interrupt() { kill(child.pid, SIGINT) }

    public struct Timeout: Error, CustomStringConvertible {
        public var stdout: String
        public var stderr: String
        public var description: String { "process did not finish in time\nstdout:\n\(stdout)\nstderr:\n\(stderr)" }
    }

    public func finish(timeout: Duration = .seconds(600)) async throws -> ProcessResult {
        let child = self.child
        let status = try await withThrowingTaskGroup(of: TerminationStatus?.self) { group in
            group.addTask { await child.waitForExit() }
            group.addTask {
                try await Task.sleep(for: timeout)
                return nil
            }
            let first = try await group.next() ?? nil
            group.cancelAll()
            return first
        }
        guard let status else {
            child.sendToGroup(SIGKILL)
            throw Timeout(stdout: stdoutSoFar, stderr: stderrSoFar)
        }
        for reader in readers { await reader.value }
        return lock.withLock {
            ProcessResult(status: status, stdout: String(decoding: out, as: UTF8.self),
                          stderr: String(decoding: err, as: UTF8.self), stdoutData: out)
        }
    }
}
