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
        Trace.mark("agent: start")
        let layout = EngineLayout(dataDirectory: URL(fileURLWithPath: dataDirectory), cacheDirectory: URL(fileURLWithPath: cacheDirectory))
        let configuration = try EngineConfiguration.load(path: engineConfig.map(URL.init(fileURLWithPath:)), environment: context.environment)
        let engine = try Engine(layout: layout, configuration: configuration)
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
