import AMEPluginKit
import ArgumentParser
import Foundation

/// `ame mlflow start`: `mlflow server` as a long-running service run. Its store lives
/// outside the run (in AME's data folder, or the URI given), so it survives a stop and a
/// new start; the port is remembered too, so enabled projects keep their tracking URI.
struct Start: AMEPluginCommand {
    static let configuration = CommandConfiguration(
        commandName: "start",
        abstract: "Start an MLflow tracking server as a service run.",
        discussion: """
            The store defaults to a SQLite database and an artifacts folder under AME's data \
            folder on the engine's machine ($AME_DATA_DIR/plugin-data/mlflow/store on the \
            embedded engine); a later start serves the same runs again. The first start \
            installs MLflow (\(ServerCommandLine.mlflowRequirement)) into AME's environment cache \
            where the run goes, once; --mlflow names an mlflow executable to use instead.
            """)

    @Option(help: ArgumentHelp("CPUs for the server (1, 500m).", valueName: "cpu"))
    var cpu: String?

    @Option(help: ArgumentHelp("Memory for the server (2Gi).", valueName: "quantity"))
    var memory: String?

    @Option(help: ArgumentHelp("'sqlite' (in AME's data folder, the default) or a database URI.", valueName: "sqlite|URI"))
    var backendStore: String?

    @Option(help: ArgumentHelp("Where artifacts are stored (a folder or a URI such as s3://bucket/prefix).", valueName: "path|URI"))
    var artifactsDestination: String?

    @Option(help: ArgumentHelp("The port MLflow listens on, on the engine's machine (default: a free one, then the same one again).", valueName: "port"))
    var port: Int?

    @Option(help: ArgumentHelp("An mlflow executable on the engine's machine (default: MLflow installed by AME, pinned).", valueName: "path"))
    var mlflow: String?

    @Option(help: ArgumentHelp("Seconds to wait for the server to answer.", valueName: "seconds"))
    var timeout: Int = 300

    func validate() throws {
        if let port, !(1...65535).contains(port) { throw ValidationError("--port must be from 1 to 65535") }
        if let backendStore, let problem = ServerCommandLine.checkBackendStore(backendStore) { throw ValidationError(problem) }
        if timeout < 1 { throw ValidationError("--timeout must be at least 1 second") }
    }

    @Flag(help: "Print the result as JSON on stdout (messages stay on stderr).")
    var json = false

