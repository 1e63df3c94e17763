import AMECore
import AMEEngine
import AMES3
import ArgumentParser
import AMESystem
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// `ame agent …`: the side of AME that executes runs. Started by the engine, not by people.
struct AgentCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "agent",
        abstract: "Execute runs (started by the engine; not for direct use).",
        shouldDisplay: false,
        subcommands: [RunAgentCommand.self, InitPodAgentCommand.self, ExecPodAgentCommand.self])
}

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

    func run(context: CommandContext) async throws {
        try await Self.execute(runID: runID, dataDirectory: dataDirectory, cacheDirectory: cacheDirectory,
                               engineConfig: engineConfig, context: context)
    }

    /// The arguments exactly as `AgentProcessLauncher` writes them, read without
    /// ArgumentParser: building its reflection-based parser costs a few milliseconds of
    /// protocol-conformance lookups, paid by every run. Anything else returns nil and goes
    /// through the parser (and its error messages) as usual.
    static func launcherArguments(_ arguments: [String]) -> (runID: String, data: String, cache: String, config: String?)? {
        guard arguments.count == 7 || arguments.count == 9, arguments[0] == "agent", arguments[1] == "run",
              !arguments[2].hasPrefix("-"), arguments[3] == "--data-dir", arguments[5] == "--cache-dir" else { return nil }
        if arguments.count == 9 {
            guard arguments[7] == "--engine-config" else { return nil }
            return (arguments[2], arguments[4], arguments[6], arguments[8])
        }
        return (arguments[2], arguments[4], arguments[6], nil)
    }

    static func execute(runID: String, dataDirectory: String, cacheDirectory: String, engineConfig: String?,
                        context: CommandContext) async throws {
        Trace.mark("agent: start")
        let layout = EngineLayout(dataDirectory: URL(fileURLWithPath: dataDirectory), cacheDirectory: URL(fileURLWithPath: cacheDirectory))
        let configuration = try EngineConfiguration.load(path: engineConfig.map(URL.init(fileURLWithPath:)), environment: context.environment)
        let engine = try Engine(layout: layout, configuration: configuration)
        Trace.mark("agent: engine open")
        let coordinator = RunCoordinator(engine: engine, executor: LocalExecutor(), runID: runID, baseEnvironment: context.environment,
                                         objectStores: S3ObjectStoreProvider.fromEnvironment(context.environment))
        // SIGTERM (from 'ame cancel') cancels the run: the coordinator stops its steps,
        // collects what they wrote and records the run as cancelled.
        signal(SIGTERM, SIG_IGN)
        signal(SIGINT, SIG_IGN)
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
