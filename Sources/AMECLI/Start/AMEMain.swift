import AMECore
import AMESystem
import ArgumentParser
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The `ame` entry point: the start-up routes (`routes`), then the command parser, with
/// every failure turned into a message and an exit status (`ErrorReport`).
public enum AMEMain {
    /// Start-up, in order: the first route that answers ends `ame` with its status; when
    /// none does, ArgumentParser parses the built-in commands (`parse`). The routes before the
    /// async runtime come first, and `start` runs them on the main thread; `run` (in-process,
    /// for tests) starts at the immediate answers, as a process would after them.
    static let routes: [StartRoute] = [
        // The first process inside a run's sandbox (`ame __sandbox-exec`) becomes the run's
        // command at once, with the signal dispositions it was started with: nothing comes before it.
        StartRoute("sandbox entry", .beforeRuntime { launch in
            launch.arguments.first == SandboxEntry.command ? SandboxEntry.run(arguments: launch.arguments) : nil
        }),
        // Not an answer: from here on, writing to a closed pipe is an error, not a crash.
        StartRoute("ignore SIGPIPE", .beforeRuntime { _ in
            signal(SIGPIPE, SIG_IGN)
            return nil
        }),
        // `ame --version`, `ame version [--json]`: constants, printed before anything is set up.
        StartRoute("version", .immediate { arguments in VersionCommand.immediateAnswer(arguments) }),
        // `ame NAME …` for a valid plugin whose describe document is cached: its session, before
        // the async runtime and its threads exist. What it found otherwise goes on in the launch.
        StartRoute("cached plugin", .beforeRuntime { launch in PluginDispatch.runBeforeAsyncRuntime(&launch) }),
        // `ame agent …` and `ame help agent …`: the run agent, linked in by the executable.
        StartRoute("agent", .inRuntime { launch, context in await launch.agent?(launch.arguments, context) }),
        // `ame help`, `ame --help`, `ame -h` (the built-ins' help plus the plugins) and `ame help PLUGIN …`.
        StartRoute("help", .inRuntime { launch, context in await PluginDispatch.help(arguments: launch.arguments, context: context) }),
        // `ame help BUILTIN …`: the built-in's man page (`AME_HELP=builtin`: ArgumentParser's help instead).
        StartRoute("man page", .inRuntime { launch, context in
            let arguments = launch.arguments
            guard arguments.count >= 2, arguments[0] == "help", RootCommand.builtinNames.contains(arguments[1]),
                  context.environment["AME_HELP"] != "builtin" else { return nil }
            return await ManualViewer.show(Array(arguments.dropFirst()), context: context)
        }),
        // A first word no built-in takes: the plugin of that name, or "unknown command" with a suggestion.
        StartRoute("plugin or unknown command", .inRuntime { launch, context in
            guard let unknown = unknownCommand(in: launch.arguments) else { return nil }
            if let status = await PluginDispatch.run(name: unknown, arguments: Array(launch.arguments.dropFirst()), context: context,
                                                     found: launch.plugin) {
                return status
            }
            let hint = Suggestion.closest(to: unknown, in: RootCommand.builtinNames).map { "did you mean '\($0)'?" }
                ?? "run 'ame help' for the list of commands"
            return ErrorReport.report(CLIError("unknown command '\(unknown)'", hint: hint, exitCode: 2), terminal: context.terminal)
        }),
        // `ame run TASK`, the command a data scientist types most, needs no parser: building even
        // the run command's (reflection over its options, paid in protocol-conformance scans)
        // costs ~5 ms of each run. `ame run` with anything more goes to the parser.
        StartRoute("run TASK", .inRuntime { launch, context in
            let arguments = launch.arguments
            guard arguments.count == 2, arguments[0] == RunTaskCommand.configuration.commandName, !arguments[1].hasPrefix("-") else {
                return nil
            }
            Trace.mark("parsed")
            do {
                try await CommandContext.$current.withValue(context) {
                    try await RunInvocation(task: arguments[1]).run(context: context)
                }
                return 0
            } catch {
                return ErrorReport.report(error, terminal: context.terminal)
            }
        }),
    ]

