import AMECore
import AMESystem
import ArgumentParser
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The `ame` entry point: parse, run with the injected context, and turn every failure
/// into a message and an exit status (never a trap or a stack trace).
public enum AMEMain {
    /// The whole of `ame`'s `main.swift`. `ame NAME …` for a plugin whose describe document
    /// is cached finishes here before Swift's async runtime starts (see `PluginDispatch`);
    /// everything else runs as a task on the global executor, while the main thread parks
    /// until that task ends the process.
    ///
    /// Not an `await` at the top level: Swift's async main gives the main thread up with
    /// `dispatch_main()`, that is `pthread_exit`, whose forced unwind makes a statically
    /// linked `ame` sort every unwind entry in its 187 MB (crtbeginT registers .eh_frame
    /// for a lookup that has no index): ~70 ms of every start. The thread waits instead as
    /// libdispatch leaves it after `dispatch_main()`, in `sigsuspend` with no signal blocked,
    /// so signals reach AME as they always did (Ctrl-C during `ame run` included).
    public static func start() -> Never {
        Trace.mark("main: start")
        let arguments = Array(CommandLine.arguments.dropFirst())
        // The first process inside a run's sandbox: it becomes the run's command at once,
        // with the signal dispositions it was started with.
        if arguments.first == SandboxEntry.command { exit(SandboxEntry.run(arguments: arguments)) }
        // Writing to a closed pipe must be an error, not a crash.
        signal(SIGPIPE, SIG_IGN)
        if var answer = VersionCommand.immediateAnswer(arguments) {
            exit(answer.withUTF8 { POSIXIO.writeAll(STDOUT_FILENO, UnsafeRawBufferPointer($0)) } == 0 ? 0 : 1)
        }
        if let status = PluginDispatch.runBeforeAsyncRuntime(arguments: arguments) { exit(status) }
        Task.detached { await main(arguments: arguments) }
        var none = sigset_t()
        sigemptyset(&none)
        while true { sigsuspend(&none) }
    }

    static func main(arguments: [String]) async -> Never {
        if isCompletionRequest(arguments) {
            // The shell is drawing its prompt: nothing may reach the terminal, whatever
            // happens (not even a crash report).
            let null = open("/dev/null", O_WRONLY)
            if null >= 0 { dup2(null, STDERR_FILENO) }
        }
        let context = CommandContext.live()
        Trace.mark("main: context")
        let status = await run(arguments: arguments, context: context)
        Trace.mark("main: exit")
        exit(status)
    }

    public static func run(arguments: [String], context: CommandContext) async -> Int32 {
        Trace.mark("main")
        let terminal = context.terminal
        // What `start` answers before the async runtime, answered alike in-process.
        if let answer = VersionCommand.immediateAnswer(arguments) {
            terminal.out(answer)
            return 0
        }
        if let agent = RunAgentCommand.launcherArguments(arguments) {
            do {
                try await RunAgentCommand.execute(agent, context: context)
                return 0
            } catch {
                return report(error, terminal: terminal)
            }
        }
        // Plugins (Plugins/): `ame help` lists them; a first word no built-in takes may name one.
        if let status = await PluginDispatch.help(arguments: arguments, context: context) { return status }
        if arguments.count >= 2, arguments[0] == "help", RootCommand.builtinNames.contains(arguments[1]),
           context.environment["AME_HELP"] != "builtin",
           let status = await ManualViewer.show(Array(arguments.dropFirst()), context: context) {
            return status
        }
        if let unknown = unknownCommand(in: arguments) {
            if let status = await PluginDispatch.run(name: unknown, arguments: Array(arguments.dropFirst()), context: context) {
                return status
            }
            let style = terminal.errorStyle
            terminal.errLine("\(style.red("error")): unknown command '\(unknown)'")
            if let suggestion = Suggestion.closest(to: unknown, in: RootCommand.builtinNames) {
                terminal.errLine("  hint: did you mean '\(suggestion)'?")
            } else {
                terminal.errLine("  hint: run 'ame help' for the list of commands")
            }
            return 2
        }
        do {
            try await CommandContext.$current.withValue(context) {
                // `ame run TASK`, the command a data scientist types most, needs no parser:
                // building even the run command's (reflection over its options, which the
                // Swift runtime pays for in protocol-conformance scans) costs ~5 ms of each
                // run. Anything else goes the usual way with the usual messages.
                if arguments.count == 2, arguments[0] == RunTaskCommand.configuration.commandName, !arguments[1].hasPrefix("-") {
                    Trace.mark("parsed")
                    try await RunInvocation(task: arguments[1]).run(context: context)
                    return
                }
                // Async: run-id and secret completions (`ame ---completion …`) ask the engine.
                var command = try await RootCommand.asyncParseAsRoot(arguments)
                Trace.mark("parsed")
                if var asyncCommand = command as? any AsyncParsableCommand {
                    try await asyncCommand.run()
                } else {
                    try command.run()
                }
            }
            return 0
        } catch {
            if isCompletionRequest(arguments), !(error is ExitStatus), RootCommand.exitCode(for: error) != .success {
                // A completion request that went wrong offers nothing, quietly.
                return 0
            }
            return report(error, terminal: terminal)
        }
    }

    /// `ame ---completion …` (ArgumentParser's scripts) and `ame plugin complete …` (AME's).
    static func isCompletionRequest(_ arguments: [String]) -> Bool {
        arguments.first == "---completion" || arguments.starts(with: ["plugin", "complete"])
    }

    /// The first word when it is meant as a command but names none.
    static func unknownCommand(in arguments: [String]) -> String? {
        guard let first = arguments.first, !first.hasPrefix("-") else { return nil }
        return RootCommand.builtinNames.contains(first) ? nil : first
    }

    static func report(_ error: any Error, terminal: any Terminal) -> Int32 {
        let style = terminal.errorStyle
        switch error {
        case let status as ExitStatus:
            return status.code
        case let failure as DiagnosticsFailure:
            failure.render(to: terminal)
            return 1
        case let diagnostics as DiagnosticsError:
            DiagnosticsFailure(diagnostics: diagnostics.diagnostics, source: nil).render(to: terminal)
            return 1
        case let apiError as APIError:
            // The engine's or the server's refusal, as a sentence with its hint.
            if let diagnostics = apiError.diagnostics, !diagnostics.isEmpty {
                DiagnosticsFailure(diagnostics: diagnostics, source: nil).render(to: terminal)
            }
            terminal.errLine("\(style.red("error")): \(apiError.message)")
            if let hint = apiError.hint { terminal.errLine("  hint: \(hint)") }
            return apiError.code == .invalidRequest || apiError.code == .invalidProject ? 2 : 1
        case let cliError as CLIError:
            terminal.errLine("\(style.red("error")): \(cliError.message)")
            if let hint = cliError.hint { terminal.errLine("  hint: \(hint)") }
            return cliError.exitCode
        case let other where !String(reflecting: type(of: other)).hasPrefix("ArgumentParser."):
            // Errors of AME's own libraries describe themselves in a sentence.
            terminal.errLine("\(style.red("error")): \(other)")
            return 1
        default:
            // ArgumentParser's own errors, help and --version.
            let code = RootCommand.exitCode(for: error).rawValue
            let message = RootCommand.fullMessage(for: error)
            if code == 0 {
                if !message.isEmpty { terminal.outLine(message) }
            } else if !message.isEmpty {
                terminal.errLine(message)
            }
            return code
        }
    }
}
