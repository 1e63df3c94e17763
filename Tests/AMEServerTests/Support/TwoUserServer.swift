import AMEClient
import AMECore
import AMESystem
import AMETestSupport
import Foundation
import Testing

/// A live `ame-server` (local executor) with two users, Alice and Bob, each with an `ame`
/// of their own set up to it: what a shared server looks like to a hostile user.
/// `sandboxed: false` starts the server with `--unsafe-no-sandbox`, so a test can show that
/// an attack works without the sandbox before showing that it fails with it.
final class TwoUserServer: @unchecked Sendable {
    /// The sandbox's tool; the suites that need it say so when it is missing.
    static let bubblewrapInstalled = ExecutableLookup.find("bwrap", path: ProcessInfo.processInfo.environment["PATH"]) != nil

    struct SetupError: Error, CustomStringConvertible {
        var description: String
    }

    let admin: AMESandbox
    let alice: AMESandbox
    let bob: AMESandbox
    let aliceToken: String
    let bobToken: String
    let sandboxed: Bool

    /// The server's cache of environments and tools.
    let cacheDirectory: URL

    /// `privateCache`: environments and package caches of its own rather than the ones test
    /// servers share (for attacks that would poison those).
    init(sandboxed: Bool, config: String? = nil, privateCache: Bool = false) throws {
        self.sandboxed = sandboxed
        admin = try AMESandbox(.embedded, engineConfig: config)
        cacheDirectory = privateCache ? admin.directory.url.appendingPathComponent("server-cache")
            : AMESandbox.sharedCache.appendingPathComponent("ame")
        if privateCache { admin.serverArguments += ["--cache-dir", cacheDirectory.path] }
        if !sandboxed { admin.serverArguments += ["--unsafe-no-sandbox"] }
        try admin.connectToNewServer()
        aliceToken = try Self.token(for: "alice", from: admin)
        bobToken = try Self.token(for: "bob", from: admin)
        alice = try AMESandbox(.embedded)
        bob = try AMESandbox(.embedded)
        for (user, token) in [(alice, aliceToken), (bob, bobToken)] {
            let (status, output) = try user.runBlocking(["setup", url, "--token", token, "--name", "shared"])
            guard status.succeeded else { throw SetupError(description: "ame setup failed: \(output)") }
        }
    }

    var url: String { admin.server?.url ?? "" }
    var dataDirectory: URL { admin.server?.dataDirectory ?? admin.directory.url }

    func api(_ token: String) -> HTTPJobsAPI {
        HTTPJobsAPI(baseURL: URL(string: url)!, token: token)
    }

    private static func token(for user: String, from admin: AMESandbox) throws -> String {
        let (status, output) = try admin.runBlocking(["token", "create", user, "--json"])
        guard status.succeeded, let start = output.firstIndex(of: "{"),
              let object = try JSONSerialization.jsonObject(with: Data(output[start...].utf8)) as? [String: Any],
              let token = object["token"] as? String else {
            throw SetupError(description: "ame token create \(user) failed: \(output)")
        }
        return token
    }

    /// Runs `task` of a project made of `files` as `user`, to its end; the output of `ame run`.
    func run(_ user: AMESandbox, _ files: [String: String], task: String, timeout: Duration = .seconds(300)) async throws -> ProcessResult {
        let project = try user.project(files)
        return try await user.ame(["run", task], in: project, timeout: timeout)
    }

    /// Submits without waiting; the run's id.
    func submit(_ user: AMESandbox, _ files: [String: String], task: String) async throws -> String {
        let project = try user.project(files)
        let result = try await user.ame(["run", task, "--detach", "--json"], in: project)
        #expect(result.exitCode == 0, "submit failed: \(result.stderr)")
        let record = try JSONDecoder.ameWire.decode(RunRecord.self, from: result.stdoutData)
        return record.id
    }

    func waitForRun(_ user: AMESandbox, _ id: String, until predicate: @escaping (RunRecord) -> Bool,
                    timeout: Duration = .seconds(180)) async throws -> RunRecord {
        let deadline = ContinuousClock.now + timeout
        while true {
            let result = try await user.ame(["status", id, "--json"])
            let run = try JSONDecoder.ameWire.decode(RunRecord.self, from: result.stdoutData)
            if predicate(run) || ContinuousClock.now > deadline { return run }
            try await Task.sleep(for: .milliseconds(200))
        }
    }
}

extension JSONDecoder {
    static var ameWire: JSONDecoder {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return decoder
    }
}
