import ArgumentParser
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Turns a `ParsableCommand` tree into an AME plugin: `--ame-describe` prints the describe
/// document, and under AME the session (initialize, run, host calls, `$/cancel`) is
/// handled here, so a plugin is its commands and one line of `main`:
///
///     @main enum Main {
///         static func main() async {
///             await PluginRuntime.main(Hello.self, about: PluginAbout(version: "1.0.0", vendor: "Example"))
///         }
///     }
public enum PluginRuntime {
    public static func main(_ root: any ParsableCommand.Type, about: PluginAbout) async -> Never {
        // Writing to AME after it has gone must fail quietly, not kill the plugin mid-cleanup.
        signal(SIGPIPE, SIG_IGN)
        let arguments = Array(CommandLine.arguments.dropFirst())
        if arguments.first == PluginProtocol.describeFlag {
            exit(printDescription(root, about: about))
        }
        guard ProcessInfo.processInfo.environment["AME_PLUGIN_PROTOCOL"] != nil else {
            let name = about.name ?? root._commandName
            writeStandardError("ame-\(name) is an AME plugin and speaks JSON-RPC on stdin/stdout.\n"
                + "  hint: run it as 'ame \(name) \(arguments.joined(separator: " "))'\n")
            exit(2)
        }
        exit(await serve(root, about: about, channel: StdioChannel()))
    }

    static func printDescription(_ root: any ParsableCommand.Type, about: PluginAbout) -> Int32 {
        do {
            let description = try DescriptionBuilder.describe(root, about: about)
            var bytes = JSONWriter.write(description.json)
            bytes.append(0x0A)
            FileHandle.standardOutput.write(Data(bytes))
            return 0
        } catch {
            writeStandardError("cannot describe this plugin: \(error)\n")
            return 70
        }
    }

    /// One session; returns the process's exit status.
    static func serve(_ root: any ParsableCommand.Type, about: PluginAbout, channel: StdioChannel) async -> Int32 {
        let router = Router()
        let (requests, requestSink) = AsyncStream<(RPCID, String, JSONValue?)>.makeStream()
        channel.startReading(onMessage: { message in
            if case .request(let id, let method, let params) = message,
               method == PluginMethod.initialize || method == PluginMethod.run || method == PluginMethod.complete {
                requestSink.yield((id, method, params))
            } else if let host = router.host {
                host.receive(message)
            } else if case .request(let id, let method, _) = message {
                channel.send(.response(id: id, result: .failure(RPCError(.invalidRequest, "'\(method)' before 'initialize'"))))
            }
        }, onEnd: {
            requestSink.finish()
            router.host?.disconnect()
        })

        var host: AMEHost?
        for await (id, method, params) in requests {
            switch method {
            case PluginMethod.initialize:
                guard let initialize = try? InitializeParams(json: params ?? .null) else {
                    channel.send(.response(id: id, result: .failure(RPCError(.invalidParams, "initialize needs protocolVersion, ameVersion and context"))))
                    continue
                }
                guard initialize.protocolVersion >= about.protocolRange.min, initialize.protocolVersion <= about.protocolRange.max else {
                    channel.send(.response(id: id, result: .failure(RPCError(.invalidParams,
                        "protocol \(initialize.protocolVersion) is not one this plugin speaks (\(about.protocolRange))"))))
                    continue
                }
                let created = AMEHost(channel: channel, context: initialize.context, protocolVersion: initialize.protocolVersion)
                host = created
                router.host = created
                channel.send(.response(id: id, result: .success(InitializeResult(protocolVersion: initialize.protocolVersion).json)))
            case PluginMethod.run:
                guard let host else {
                    channel.send(.response(id: id, result: .failure(RPCError(.invalidRequest, "'run' before 'initialize'"))))
                    continue
                }
                let argv = (try? RunParams(json: params ?? .null).argv) ?? []
                let result = await run(root, argv: argv, host: host)
                channel.send(.response(id: id, result: result.map(\.json)))
                if case .success(let outcome) = result { return outcome.exitCode }
                if case .failure(let error) = result { return error.exitStatus }
            case PluginMethod.complete:
                guard host != nil else {
                    channel.send(.response(id: id, result: .failure(RPCError(.invalidRequest, "'complete' before 'initialize'"))))
                    continue
                }
                let argv = (try? CompleteParams(json: params ?? .null).argv) ?? []
                let candidates = await PluginCompleter.candidates(root, argv: argv)
                channel.send(.response(id: id, result: .success(CompleteResult(candidates: candidates).json)))
                return 0
            default:
                break
            }
        }
        return 0 // AME closed stdin before asking for anything.
    }

