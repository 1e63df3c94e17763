import AMECLI
import AMECore
import AMEEngine
import AMES3
import AMESystem
import ArgumentParser
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// `ame agent run RUN`: carries one run to its end on this machine.
struct RunAgentCommand: AMECommand {
    static let configuration = CommandConfiguration(commandName: "run", abstract: "Execute one run to its end.")

    @Argument(help: "The run to execute.")
    var runID: String

    @Option(name: .customLong("data-dir"), help: "The engine's data directory.")
    var dataDirectory: String

    @Option(name: .customLong("cache-dir"), help: "The engine's cache directory.")
    var cacheDirectory: String

    @Option(name: .customLong("engine-config"), help: "The engine's settings file.")
    var engineConfig: String?

    @Option(help: "Run steps in the sandbox: on or off (default: as the engine's settings say).")
    var sandbox: String?

    func run(context: CommandContext) async throws {
        guard sandbox == nil || ["on", "off"].contains(sandbox) else { throw ValidationError("--sandbox must be on or off") }
        try await Self.execute(LauncherArguments(runID: runID, data: dataDirectory, cache: cacheDirectory, config: engineConfig,
                                                 sandbox: sandbox.map { $0 == "on" }), context: context)
    }

    /// What `AgentProcessLauncher` passes.
    struct LauncherArguments: Equatable {
        var runID: String
        var data: String
        var cache: String
        var config: String?
        var sandbox: Bool?
    }

    /// The arguments exactly as `AgentProcessLauncher` writes them, read without
    /// ArgumentParser: building its reflection-based parser costs a few milliseconds of
    /// protocol-conformance lookups, paid by every run. Anything else returns nil and goes
    /// through the parser (and its error messages) as usual.
    static func launcherArguments(_ arguments: [String]) -> LauncherArguments? {
        guard arguments.count >= 7, arguments.count % 2 == 1, arguments[0] == "agent", arguments[1] == "run",
              !arguments[2].hasPrefix("-"), arguments[3] == "--data-dir", arguments[5] == "--cache-dir" else { return nil }
        var result = LauncherArguments(runID: arguments[2], data: arguments[4], cache: arguments[6])
        var rest = arguments[7...]
        if rest.first == "--engine-config" {
            result.config = rest.dropFirst().first
            rest = rest.dropFirst(2)
        }
        if rest.first == "--sandbox", let value = rest.dropFirst().first, value == "on" || value == "off" {
            result.sandbox = value == "on"
            rest = rest.dropFirst(2)
        }
        return rest.isEmpty ? result : nil
    }

    static func execute(_ arguments: LauncherArguments, context: CommandContext) async throws {
        Trace.mark("agent: start")
        let runID = arguments.runID
        let layout = EngineLayout(dataDirectory: URL(fileURLWithPath: arguments.data), cacheDirectory: URL(fileURLWithPath: arguments.cache))
        let configuration = try EngineConfiguration.load(path: arguments.config.map(URL.init(fileURLWithPath:)), environment: context.environment)
        let engine = try Engine(layout: layout, configuration: configuration)
        Trace.mark("agent: engine open")
        var sandbox: Sandbox?
        if arguments.sandbox ?? configuration.sandbox {
            // What no run may see, even where a folder around it is shown.
            let hidden = [layout.dataDirectory.path, layout.cacheDirectory.path] + (arguments.config.map { [$0] } ?? [])
            sandbox = try Sandbox.locate(environment: context.environment, entryExecutable: context.executablePath, hiddenPaths: hidden)
        }
        let coordinator = RunCoordinator(engine: engine, executor: LocalExecutor(), runID: runID, baseEnvironment: context.environment,
                                         objectStores: S3ObjectStoreProvider.fromEnvironment(context.environment), sandbox: sandbox)
        // SIGTERM (from 'ame cancel') cancels the run: the coordinator stops its steps,
        // collects what they wrote and records the run as cancelled.
        signal(SIGTERM, SIG_IGN)
        InterruptSignals.ignoreForever()
        signal(SIGHUP, SIG_IGN)
        let work = Task { await coordinator.run() }
        let source = DispatchSource.makeSignalSource(signal: SIGTERM, queue: .global())
        source.setEventHandler { work.cancel() }
        source.resume()
        let exitCode = await work.value
        source.cancel()
        throw ExitStatus(exitCode)
    }
}
