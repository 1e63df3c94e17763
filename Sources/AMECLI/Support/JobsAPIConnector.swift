import AMEClient
import AMECore
import AMEEngine
import Foundation

/// Chooses and opens the jobs API for a command: with `--local`, the embedded engine;
/// else `AME_SERVER` (with `AME_TOKEN`), else the current server in config.yaml (saved by
/// `ame setup`), else the embedded engine.
public struct JobsAPIConnector: Sendable {
    public var connect: @Sendable (CommandContext, _ local: Bool) throws -> any JobsAPI

    public init(connect: @escaping @Sendable (CommandContext, _ local: Bool) throws -> any JobsAPI) {
        self.connect = connect
    }

    public static let standard = JobsAPIConnector { context, local in
        if !local, let selection = try ServerSelection.resolve(environment: context.environment) {
            return HTTPJobsAPI(baseURL: selection.url, token: selection.token)
        }
        return try embedded(context)
    }

    /// The engine in this process, with its data under `$XDG_DATA_HOME/ame`.
    public static func embedded(_ context: CommandContext) throws -> EmbeddedJobsAPI {
        let environment = context.environment
        let configPath = EngineConfiguration.defaultPath(environment: environment)
        let configuration: EngineConfiguration
        do {
            configuration = try EngineConfiguration.load(path: configPath, environment: environment)
        } catch let error as EngineConfiguration.LoadError {
            throw DiagnosticsFailure(diagnostics: error.diagnostics, source: try? String(contentsOf: configPath, encoding: .utf8))
        }
        let engine: Engine
        do {
            engine = try Engine(layout: .embedded(environment: environment), configuration: configuration)
        } catch {
            throw CLIError("cannot open AME's data directory: \(error)",
                           hint: "check that \(EngineLayout.embedded(environment: environment).dataDirectory.path) is writable")
        }
        let launcher = AgentProcessLauncher(
            agentExecutable: context.executablePath, environment: environment,
            engineConfigPath: FileManager.default.fileExists(atPath: configPath.path) ? configPath.path : nil)
        return EmbeddedJobsAPI(engine: engine, launcher: launcher, owner: localUser(environment))
    }

    static func localUser(_ environment: [String: String]) -> String {
        let name = environment["USER"] ?? environment["LOGNAME"] ?? "local"
        return name.isEmpty ? "local" : name
    }
}