    /// Parses `argv` with ArgumentParser and runs the command it names.
    static func run(_ root: any ParsableCommand.Type, argv: [String], host: AMEHost) async -> Result<RunResult, RPCError> {
        var command: any ParsableCommand
        do {
            command = try root.parseAsRoot(argv)
        } catch {
            let code = root.exitCode(for: error).rawValue
            let message = qualify(root.fullMessage(for: error), root: root)
            if code == 0 {
                if !message.isEmpty { host.print(message) }
            } else {
                writeStandardError(message + "\n")
            }
            return .success(RunResult(exitCode: code))
        }
        do {
            if let pluginCommand = command as? any AMEPluginCommand {
                nonisolated(unsafe) let unsafeCommand = pluginCommand
                let task = Task { try await unsafeCommand.run(host: host) }
                host.onCancel { task.cancel() }
                let outcome = try await task.value
                // `--json`; with AME_OUTPUT=json, ame itself prints the data.
                if host.printsJSON && host.context.output != "json" { host.writeJSON(outcome.data ?? .null) }
                return .success(RunResult(exitCode: outcome.exitCode, data: outcome.data))
            }
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
            return .success(RunResult(exitCode: 0))
        } catch is CancellationError {
            return .failure(RPCError(.cancelled, "cancelled"))
        } catch let failure as PluginFailure {
            return .failure(failure.rpcError)
        } catch let rpcError as RPCError {
            // A host call failed and the command passed the failure on.
            return .failure(RPCError(code: RPCErrorCode.failed.rawValue, message: rpcError.message, data: rpcError.data))
        } catch {
            // ArgumentParser reports help, `help SUBCOMMAND` and clean exits as errors too
            // (parsing `--help` yields a command whose run() throws the help text).
            let code = root.exitCode(for: error).rawValue
            let message = qualify(root.fullMessage(for: error), root: root)
            if code == 0 {
                if !message.isEmpty { host.print(message) }
                return .success(RunResult(exitCode: 0))
            }
            if error is ExitCode { return .success(RunResult(exitCode: code)) }
            return .failure(RPCError(.failed, message.isEmpty ? "\(error)" : message))
        }
    }

    /// ArgumentParser names the plugin's root command alone (`hello greet`); the user types
    /// `ame hello greet`, so usage lines and hints say that.
    static func qualify(_ message: String, root: any ParsableCommand.Type) -> String {
        let name = root._commandName
        return message
            .replacingOccurrences(of: "USAGE: \(name)", with: "USAGE: ame \(name)")
            .replacingOccurrences(of: "Usage: \(name)", with: "Usage: ame \(name)")
            .replacingOccurrences(of: "'\(name) ", with: "'ame \(name) ")
    }

    static func writeStandardError(_ text: String) {
        FileHandle.standardError.write(Data(text.utf8))
    }
}

/// Hands messages to the host once `initialize` has created it.
private final class Router: @unchecked Sendable {
    private let lock = NSLock()
    private var storedHost: AMEHost?

    var host: AMEHost? {
        get { lock.withLock { storedHost } }
        set { lock.withLock { storedHost = newValue } }
    }
}
