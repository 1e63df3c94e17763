import AMECore
import AMEPluginKit
import AMESystem
import Foundation

/// Where `AMEMain` hands over what is not a built-in: `ame NAME …` for a plugin, and the
/// plugin parts of `ame help`.
public enum PluginDispatch {
    /// Runs plugin `name` with `arguments`; nil when there is no `ame-NAME` (the caller
    /// then reports an unknown command). `found`: what `runBeforeAsyncRuntime` already
    /// learned of the name, so the folders are not searched twice.
    static func run(name: String, arguments: [String], context: CommandContext,
                    found: PluginResolver.QuickResolution? = nil) async -> Int32? {
        let resolver = PluginResolver.standard(context: context)
        Trace.mark("dispatch: resolving")
        guard let record = await resolver.resolve(from: found ?? resolver.resolveWithoutHandshake(name)) else { return nil }
        Trace.mark("dispatch: resolved")
        do {
            return try await run(record, arguments: arguments, context: context)
        } catch {
            return ErrorReport.report(error, terminal: context.terminal)
        }
    }

    /// `ame NAME …` for a valid plugin whose describe document is cached, run before Swift's
    /// async runtime has started: on the main thread, with no thread of AME's own unless the
    /// plugin calls the host. Most of what `ame NAME` added to the plugin's own time was that
    /// runtime and its threads. Nil for anything else, which then goes the usual way (with
    /// the usual handshakes, errors and suggestions), taking the context built here and what
    /// was found of the name along in `launch`.
    static func runBeforeAsyncRuntime(_ launch: inout Launch) -> Int32? {
        let arguments = launch.arguments
        guard let name = arguments.first, !name.hasPrefix("-"), !RootCommand.builtinNames.contains(name) else { return nil }
        let context = launch.liveContext()
        Trace.mark("dispatch: resolving")
        let found = PluginResolver.standard(context: context).resolveWithoutHandshake(name)
        // An invalid plugin goes the usual way too, which refuses it with its reason.
        guard case .decided(let record) = found, case .valid = record.status else {
            launch.plugin = found
            return nil
        }
        Trace.mark("dispatch: resolved")
        do {
            let session = try session(for: record, context: context)
            let presses = try InterruptPipe()
            InterruptSignals.routeIntoPipe(writeDescriptor: presses.writeDescriptor)
            defer { InterruptSignals.restoreDefault() }
            return try withExtendedLifetime(presses) {
                try session.runBlocking(argv: Array(arguments.dropFirst()), interrupts: presses)
            }
        } catch {
            return ErrorReport.report(error, terminal: context.terminal)
        }
    }

    /// Runs a resolved plugin; an invalid one is refused with its reason.
    static func run(_ record: PluginRecord, arguments: [String], context: CommandContext) async throws -> Int32 {
        let session = try session(for: record, context: context)
        let (presses, stopListening) = InterruptSignals.shared.presses()
        defer { stopListening() }
        return try await session.run(argv: arguments, interrupts: presses)
    }

    /// The session for a resolved plugin, in the highest protocol version both speak; an
    /// invalid plugin is refused with its reason.
    static func session(for record: PluginRecord, context: CommandContext) throws -> PluginSession {
        guard case .valid(let description) = record.status else {
            throw CLIError("plugin '\(record.name)' (\(record.path)) cannot run: \(record.status.problem ?? "it is invalid")",
                           hint: "'ame plugin list' shows every plugin and its status", exitCode: PluginSession.Status.cannotRun)
        }
        let version = description.protocol.highestCommonVersion(with: PluginProtocol.supported) ?? PluginProtocol.current
        return PluginSession(name: record.name, path: record.path, protocolVersion: version, context: context,
                             services: PluginServices.factory(context))
    }
}

extension PluginDispatch {
    /// `ame help`, `ame --help`, `ame -h`: the built-ins' help plus the plugins; `ame help
    /// NAME …` for a plugin. Nil for anything else (ArgumentParser answers it).
    public static func help(arguments: [String], context: CommandContext) async -> Int32? {
        let terminal = context.terminal
        if arguments == ["help"] || arguments == ["--help"] || arguments == ["-h"] {
            var text = RootCommand.helpMessage(columns: terminal.width)
            if !text.hasSuffix("\n") { text += "\n" }
            let records = await PluginResolver.standard(context: context).all()
            text += PluginHelp.section(for: records, style: terminal.style)
            terminal.out(text)
            return 0
        }
        guard arguments.count >= 2, arguments[0] == "help", !RootCommand.builtinNames.contains(arguments[1]) else { return nil }
        let name = arguments[1]
        guard !name.hasPrefix("-") else { return nil }
        let resolver = PluginResolver.standard(context: context)
        guard let record = await resolver.resolve(name) else {
            // Not a built-in and no plugin: say so, rather than showing the top-level help.
            let known = RootCommand.builtinNames.filter { !$0.hasPrefix("_") } + (await resolver.all()).map(\.name)
            let hint = Suggestion.closest(to: name, in: known).map { "did you mean 'ame help \($0)'?" }
                ?? "run 'ame help' for the list of commands"
            return ErrorReport.report(CLIError("unknown command '\(name)'", hint: hint, exitCode: 64), terminal: terminal)
        }
        guard let text = PluginHelp.detail(for: record, path: Array(arguments.dropFirst(2))) else {
            let reason = record.status.problem ?? "it has no command '\(arguments.dropFirst(2).joined(separator: " "))'"
            return ErrorReport.report(CLIError("no help for plugin '\(name)' (\(record.path)): \(reason)",
                                           hint: "'ame plugin list' shows every plugin and its status", exitCode: 2),
                                  terminal: terminal)
        }
        terminal.out(text)
        return 0
    }
}
