import AMECore
import AMEEngine
import AMEKubernetes
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
            (AME_ADMIN_TOKEN sets it instead). With '--executor local' runs execute as local \
            processes ('ame agent'), so restarting the server does not stop them. With \
            '--executor kubernetes' each step runs as a Pod (cluster from --kubeconfig, \
            KUBECONFIG or the Pod's service account; settings from AME_KUBERNETES_* variables), \
            and a restarted server re-attaches to the Pods of unfinished runs.
            """,
        version: BuildInfo.text(program: "ame-server"))

    @Option(help: "The address to listen on.")
    var host = "127.0.0.1"

    @Option(help: "The port to listen on (0: any free port, printed at start).")
    var port = 8080

    @Option(name: .customLong("data-dir"), help: ArgumentHelp("Where runs, blobs, logs and secrets live (or AME_DATA_DIR).", valueName: "dir"))
    var dataDirectory: String?

    @Option(name: .customLong("cache-dir"), help: ArgumentHelp("Python environments and tools (or AME_CACHE_DIR; default DATA/cache).", valueName: "dir"))
    var cacheDirectory: String?

    @Option(help: "Where runs execute: 'local' (processes on this machine) or 'kubernetes' (a Pod per step).")
    var executor = "local"

    @Option(help: ArgumentHelp("The kubeconfig for '--executor kubernetes' (else KUBECONFIG, the Pod's service account, ~/.kube/config).", valueName: "file"))
    var kubeconfig: String?

    @Option(name: .customLong("kube-context"), help: ArgumentHelp("The kubeconfig context to use (default: its current context).", valueName: "name"))
    var kubeContext: String?

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

    @Option(name: .customLong("git-hosts"), help: ArgumentHelp("Hosts tracked repositories may be fetched from, comma-separated ('file' for file:// paths; default: any; or AME_GIT_HOSTS).", valueName: "hosts"))
    var gitHosts: String?

    @Option(name: .customLong("scheduler-interval"), help: ArgumentHelp("Seconds between checks for due schedules and repositories to poll.", valueName: "seconds"))
    var schedulerInterval: Double = 1

    @Option(name: .customLong("log-level"), help: "trace, debug, info, notice, warning, error or critical.")
    var logLevel = "info"

    @Flag(name: .customLong("unsafe-no-sandbox"), help: ArgumentHelp(
        "Run steps without the sandbox (local executor): any run can then read the data directory, other runs and the server's tokens. For a machine whose only user is you."))
    var unsafeNoSandbox = false

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

        guard ["local", "kubernetes"].contains(executor) else {
            throw ValidationError("unknown executor '\(executor)': use 'local' or 'kubernetes'")
        }
        let onKubernetes = executor == "kubernetes"
        if !onKubernetes, kubeconfig != nil || kubeContext != nil {
            throw ValidationError("--kubeconfig and --kube-context need '--executor kubernetes'")
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
        var configuration: EngineConfiguration
        do {
            configuration = try EngineConfiguration.load(path: configFile, environment: environment,
                                                         defaultCapacity: onKubernetes ? .cluster : nil)
        } catch let error as EngineConfiguration.LoadError {
            throw ValidationError("the config file has problems:\n\(error.description)")
        }
        configuration.applyServerDefaults()
        if onKubernetes && unsafeNoSandbox {
            throw ValidationError("--unsafe-no-sandbox is for the local executor: Kubernetes steps run in Pods")
        }
        let agent = agentPath.map {
            URL(fileURLWithPath: $0, relativeTo: URL(fileURLWithPath: FileManager.default.currentDirectoryPath)).standardizedFileURL.path
        } ?? Self.besideExecutable("ame")
        guard onKubernetes || FileManager.default.isExecutableFile(atPath: agent) else {
            throw ValidationError("cannot find the 'ame' binary that runs runs at \(agent): pass --agent PATH")
        }
        // Each upload in progress holds a file open per blob until its batch is flushed.
        OpenFileLimit.raise()
        let engine = try Engine(layout: layout, configuration: configuration)
        var sandboxMode = onKubernetes ? "pods" : "on"
        if !onKubernetes {
            if unsafeNoSandbox {
                sandboxMode = "off"
                logger.warning("runs are NOT sandboxed (--unsafe-no-sandbox): any run can read the data directory, other users' runs and the server's tokens")
            } else {
                try await Self.checkSandbox(agent: agent, layout: layout, configFile: configFile, environment: environment, logger: logger)
            }
        }
        // Runs start from the agent's environment: never hand them the server's credentials.
        let agentEnvironment = environment.filter { !Self.privateVariables.contains($0.key) }
        let name = publicURL ?? "http://\(host.contains(":") ? "[\(host)]" : host):\(port)"
        guard schedulerInterval >= 0.05, schedulerInterval <= 3600 else {
            throw ValidationError("--scheduler-interval must be between 0.05 and 3600 seconds")
        }
        let gitPolicy = GitAccessPolicy.parse(hosts: gitHosts ?? environment["AME_GIT_HOSTS"])
        let tokens = TokenAuthority(store: engine.store)
        let launcher: any RunLauncher
        var kubernetes: KubernetesRunLauncher?
        if onKubernetes {
            let carrier = try await makeKubernetesLauncher(engine: engine, tokens: tokens, environment: environment,
                                                           baseEnvironment: agentEnvironment, logger: logger)
            kubernetes = carrier
            launcher = carrier
        } else {
            var local = AgentProcessLauncher(agentExecutable: agent, environment: agentEnvironment, engineConfigPath: configFile?.path)
            local.niceness = agentNice == 0 ? nil : agentNice
            local.sandbox = !unsafeNoSandbox
            launcher = local
        }
        let state = ServerState(engine: engine, launcher: launcher, serverName: name, tokens: tokens, gitPolicy: gitPolicy,
                                sandbox: sandboxMode, logger: logger)

        let preset = environment["AME_ADMIN_TOKEN"].flatMap { $0.isEmpty ? nil : $0 }
        if let token = try state.tokens.bootstrapAdmin(
            presetToken: preset, user: adminUser ?? environment["AME_ADMIN_USER"].flatMap { $0.isEmpty ? nil : $0 } ?? "admin", logger: logger) {
            Self.say("""
                ame-server: the admin token (shown once, stored only as a hash):
                  \(token)
                ame-server: on a client: ame setup URL --token \(token)
                """)
        }
        if !onKubernetes {
            let started = RunRecovery(engine: engine).startUnlaunchedRuns(with: launcher)
            if !started.isEmpty {
                logger.info("starting runs accepted before the server stopped", metadata: ["runs": "\(started.count)"])
            }
        }
        RunRecovery(engine: engine).recoverLostRuns()
        let recovered = (try? engine.store.runCountsByStatus()) ?? [:]
        logger.info("engine ready", metadata: [
            "data_dir": "\(layout.dataDirectory.path)", "cache_dir": "\(layout.cacheDirectory.path)", "agent": "\(agent)",
            "runs": "\(recovered.values.reduce(0, +))", "active": "\(recovered.filter { $0.key.isActive }.values.reduce(0, +))",
        ])
        let host = self.host
        let resumable = kubernetes
        let namedByAddress = publicURL == nil && port == 0
        let app = AMEServer.makeApplication(state: state, host: host, port: port, logger: logger,
                                            schedulerInterval: .milliseconds(Int(schedulerInterval * 1000))) { port in
            // `--port 0`: whoami and the dashboard name the port actually bound.
            if namedByAddress { state.rename("http://\(host.contains(":") ? "[\(host)]" : host):\(port)") }
            // Pods fetch their files from this server: take runs up only once it answers.
            if let resumable {
                let resumed = await resumable.resumeActiveRuns()
                if !resumed.isEmpty {
                    logger.info("re-attaching to unfinished Kubernetes runs", metadata: ["runs": "\(resumed.joined(separator: ","))"])
                }
            }
            Self.say("ame-server: listening on http://\(host.contains(":") ? "[\(host)]" : host):\(port)")
        }
        try await app.runService()
    }

    /// The local executor runs every step in bubblewrap: refuse to serve without a sandbox
    /// that works, rather than find out at the first run.
    static func checkSandbox(agent: String, layout: EngineLayout, configFile: URL?, environment: [String: String],
                             logger: Logger) async throws {
        let hidden = [layout.dataDirectory.path, layout.cacheDirectory.path] + (configFile.map { [$0.path] } ?? [])
        let sandbox: Sandbox
        do {
            sandbox = try Sandbox.locate(environment: environment, entryExecutable: agent, hiddenPaths: hidden)
        } catch {
            throw ValidationError("runs cannot be sandboxed: \(error)\n"
                                  + "  hint: install bubblewrap, or pass --unsafe-no-sandbox on a machine whose only user is you")
        }
        if let problem = await sandbox.probe() {
            throw ValidationError("runs cannot be sandboxed: \(sandbox.bubblewrap) failed: \(problem)\n"
                                  + "  hint: bubblewrap needs unprivileged user namespaces (sysctl kernel.unprivileged_userns_clone=1) "
                                  + "unless ame-server runs as root; or pass --unsafe-no-sandbox on a machine whose only user is you")
        }
        logger.info("runs are sandboxed", metadata: [
            "bubblewrap": "\(sandbox.bubblewrap)",
            "users": "\(sandbox.startsAsRoot ? "one unprivileged uid per AME user, from \(RunStore.firstSandboxUID)" : "the server's own, in a user namespace")",
        ])
    }

    /// The Kubernetes executor: the cluster's configuration, the `AME_KUBERNETES_*`
    /// settings, and a first call that proves the API answers and allows AME's calls.
    func makeKubernetesLauncher(engine: Engine, tokens: TokenAuthority, environment: [String: String],
                                baseEnvironment: [String: String], logger: Logger) async throws -> KubernetesRunLauncher {
        let cluster: KubernetesConfiguration
        do {
            cluster = try KubernetesConfiguration.resolve(kubeconfig: kubeconfig, context: kubeContext, environment: environment)
        } catch {
            throw ValidationError("cannot use Kubernetes: \(error)")
        }
        var settings: KubernetesSettings
        do {
            settings = try KubernetesSettings(environment: environment, fallbackNamespace: cluster.namespace)
        } catch {
            throw ValidationError("\(error)")
        }
        if settings.serverURL == nil {
            // Pods reach the server at its public URL, or at the address it listens on when
            // that is one they can dial.
            if let publicURL {
                settings.serverURL = publicURL
            } else if port != 0, !["0.0.0.0", "::", ""].contains(host) {
                settings.serverURL = "http://\(host.contains(":") ? "[\(host)]" : host):\(port)"
            } else {
                throw ValidationError("Pods must know where to reach this server: set AME_KUBERNETES_SERVER_URL "
                                      + "(e.g. the Service's http://ame-server.ame.svc:8080) or --public-url")
            }
        }
        let client = try KubernetesClient(configuration: cluster, namespace: settings.namespace)
        do {
            _ = try await client.listPods(labelSelector: "\(PodTranslator.Labels.managedBy)=ame")
        } catch {
            await client.shutdown()
            throw ValidationError("cannot use the Kubernetes API at \(cluster.server.absoluteString) (\(cluster.source)): \(error)")
        }
        do {
            try await settings.adoptOwnImage(client: client)
        } catch {
            await client.shutdown()
            throw ValidationError("\(error)")
        }
        logger.info("running steps as Pods", metadata: [
            "api": "\(cluster.server.absoluteString)", "namespace": "\(settings.namespace)", "from": "\(cluster.source)",
            "agent_image": "\(settings.agentImage)", "default_image": "\(settings.defaultImage)",
            "pods_reach_server_at": "\(settings.serverURL ?? "")",
        ])
        let executor = KubernetesExecutor(client: client, engine: engine, settings: settings, tokens: RunAgentTokens(authority: tokens))
        return KubernetesRunLauncher(executor: executor, baseEnvironment: baseEnvironment) { message in
            logger.info("\(message)")
        }
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
