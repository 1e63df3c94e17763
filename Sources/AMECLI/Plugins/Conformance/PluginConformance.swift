import AMEPluginKit
import AMESystem
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The checks `ame plugin test PATH` runs: what any plugin, in any language, must do for
/// AME to run it. Each check says what it found; a failed check says what to fix.
public struct PluginConformance: Sendable {
    public struct Check: Sendable, Codable {
        public var name: String
        public var passed: Bool
        public var detail: String
    }

    public var path: String
    public var environment: [String: String]
    public var workingDirectory: String
    /// For answers to `run` (help may take a moment in an interpreted language).
    public var runDeadline: Duration = .seconds(10)

    public init(path: String, environment: [String: String], workingDirectory: String) {
        self.path = path
        self.environment = environment
        self.workingDirectory = workingDirectory
    }

    public func run() async -> [Check] {
        var checks: [Check] = []
        let fileName = (path as NSString).lastPathComponent
        guard fileName.hasPrefix("ame-"), PluginDescription.isValidName(String(fileName.dropFirst(4))) else {
            return [Check(name: "name", passed: false,
                          detail: "the file must be named ame-NAME, NAME matching ^[a-z][a-z0-9-]*$ (it is '\(fileName)')")]
        }
        let name = String(fileName.dropFirst(4))
        switch PluginFileCheck.check(path) {
        case .absent:
            return [Check(name: "file", passed: false, detail: "there is no file at \(path)")]
        case .invalid(let reason):
            return [Check(name: "file", passed: false, detail: reason)]
        case .ok:
            checks.append(Check(name: "file", passed: true, detail: "executable, and only its owner can change it"))
        }

        let started = ContinuousClock.now
        let outcome = await PluginHandshake.describe(path: path, environment: environment)
        let elapsed = ContinuousClock.now - started
        let description: PluginDescription
        switch outcome {
        case .failed(let reason):
            checks.append(Check(name: "describe", passed: false, detail: reason))
            return checks
        case .described(let described):
            if let problem = described.problem(expectedName: name) {
                checks.append(Check(name: "describe", passed: false, detail: problem))
                return checks
            }
            description = described
            checks.append(Check(name: "describe", passed: true,
                                detail: "\(described.name) \(described.version) from \(described.vendor), protocol \(described.protocol), answered in \(milliseconds(elapsed)) ms"))
        }
        let version = description.protocol.highestCommonVersion(with: PluginProtocol.supported) ?? PluginProtocol.current
        checks += await sessionChecks(version: version, argv: ["--help"], expectSuccess: true)
        checks += await sessionChecks(version: version, argv: ["--ame-conformance-no-such-option"], expectSuccess: false)
        return checks
    }