    /// The whole of `ame`'s `main.swift`; `agent` is `ame agent …`'s route (`AMEAgent`).
    /// The routes before the async runtime run here, on the main thread; everything else runs
    /// as a task on the global executor, while the main thread parks until that task ends
    /// the process.
    ///
    /// Not an `await` at the top level: Swift's async main gives the main thread up with
    /// `dispatch_main()`, that is `pthread_exit`, whose forced unwind makes a statically
    /// linked `ame` sort every unwind entry in its 187 MB (crtbeginT registers .eh_frame
    /// for a lookup that has no index): ~70 ms of every start. The thread waits instead as
    /// libdispatch leaves it after `dispatch_main()`, in `sigsuspend` with no signal blocked,
    /// so signals reach AME as they always did (Ctrl-C during `ame run` included).
    public static func start(agent: AgentRoute? = nil) -> Never {
        Trace.mark("main: start")
        var launch = Launch(arguments: Array(CommandLine.arguments.dropFirst()), agent: agent)
        for route in routes {
            switch route.stage {
            case .beforeRuntime(let respond):
                if let status = respond(&launch) { exit(status) }
            case .immediate(let respond):
                if var text = respond(launch.arguments) {
                    exit(text.withUTF8 { POSIXIO.writeAll(STDOUT_FILENO, UnsafeRawBufferPointer($0)) } == 0 ? 0 : 1)
                }
            case .inRuntime:
                break
            }
        }
        Task.detached { [launch] in
            if isCompletionRequest(launch.arguments) {
                // The shell is drawing its prompt: nothing may reach the terminal, whatever
                // happens (not even a crash report).
                let null = open("/dev/null", O_WRONLY)
                if null >= 0 { dup2(null, STDERR_FILENO) }
            }
            let context = launch.context ?? CommandContext.live()
            Trace.mark("main: context")
            let status = await answer(launch, context: context)
            Trace.mark("main: exit")
            exit(status)
        }
        var none = sigset_t()
        sigemptyset(&none)
        while true { sigsuspend(&none) }
    }

    /// `ame` with `arguments` in this process, from the immediate answers on (what `start`
    /// answers before the async runtime is answered alike); tests run commands this way.
    public static func run(arguments: [String], context: CommandContext, agent: AgentRoute? = nil) async -> Int32 {
        Trace.mark("main")
        for route in routes {
            if case .immediate(let respond) = route.stage, let text = respond(arguments) {
                context.terminal.out(text)
                return 0
            }
        }
        return await answer(Launch(arguments: arguments, agent: agent, context: context), context: context)
    }

    /// The routes in the async runtime, then the parser.
    static func answer(_ launch: Launch, context: CommandContext) async -> Int32 {
        for route in routes {
            if case .inRuntime(let respond) = route.stage, let status = await respond(launch, context) { return status }
        }
        return await parse(launch.arguments, context: context)
    }

    /// What no route took: ArgumentParser parses the built-ins and runs the command.
    static func parse(_ arguments: [String], context: CommandContext) async -> Int32 {
        func failed(_ error: any Error, parser: (any ParsableCommand.Type)?) -> Int32 {
            if isCompletionRequest(arguments), !(error is ExitStatus), RootCommand.exitCode(for: error) != .success {
                // A completion request that went wrong offers nothing, quietly.
                return 0
            }
            return ErrorReport.report(error, terminal: context.terminal, parser: parser)
        }
        let command: any ParsableCommand
        do {
            // Async, with the context: run-id and secret completions (`ame ---completion …`) ask the engine.
            command = try await CommandContext.$current.withValue(context) { try await RootCommand.asyncParseAsRoot(arguments) }
        } catch {
            return failed(error, parser: RootCommand.self)
        }
        Trace.mark("parsed")
        do {
            try await run(command, context: context)
            return 0
        } catch {
            return failed(error, parser: RootCommand.tree(contains: command) ? nil : RootCommand.self)
        }
    }

    /// Runs a parsed command with `context` as the invocation's (`CommandContext.current`).
    public static func run(_ command: any ParsableCommand, context: CommandContext) async throws {
        try await CommandContext.$current.withValue(context) {
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                var command = command
                try command.run()
            }
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
}
