import AMECore
import AMEEngine
import AMESystem
import ArgumentParser
import Foundation
import Logging
#if canImport(Glibc)
import Glibc
#endif

/// `ame-server`: the jobs API over HTTP for a team, on the same engine as the embedded one.
public struct ServerCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "ame-server",
        abstract: "Serve AME's jobs API over HTTP, so 'ame setup URL' points the CLI here.",
        discussion: """
            On first start it makes an admin token, prints it once and stores only its hash \
            (AME_ADMIN_TOKEN sets it instead). Runs execute as local processes ('ame agent'), \
            so restarting the server does not stop them.
            """)

    @Option(help: "The address to listen on.")
    var host = "127.0.0.1"

    @Option(help: "The port to listen on (0: any free port, printed at start).")
    var port = 8080

    @Option(name: .customLong("data-dir"), help: ArgumentHelp("Where runs, blobs, logs and secrets live (or AME_DATA_DIR).", valueName: "dir"))
    var dataDirectory: String?

    @Option(name: .customLong("cache-dir"), help: ArgumentHelp("Python environments and tools (or AME_CACHE_DIR; default DATA/cache).", valueName: "dir"))
    var cacheDirectory: String?

    @Option(help: "Where runs execute: 'local' (processes on this machine).")
    var executor = "local"

    @Option(name: .customLong("agent"), help: ArgumentHelp("The 'ame' binary that runs each run (default: the one beside ame-server).", valueName: "path"))
    var agentPath: String?

    @Option(name: .customLong("config"), help: ArgumentHelp("Capacity and limits (engine.yaml format; or AME_SERVER_CONFIG).", valueName: "file"))
    var configPath: String?

    @Option(name: .customLong("agent-nice"), help: ArgumentHelp("The nice value runs start with, so the API stays responsive while many start (0: the server's own).", valueName: "n"))
    var agentNice: Int32 = 0

    @Option(name: .customLong("public-url"), help: ArgumentHelp("The URL clients use, as 'ame whoami' shows it.", valueName: "url"))
    var publicURL: String?

    @Option(name: .customLong("admin-user"), help: ArgumentHelp("The user the first admin token acts as (or AME_ADMIN_USER).", valueName: "name"))
    var adminUser: String?

    @Option(name: .customLong("log-level"), help: "trace, debug, info, notice, warning, error or critical.")
    var logLevel = "info"

    public init() {}

    /// The process entry point: parse the arguments, serve until SIGTERM or SIGINT.
    public static func start() async -> Never {
        do {
            let command = try parse()
            try await command.run()
            Glibc.exit(0)
        } catch {
            exit(withError: error)
        }
    }

    public func run() async throws {
        signal(SIGPIPE, SIG_IGN)
        let environment = ProcessInfo.processInfo.environment
        let level = Logger.Level(rawValue: logLevel) ?? .info
        LoggingSystem.bootstrap { label in
            var handler = JSONLogHandler(label: label)
            handler.logLevel = level
            return handler
        }
        let logger = Logger(label: "ame-server")

        guard executor == "local" else {
            throw ValidationError("unknown executor '\(executor)': this server runs 'local' (Kubernetes comes as its own executor)")
        }
        guard let data = dataDirectory ?? environment["AME_DATA_DIR"].flatMap({ $0.isEmpty ? nil : $0 }) else {
            throw ValidationError("give the data directory: --data-dir DIR (or AME_DATA_DIR)")
        }
        let dataURL = URL(fileURLWithPath: data, relativeTo: URL(fileURLWithPath: FileManager.default.currentDirectoryPath)).standardizedFileURL
        var layout = EngineLayout.server(dataDirectory: dataURL)
        if let cache = cacheDirectory ?? environment["AME_CACHE_DIR"].flatMap({ $0.isEmpty ? nil : $0 }) {
            layout = EngineLayout(dataDirectory: dataURL, cacheDirectory: URL(fileURLWithPath: cache).standardizedFileURL)
        }
        let configFile = (configPath ?? environment["AME_SERVER_CONFIG"]).flatMap { $0.isEmpty ? nil : URL(fileURLWithPath: $0) }
        if let configFile, !FileManager.default.fileExists(atPath: configFile.path) {
            throw ValidationError("the config file \(configFile.path) does not exist")
        }
        let configuration: EngineConfiguration
        do {
            configuration = try EngineConfiguration.load(path: configFile, environment: environment)
        } catch let error as EngineConfiguration.LoadError {
            throw ValidationError("the config file has problems:\n\(error.description)")
        }
        let agent = agentPath.map {
            URL(fileURLWithPath: $0, relativeTo: URL(fileURLWithPath: FileManager.default.currentDirectoryPath)).standardizedFileURL.path
        } ?? Self.besideExecutable("ame")
        guard FileManager.default.isExecutableFile(atPath: agent) else {
            throw ValidationError("cannot find the 'ame' binary that runs runs at \(agent): pass --agent PATH")
        }
        let engine = try Engine(layout: layout, configuration: configuration)
        // Runs start from the agent's environment: never hand them the server's credentials.
        let agentEnvironment = environment.filter { !Self.privateVariables.contains($0.key) }
        var launcher = AgentProcessLauncher(agentExecutable: agent, environment: agentEnvironment, engineConfigPath: configFile?.path)
        launcher.niceness = agentNice == 0 ? nil : agentNice
        let name = publicURL ?? "http://\(host.contains(":") ? "[\(host)]" : host):\(port)"
        let state = ServerState(engine: engine, launcher: launcher, serverName: name, logger: logger)

        let preset = environment["AME_ADMIN_TOKEN"].flatMap { $0.isEmpty ? nil : $0 }
        if let token = try state.tokens.bootstrapAdmin(
            presetToken: preset, user: adminUser ?? environment["AME_ADMIN_USER"].flatMap { $0.isEmpty ? nil : $0 } ?? "admin", logger: logger) {
            Self.say("""
                ame-server: the admin token (shown once, stored only as a hash):
                  \(token)
                ame-server: on a client: ame setup URL --token \(token)
                """)
        }
        RunRecovery(engine: engine).recoverLostRuns()
        let recovered = (try? engine.store.runCountsByStatus()) ?? [:]
        logger.info("engine ready", metadata: [
            "data_dir": "\(layout.dataDirectory.path)", "cache_dir": "\(layout.cacheDirectory.path)", "agent": "\(agent)",
            "runs": "\(recovered.values.reduce(0, +))", "active": "\(recovered.filter { $0.key.isActive }.values.reduce(0, +))",
        ])
        let host = self.host
        let app = AMEServer.makeApplication(state: state, host: host, port: port, logger: logger) { port in
            Self.say("ame-server: listening on http://\(host.contains(":") ? "[\(host)]" : host):\(port)")
        }
        try await app.runService()
    }

    /// Variables of the server's environment that runs must not see.
    static let privateVariables: Set<String> = ["AME_ADMIN_TOKEN", "AME_TOKEN", "AME_SERVER", "AME_ADMIN_USER", "AME_DATA_DIR",
                                                "AME_SERVER_CONFIG"]

    /// Writes a line to stdout at once (print is block-buffered on a pipe).
    static func say(_ text: String) {
        FileHandle.standardOutput.write(Data((text + "\n").utf8))
    }

    static func besideExecutable(_ name: String) -> String {
        let executable = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        return URL(fileURLWithPath: executable).deletingLastPathComponent().appendingPathComponent(name).path
    }
}