    /// One session: initialize, an unknown method, run `argv`, then exit on end of input.
    func sessionChecks(version: Int, argv: [String], expectSuccess: Bool) async -> [Check] {
        var checks: [Check] = []
        let label = expectSuccess ? "run --help" : "run with an unknown option"
        let queue = MessageQueue<PluginProcess.Output>()
        var env = environment
        env["AME_PLUGIN_PROTOCOL"] = String(version)
        let process: PluginProcess
        do {
            process = try PluginProcess.start(path: path, arguments: [], environment: env, workingDirectory: workingDirectory,
                                              stderr: { _ in }, onOutput: { queue.push($0) })
        } catch {
            return [Check(name: "session", passed: false, detail: "cannot start it: \(error)")]
        }
        let exitWatch = ExitWatch(process.child)
        defer { process.child.sendToGroup(SIGKILL) }

        func fail(_ check: String, _ detail: String) async -> [Check] {
            _ = await exitWatch.terminate(grace: .milliseconds(500))
            var text = detail
            let lines = process.lastStderrLines(3)
            if !lines.isEmpty { text += " (stderr: \(lines.joined(separator: " / ")))" }
            return checks + [Check(name: check, passed: false, detail: text)]
        }

        /// The next response to `id`, skipping notifications (kept in `notifications`).
        var notifications: [(String, JSONValue?)] = []
        func answer(to id: RPCID, within limit: Duration) async -> Result<Result<JSONValue, RPCError>, ConformanceFailure> {
            let deadline = ContinuousClock.now + limit
            while true {
                let remaining = deadline - ContinuousClock.now
                guard remaining > .zero, let output = await queue.next(within: remaining) else {
                    return .failure(ConformanceFailure("no answer within \(PluginHandshake.seconds(limit)) s"))
                }
                switch output {
                case .message(.response(let responseID, let result)) where responseID == id:
                    return .success(result)
                case .message(.notification(let method, let params)):
                    notifications.append((method, params))
                case .message(.request(let requestID, let method, _)):
                    // Conformance offers no host: every host call is refused, as an engine-less AME would.
                    process.send(.response(id: requestID, result: .failure(RPCError(.unavailable, "'\(method)' is not available during 'ame plugin test'"))))
                case .message(.response):
                    continue
                case .malformed(let reason, let excerpt):
                    return .failure(ConformanceFailure("wrote \(reason) on stdout: '\(excerpt)' (stdout carries only JSON-RPC; print other text on stderr)"))
                case .lineTooLong:
                    return .failure(ConformanceFailure("wrote a line longer than 8 MiB on stdout"))
                case .closed:
                    let status = await exitWatch.stop(grace: .seconds(1))
                    return .failure(ConformanceFailure("closed stdout (\(status)) without answering"))
                }
            }
        }

        // initialize
        let initialize = InitializeParams(
            protocolVersion: version, ameVersion: BuildInfo.version,
            context: SessionContext(workingDirectory: workingDirectory, projectDirectory: nil, server: "embedded", output: "text",
                                    tty: .init(stdin: false, stdout: false, stderr: false), color: false, width: 80))
        process.send(.request(id: .number(1), method: PluginMethod.initialize, params: initialize.json))
        process.send(.notification(method: "$/ame-conformance-probe", params: .object([:])))
        switch await answer(to: .number(1), within: PluginSession.Deadlines().initialize) {
        case .failure(let failure):
            return await fail("initialize", failure.message)
        case .success(.failure(let error)):
            return await fail("initialize", "it refused: \(error.message)")
        case .success(.success(let value)):
            guard let result = try? InitializeResult(json: value), result.protocolVersion == version else {
                return await fail("initialize", "the answer must be {\"protocolVersion\": \(version)}")
            }
            if expectSuccess { checks.append(Check(name: "initialize", passed: true, detail: "answered with protocol \(version); ignored an unknown notification")) }
        }

        // An unknown method must get a JSON-RPC error, not silence or a crash.
        if expectSuccess {
            process.send(.request(id: .number(99), method: "ame.conformance/unknown", params: .object([:])))
            switch await answer(to: .number(99), within: .seconds(2)) {
            case .failure(let failure):
                return await fail("unknown method", failure.message + " (answer requests it does not know with error -32601)")
            case .success(.success):
                return await fail("unknown method", "it answered an unknown method with a result (it should answer error -32601)")
            case .success(.failure(let error)):
                checks.append(Check(name: "unknown method", passed: error.code == RPCErrorCode.methodNotFound.rawValue,
                                    detail: error.code == RPCErrorCode.methodNotFound.rawValue
                                        ? "answered with error -32601" : "answered with error \(error.code); -32601 is the code for an unknown method"))
            }
        }

        // run
        process.send(.request(id: .number(2), method: PluginMethod.run, params: RunParams(argv: argv).json))
        switch await answer(to: .number(2), within: runDeadline) {
        case .failure(let failure):
            return await fail(label, failure.message)
        case .success(.failure(let error)):
            if expectSuccess { return await fail(label, "it answered with error \(error.code): \(error.message)") }
            checks.append(Check(name: label, passed: true, detail: "refused with error \(error.code) (exit status \(error.exitStatus))"))
        case .success(.success(let value)):
            guard let result = try? RunResult(json: value) else {
                return await fail(label, "the answer must be {\"exitCode\": N, \"data\": …}")
            }
            if expectSuccess {
                let printed = notifications.contains { $0.0 == PluginMethod.output && !(($0.1?["text"]?.stringValue ?? "").isEmpty) }
                guard result.exitCode == 0, printed else {
                    return await fail(label, result.exitCode != 0 ? "it ended with exit code \(result.exitCode), not 0"
                                                               : "it printed no help (send it as an 'output' notification)")
                }
                checks.append(Check(name: label, passed: true, detail: "printed help through 'output' and ended with 0"))
            } else {
                guard result.exitCode != 0 else {
                    return await fail(label, "it accepted an option that cannot exist (exit code 0)")
                }
                checks.append(Check(name: label, passed: true, detail: "refused with exit code \(result.exitCode)"))
            }
        }

        // exit on end of input
        process.closeInput()
        if let status = await exitWatch.status(within: .seconds(2)) {
            if expectSuccess { checks.append(Check(name: "exit", passed: true, detail: "exited (\(status)) after answering 'run'")) }
        } else {
            return await fail("exit", "still running 2 s after answering 'run' and losing its stdin")
        }
        return checks
    }

    func milliseconds(_ duration: Duration) -> Int {
        Int(duration.components.seconds * 1000 + duration.components.attoseconds / 1_000_000_000_000_000)
    }
}
