import AMEClient
import AMECore
import AMEEngine
import AMEServer
import AMETestSupport
import Foundation
import Hummingbird
import HummingbirdTesting
import Logging

/// An `ame-server` application over a fresh engine in a temporary directory, with tokens
/// for an admin and two users, tested in memory (`.router`) or on a live port (`.live`):
/// one test body, both setups.
final class ServerFixture: @unchecked Sendable {
    let directory: TemporaryDirectory
    let engine: Engine
    let state: ServerState
    let adminToken: String
    let aliceToken: String
    let bobToken: String

    init(config: String? = nil) throws {
        directory = try TemporaryDirectory(prefix: "ame-server-test")
        let data = directory.url.appendingPathComponent("data")
        var configPath: URL?
        if let config {
            configPath = try directory.write("engine.yaml", config)
        }
        let environment = ProcessInfo.processInfo.environment
        let configuration = try EngineConfiguration.load(path: configPath, environment: environment)
        let layout = EngineLayout(dataDirectory: data, cacheDirectory: AMESandbox.sharedCache.appendingPathComponent("ame"))
        engine = try Engine(layout: layout, configuration: configuration)
        var agentEnvironment = environment
        agentEnvironment["HOME"] = directory.path
        let launcher = AgentProcessLauncher(agentExecutable: Fixtures.ameBinary.path, environment: agentEnvironment,
                                            engineConfigPath: configPath?.path)
        state = ServerState(engine: engine, launcher: launcher, serverName: "http://test")
        adminToken = try state.tokens.create(user: "root", admin: true, description: "test admin").token
        aliceToken = try state.tokens.create(user: "alice", admin: false, description: nil).token
        bobToken = try state.tokens.create(user: "bob", admin: false, description: nil).token
    }

    var router: Router<AMERequestContext> { AMEServer.makeRouter(state: state) }

    func application() -> some ApplicationProtocol {
        var logger = Logger(label: "ame-server-test")
        logger.logLevel = .critical
        return AMEServer.makeApplication(state: state, host: "127.0.0.1", port: 0, logger: logger, recoveryInterval: .seconds(1))
    }

    /// Runs `body` against the application in the given setup.
    func test<Value: Sendable>(_ setup: HTTPSetup, _ body: @Sendable (any TestClientProtocol) async throws -> Value) async throws -> Value {
        try await application().test(setup.testingSetup, body)
    }

    /// A live server on a free loopback port for the duration of `body`, with its URL.
    func live<Value: Sendable>(_ body: @Sendable (URL) async throws -> Value) async throws -> Value {
        var logger = Logger(label: "ame-server-test")
        logger.logLevel = .critical
        let ports = AsyncStream<Int>.makeStream()
        let app = AMEServer.makeApplication(state: state, host: "127.0.0.1", port: 0, logger: logger, recoveryInterval: .seconds(1)) { port in
            ports.continuation.yield(port)
        }
        return try await withThrowingTaskGroup(of: Value?.self) { group in
            group.addTask {
                try await app.run()
                return nil
            }
            var iterator = ports.stream.makeAsyncIterator()
            guard let port = await iterator.next() else { throw CancellationError() }
            let result = try await body(URL(string: "http://127.0.0.1:\(port)")!)
            group.cancelAll()
            return result
        }
    }

    func client(_ url: URL, token: String?) -> HTTPJobsAPI {
        HTTPJobsAPI(baseURL: url, token: token)
    }

    /// The user a fixture token acts as.
    func user(for token: String) -> String {
        token == bobToken ? "bob" : token == adminToken ? "root" : "alice"
    }

    /// Stores a small project in the blob store, as `owner` uploaded it, and returns its manifest.
    func project(_ files: [String: String], owner: String = "alice") throws -> Manifest {
        var entries: [Manifest.Entry] = []
        for (path, content) in files {
            let digest = try engine.blobs.put(Data(content.utf8), expected: nil)
            entries.append(Manifest.Entry(path: path, digest: digest, size: Int64(content.utf8.count)))
        }
        let manifest = Manifest(entries: entries)
        try engine.store.claimBlobs(manifest.digests, owner: owner)
        return manifest
    }
}

enum HTTPSetup: String, CaseIterable, Sendable, CustomStringConvertible {
    /// Requests go straight to the router, in memory.
    case router
    /// Requests go over a loopback socket to a running server.
    case live

    var testingSetup: TestingSetup { self == .router ? .router : .live }
    var description: String { rawValue }
}

extension TestClientProtocol {
    @discardableResult
    func send(_ method: HTTPRequest.Method, _ uri: String, token: String?, json: String? = nil, body: ByteBuffer? = nil) async throws -> TestResponse {
        var headers: HTTPFields = [:]
        if let token { headers[.authorization] = "Bearer \(token)" }
        var payload = body
        if let json {
            headers[.contentType] = "application/json"
            payload = ByteBuffer(string: json)
        }
        return try await executeRequest(uri: uri, method: method, headers: headers, body: payload)
    }
}

extension TestResponse {
    var text: String { String(buffer: body) }
    var json: [String: Any] { (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: Any] ?? [:] }
    var errorCode: String? { (json["error"] as? [String: Any])?["code"] as? String }
}
