import AMEPluginKit
import AMESystem
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// One run of a plugin: start it, `initialize`, `run`, serve its host calls and show its
/// notifications until it answers, then let it exit.
///
/// Whatever the plugin does — garbage on stdout, a crash, a hang before answering
/// `initialize`, an endless line — the session ends with a sentence naming the plugin and
/// the last lines it wrote on stderr, and an exit status from docs/plugins.md. It never
/// hangs on a plugin and never traps.
public struct PluginSession: Sendable {
    public struct Deadlines: Sendable {
        /// For the answer to `initialize`.
        public var initialize: Duration = .seconds(5)
        /// For the plugin to exit after answering `run` (then SIGTERM, then SIGKILL).
        public var exit: Duration = .seconds(2)

        public init() {}
    }

    /// Exit statuses of failures that are the plugin's fault rather than its answer.
    public enum Status {
        /// Could not be started, or is invalid.
        public static let cannotRun: Int32 = 126
        /// Broke the protocol (garbage, a line too long, a wrong answer).
        public static let protocolError: Int32 = 70
        /// Missed a deadline.
        public static let deadline: Int32 = 124
        /// Stopped by Ctrl-C.
        public static let interrupted: Int32 = 130
    }

    public var name: String
    public var path: String
    public var protocolVersion: Int
    public var context: CommandContext
    public var services: PluginServices
    public var deadlines = Deadlines()

    public init(name: String, path: String, protocolVersion: Int, context: CommandContext, services: PluginServices) {
        self.name = name
        self.path = path
        self.protocolVersion = protocolVersion
        self.context = context
        self.services = services
    }

    /// Why the session loop stopped.
    enum Ending {
        case answered(Result<JSONValue, RPCError>)
        case malformed(reason: String, excerpt: String)
        case lineTooLong
        case closedEarly(during: String)
        case missedInitializeDeadline
        case badInitializeAnswer(String)
    }

    /// Runs the plugin with `argv`; returns `ame`'s exit status or throws a `CLIError`.
    /// The session runs on a thread of its own; each element of `interrupts` is a Ctrl-C.
    public func run(argv: [String], interrupts: AsyncStream<Void>) async throws -> Int32 {
        let presses = try InterruptPipe()
        let forwarder = Task {
            for await _ in interrupts { presses.press() }
        }
        defer { forwarder.cancel() }
        return try await BlockingWork.run { try self.runBlocking(argv: argv, interrupts: presses) }
    }

    /// The session itself, on the calling thread, which it blocks until the plugin has
    /// exited (and which must not end before: the plugin's parent-death signal is tied to
    /// it). Host calls run as tasks; nothing else starts a thread, so `ame NAME` can run
    /// this before Swift's async runtime has started at all.
    func runBlocking(argv: [String], interrupts: InterruptPipe) throws -> Int32 {
        Trace.mark("session: start")
        let connection: PluginConnection
        do {
            connection = try PluginConnection.start(
                path: path, environment: PluginEnvironment.forSession(context: context, protocolVersion: protocolVersion),
                workingDirectory: context.workingDirectoryPath, interrupts: interrupts,
                stderr: { [terminal = context.terminal] in terminal.write($0, to: .stderr) })
        } catch {
            throw CLIError("cannot start plugin '\(name)' (\(path)): \(error)",
                           hint: "check that it is a program for this machine ('ame plugin test \(path)')", exitCode: Status.cannotRun)
        }
        Trace.mark("session: started")
        let hostCalls = TaskBag()
        defer { hostCalls.cancelAll() }

        let renderer = PluginNotificationRenderer(terminal: context.terminal, environment: context.environment)
        let host = PluginHostMethods(pluginName: name, context: context, services: services)
        let initializeID = RPCID.number(1)
        let runID = RPCID.number(2)
        var initialized = false
        var presses = 0
        connection.send(.request(id: initializeID, method: PluginMethod.initialize, params: initializeParams().json))
        let initializeDeadline = ContinuousClock.now + deadlines.initialize
        Trace.mark("session: initialize sent")

        var ending: Ending = .closedEarly(during: "initialize")
        loop: while true {
            switch connection.next(until: initialized ? nil : initializeDeadline) {
            case .timeout:
                ending = .missedInitializeDeadline
                break loop
            case .interrupt:
                presses += 1
                interrupt(presses, connection: connection)
            case .output(.message(.response(let id, let result))):
                if id == initializeID && !initialized {
                    switch result {
                    case .failure(let error):
                        ending = .badInitializeAnswer("refused 'initialize': \(error.message)")
                        break loop
                    case .success(let value):
                        guard let answer = try? InitializeResult(json: value), answer.protocolVersion == protocolVersion else {
                            ending = .badInitializeAnswer("answered 'initialize' without \"protocolVersion\": \(protocolVersion)")
                            break loop
                        }
                    }
                    initialized = true
                    Trace.mark("session: initialized")
                    let params = RunParams(argv: argv).json
                    connection.send(.request(id: runID, method: PluginMethod.run, params: params))
                } else if id == runID && initialized {
                    Trace.mark("session: answered")
                    ending = .answered(result)
                    break loop
                }
                // Any other answer answers nothing AME asked: ignored, as JSON-RPC allows.
            case .output(.message(.request(let id, let method, let params))):
                hostCalls.add(Task.detached {
                    let result = await host.handle(id: id, method: method, params: params, notify: { connection.send($0) })
                    connection.send(.response(id: id, result: result))
                })
            case .output(.message(.notification(let method, let params))):
                renderer.render(method: method, params: params)
            case .output(.malformed(let reason, let excerpt)):
                ending = .malformed(reason: reason, excerpt: excerpt)
                break loop
            case .output(.lineTooLong):
                ending = .lineTooLong
                break loop
            case .output(.closed):
                ending = .closedEarly(during: initialized ? "run" : "initialize")
                break loop
            }
        }
        renderer.clearProgress()
        hostCalls.cancelAll()
        return try finish(ending, connection: connection, interrupted: presses > 0)
    }