    func run(host: AMEHost) async throws -> PluginOutcome {
        host.printsJSON = json
        let store = ServerStateStore()
        let previous = try store.load()
        if let previous, let runId = previous.runId, let run = try? await ServiceRun.get(runId, host: host), !ServiceRun.isFinished(run) {
            host.print("MLflow is already running (run \(runId)); runs on the engine's machine reach it at \(previous.trackingURI)")
            return PluginOutcome(exitCode: 0, data: data(previous))
        }
        let backend = backendStore ?? previous?.backendStore ?? "sqlite"
        let artifacts = artifactsDestination.map(absolute) ?? (backendStore == nil ? previous?.artifactsDestination : nil)
        // An mlflow named with --mlflow (now or at an earlier start), else AME's own: MLflow
        // pinned, installed where the run goes into AME's environment cache on first use,
        // in an environment of its own (not the project's), as `ame jupyter lab` installs
        // JupyterLab.
        let given = mlflow.map(absolute) ?? previous.flatMap { $0.mlflow.hasPrefix("/") ? $0.mlflow : nil }
        let embedded = host.context.server == "embedded"
        let command = ServerCommandLine.command(mlflow: given ?? "mlflow", backendStore: backend, artifactsDestination: artifacts,
                                                storeHome: embedded ? store.storeDirectory.path : nil)
        let resources = PluginResources(cpu: cpu, memory: memory)
        let submitted = try await host.submitRun(RunSubmitParams(
            task: ServerCommandLine.taskName, command: command,
            resources: (cpu == nil && memory == nil) ? nil : resources,
            ports: [PluginPort(port: port ?? previous?.port ?? 0, name: "mlflow")], labels: ServerCommandLine.labels,
            extraPackages: given == nil ? [ServerCommandLine.mlflowRequirement] : nil,
            dependencies: given == nil ? "none" : nil))
        var state = ServerState(runId: submitted.id, port: port ?? previous?.port ?? 0, server: host.context.server,
                                backendStore: backend, artifactsDestination: artifacts, mlflow: given ?? "", startedAt: Date())
        try store.save(state)
        host.log(given == nil
                 ? "Starting MLflow (run \(submitted.id)); its first start installs \(ServerCommandLine.mlflowRequirement) into AME's environment cache, once…"
                 : "Starting MLflow (run \(submitted.id))…")

        // Running means the port accepts connections; then MLflow must answer /health.
        let deadline = Date().addingTimeInterval(TimeInterval(timeout))
        var run = try await ServiceRun.get(submitted.id, host: host)
        var logOffset: Int64 = 0
        while run["status"]?.stringValue != "running" {
            // How the environment is coming along (pip's output on a first start).
            logOffset = await ServiceRun.showSetup(submitted.id, from: logOffset, host: host)
            if ServiceRun.isFinished(run) {
                state.runId = nil
                if let port = ServiceRun.port(of: run) { state.port = port }
                try store.save(state)
                throw PluginFailure("MLflow stopped before it served (run \(submitted.id) \(run["status"]?.stringValue ?? "ended")"
                                    + "\(run["reason"]?.stringValue.map { ": \($0)" } ?? ""))\(try await ServiceRun.logTail(submitted.id, host: host))",
                                    hint: "see 'ame logs \(submitted.id)'; a port in use needs 'ame mlflow start --port PORT'")
            }
            guard Date() < deadline else {
                throw PluginFailure("MLflow (run \(submitted.id)) did not start serving within \(timeout) seconds",
                                    hint: "see 'ame logs \(submitted.id)'; stop it with 'ame mlflow stop'")
            }
            try await Task.sleep(for: .milliseconds(500))
            run = try await ServiceRun.get(submitted.id, host: host)
        }
        if let port = ServiceRun.port(of: run) { state.port = port }
        try store.save(state)

        let tunnel = try await host.openTunnel(runId: submitted.id, port: state.port)
        let client = TrackingClient(baseURL: "http://127.0.0.1:\(tunnel.localPort)")
        while !(await client.isHealthy()) {
            guard Date() < deadline else {
                throw PluginFailure("MLflow (run \(submitted.id)) accepts connections but does not answer /health",
                                    hint: "see 'ame logs \(submitted.id)'")
            }
            try await Task.sleep(for: .milliseconds(500))
        }
        host.print("MLflow is serving (run \(submitted.id)); runs on the engine's machine reach it at \(state.trackingURI)")
        host.print("Next: 'ame mlflow enable' in a project records its runs; 'ame mlflow ui' opens the UI.")
        return PluginOutcome(exitCode: 0, data: data(state))
    }

    func data(_ state: ServerState) -> JSONValue {
        .object([
            "runId": state.runId.map(JSONValue.string) ?? .null,
            "port": .integer(Int64(state.port)),
            "trackingUri": .string(state.trackingURI),
            "backendStore": .string(state.backendStore),
        ])
    }

    /// Paths given relative to where the user is (the run starts elsewhere).
    func absolute(_ value: String) -> String {
        guard !value.contains("://"), !value.hasPrefix("/"), value.contains("/") || value.hasPrefix(".") else { return value }
        return URL(fileURLWithPath: FileManager.default.currentDirectoryPath).appendingPathComponent(value).standardizedFileURL.path
    }

    /// An executable of that name on PATH, as an absolute path.
    static func onPath(_ name: String) -> String? {
        for directory in (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":") where directory.hasPrefix("/") {
            let candidate = "\(directory)/\(name)"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }
}
