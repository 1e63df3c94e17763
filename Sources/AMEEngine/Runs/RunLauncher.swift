import AMECore
import AMESystem
import Foundation

/// Starts the execution of a stored run.
public protocol RunLauncher: Sendable {
    func launch(_ run: StoredRun, engine: Engine) throws

    /// The executor the runs it launches use, recorded with each run.
    var executorKind: ExecutorKind { get }

    /// Asks the launcher to stop a run it carries in this process; false when it does not
    /// carry it (then the caller stops the run's agent process itself). The run's cancel
    /// request is already recorded when this is called.
    func cancel(_ run: StoredRun) -> Bool

    /// A connection to port `port` of a service run this launcher started, dialled where
    /// its runs listen: on loopback for local processes, at the Pod's IP for Kubernetes.
    /// The caller has checked that the run is active and declares the port. (No default:
    /// a launcher that wraps another must pass this on, or tunnels dial the wrong place.)
    func connectService(_ run: StoredRun, port: Int) async throws -> any ByteStream
}

extension RunLauncher {
    public var executorKind: ExecutorKind { .local }

    public func cancel(_ run: StoredRun) -> Bool { false }
}

/// Starts a detached run agent (`ame agent run RUN`) for each run: the run keeps going
/// when the CLI that submitted it exits, detaches or is killed, and the server can
/// restart without taking runs down.
public struct AgentProcessLauncher: RunLauncher {
    /// The `ame` binary that contains the agent.
    public var agentExecutable: String
    public var environment: [String: String]
    /// Passed to the agent so it reads the same settings as the launcher.
    public var engineConfigPath: String?
    /// A nice value for the agent (and so for what it runs), e.g. so that a server keeps
    /// answering while hundreds of runs start; nil keeps the launcher's own priority.
    public var niceness: Int32?
    /// Whether the agent runs steps in the sandbox (nil: as its engine settings say).
    public var sandbox: Bool?

    public init(agentExecutable: String, environment: [String: String], engineConfigPath: String?) {
        self.agentExecutable = agentExecutable
        self.environment = environment
        self.engineConfigPath = engineConfigPath
    }

    /// The agent's command line after the executable. `ame` reads exactly this layout without
    /// its argument parser (`RunAgentCommand.launcherArguments`), so it is written here only.
    public static func arguments(runID: String, dataDirectory: String, cacheDirectory: String, engineConfigPath: String?,
                                 sandbox: Bool? = nil) -> [String] {
        var arguments = ["agent", "run", runID, "--data-dir", dataDirectory, "--cache-dir", cacheDirectory]
        if let engineConfigPath { arguments += ["--engine-config", engineConfigPath] }
        if let sandbox { arguments += ["--sandbox", sandbox ? "on" : "off"] }
        return arguments
    }

    /// The agent runs the service here, listening on loopback.
    public func connectService(_ run: StoredRun, port: Int) async throws -> any ByteStream {
        do {
            return TCPByteStream(socket: try await TCPByteStream.onThread { try TCPSocket.connect(host: "127.0.0.1", port: port) })
        } catch {
            throw APIError.serviceNotReady(runID: run.id, port: port)
        }
    }

    public func launch(_ run: StoredRun, engine: Engine) throws {
        let arguments = Self.arguments(runID: run.id, dataDirectory: engine.layout.dataDirectory.path,
                                       cacheDirectory: engine.layout.cacheDirectory.path, engineConfigPath: engineConfigPath,
                                       sandbox: sandbox)
        // The agent's own diagnostics (not the run's output) go beside the run's log.
        let agentLog = engine.layout.logs.appendingPathComponent("\(run.id).agent")
        let descriptor = open(agentLog.path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o600)
        defer { if descriptor >= 0 { close(descriptor) } }
        var configuration = ChildProcess.Configuration(executable: agentExecutable, arguments: arguments,
                                                       environment: environment, workingDirectory: "/")
        configuration.standardInput = .null
        configuration.standardOutput = descriptor >= 0 ? .fileDescriptor(descriptor) : .null
        configuration.standardError = descriptor >= 0 ? .fileDescriptor(descriptor) : .null
        configuration.newSession = true
        configuration.parentDeathSignal = nil
        let child = try ChildProcess.spawn(configuration)
        if let niceness { setpriority(__priority_which_t(PRIO_PROCESS.rawValue), id_t(child.pid), niceness) }
        // Recorded at once so that recovery never mistakes a starting run for a lost one
        // (unless the agent got there first: it records itself once it holds the run).
        let start = ProcessTable.entry(pid: child.pid)?.startTime
        try engine.store.setAgent(run.id, pid: child.pid, startTime: start, ifUnset: true)
        // Reap the agent when it exits so it does not linger as a zombie of this process.
        Task.detached { _ = await child.waitForExit() }
    }
}