    func initializeParams() -> InitializeParams {
        let terminal = context.terminal
        return InitializeParams(
            protocolVersion: protocolVersion, ameVersion: BuildInfo.version,
            context: SessionContext(
                workingDirectory: context.workingDirectoryPath,
                projectDirectory: ProjectLocation.nearestProjectDirectory(from: context.workingDirectoryPath),
                // The server `ame setup` saved (or AME_SERVER): the one host methods reach.
                server: ((try? ServerSelection.resolve(environment: context.environment)) ?? nil).map { $0.url.absoluteString } ?? "embedded",
                output: PluginEnvironment.outputMode(context: context),
                tty: SessionContext.TTY(stdin: terminal.stdinIsTTY, stdout: terminal.stdoutIsTTY, stderr: terminal.stderrIsTTY),
                color: terminal.colorEnabled, width: terminal.width))
    }

    /// Ctrl-C: ask, then terminate, then kill.
    func interrupt(_ presses: Int, connection: PluginConnection) {
        let style = context.terminal.errorStyle
        switch presses {
        case 1:
            connection.send(.notification(method: PluginMethod.cancel, params: .object([:])))
            context.terminal.errLine(style.dim("ame: asked \(name) to stop; press Ctrl-C again to terminate it"))
        case 2:
            connection.child.sendToGroup(SIGTERM)
            context.terminal.errLine(style.dim("ame: terminating \(name); press Ctrl-C again to kill it"))
        default:
            connection.child.sendToGroup(SIGKILL)
        }
    }

    func finish(_ ending: Ending, connection process: PluginConnection, interrupted: Bool) throws -> Int32 {
        switch ending {
        case .answered(let result):
            process.closeInput()
            _ = process.stop(grace: deadlines.exit)
            Trace.mark("session: plugin exited")
            process.drainStderr()
            Trace.mark("session: stderr drained")
            switch result {
            case .success(let value):
                guard let answer = try? RunResult(json: value) else {
                    throw failure("answered 'run' with something other than {\"exitCode\": …}",
                                  hint: "see 'run' in docs/plugins.md", exitCode: Status.protocolError, process: process)
                }
                if let data = answer.data, PluginEnvironment.outputMode(context: context) == "json" {
                    try JSONOutput.write(data, to: context.terminal)
                }
                return (0...255).contains(answer.exitCode) ? answer.exitCode : 1
            case .failure(let error):
                if interrupted && error.code == RPCErrorCode.cancelled.rawValue { return Status.interrupted }
                throw CLIError(error.message, hint: error.hint, exitCode: error.exitStatus)
            }
        case .malformed(let reason, let excerpt):
            _ = process.terminate(grace: .seconds(1))
            process.drainStderr()
            throw failure("wrote \(reason) on stdout: '\(excerpt)'",
                          hint: "a plugin's stdout carries only JSON-RPC messages, one per line; it should print anything else on stderr",
                          exitCode: Status.protocolError, process: process)
        case .lineTooLong:
            _ = process.terminate(grace: .seconds(1))
            process.drainStderr()
            throw failure("wrote a line longer than \(PluginProcess.maximumMessageSize >> 20) MiB on stdout",
                          hint: "messages must be shorter; send large data as several messages or as a file",
                          exitCode: Status.protocolError, process: process)
        case .missedInitializeDeadline:
            _ = process.terminate(grace: .seconds(1))
            process.drainStderr()
            throw failure("did not answer 'initialize' within \(PluginHandshake.seconds(deadlines.initialize)) s and was stopped",
                          hint: "a plugin must answer 'initialize' at once; check it with 'ame plugin test \(path)'",
                          exitCode: Status.deadline, process: process)
        case .badInitializeAnswer(let sentence):
            _ = process.terminate(grace: .seconds(1))
            process.drainStderr()
            throw failure(sentence, hint: "check it with 'ame plugin test \(path)'", exitCode: Status.protocolError, process: process)
        case .closedEarly(let request):
            // Its stdout is closed: it has exited or is about to. Give it the exit grace.
            let status = process.stop(grace: deadlines.exit)
            process.drainStderr()
            if interrupted { return Status.interrupted }
            let code = status.succeeded ? Status.protocolError : status.exitCode
            let how = switch status {
            case .exited(0): "exited"
            case .exited(let code): "exited with status \(code)"
            case .signaled(let signal): "was killed by \(TerminationStatus.signalName(signal))"
            }
            throw failure("\(how) before answering '\(request)'",
                          hint: "a plugin must answer every request AME sends; check it with 'ame plugin test \(path)'",
                          exitCode: code, process: process)
        }
    }

    func failure(_ sentence: String, hint: String, exitCode: Int32, process: PluginConnection) -> CLIError {
        var text = hint
        let lines = process.lastStderrLines()
        if !lines.isEmpty {
            text += "\n  its last lines on stderr:\n" + lines.map { "    | \($0)" }.joined(separator: "\n")
        }
        return CLIError("plugin '\(name)' (\(path)) \(sentence)", hint: text, exitCode: exitCode)
    }
}
