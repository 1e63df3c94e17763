import AMECore
import AMEEngine
import AMESystem
import Foundation
import Logging

/// What every route reaches: the engine, how runs are launched, and the tokens. A route
/// wraps the engine's own jobs API for the caller (`api(for:)`), so tenancy and every rule
/// of the embedded engine hold over HTTP too.
public final class ServerState: Sendable {
    public let engine: Engine
    public let launcher: any RunLauncher
    public let tokens: TokenAuthority
    /// The dashboard's signed-in browsers.
    let sessions = DashboardSessions()
    /// How `whoami` names this server (its URL as clients reach it); `rename` puts in the
    /// port bound for `--port 0`.
    public var serverName: String { name.withLock { $0 } }
    /// How the dashboard's footer names the server: with a warning when runs are not sandboxed.
    var dashboardServerLabel: String {
        serverName + (sandbox == "off" ? " · ⚠ runs are not sandboxed (--unsafe-no-sandbox): every run can read this server's data" : "")
    }
    private let name: Locked<String>
    let metrics: ServerMetrics
    /// Tracked repositories and recurring tasks (the engine's; routes only call it).
    public let scheduler: RecurringScheduler
    /// How runs are confined: "on", "off" (`--unsafe-no-sandbox`) or "pods".
    public let sandbox: String

    /// `launcher` starts each accepted run's agent; the server defers that a moment (see
    /// `DeferredRunLauncher`) unless `deferLaunches` is false.
    /// `tokens` is given when the launcher needed it first (the Kubernetes executor makes
    /// each run's agent token with it).
    public init(engine: Engine, launcher: any RunLauncher, serverName: String, deferLaunches: Bool = true,
                tokens: TokenAuthority? = nil,
                gitPolicy: GitAccessPolicy = GitAccessPolicy(), clock: any ScheduleClock = SystemScheduleClock(),
                sandbox: String? = nil, logger: Logger = Logger(label: "ame-server")) {
        self.engine = engine
        self.sandbox = sandbox ?? (launcher.executorKind == .local ? (engine.configuration.sandbox ? "on" : "off") : "pods")
        let effective: any RunLauncher = deferLaunches ? DeferredRunLauncher(base: launcher, logger: logger) : launcher
        self.launcher = effective
        scheduler = RecurringScheduler(engine: engine, launcher: effective, clock: clock, policy: gitPolicy)
        name = Locked(serverName)
        self.tokens = tokens ?? TokenAuthority(store: engine.store)
        metrics = ServerMetrics()
    }

    /// Renames the server once its address is known (`--port 0` binds a free port).
    public func rename(_ serverName: String) {
        name.withLock { $0 = serverName }
    }

    func api(for caller: Caller) -> EmbeddedJobsAPI {
        // The error middleware translates the engine's failures and logs their details.
        EmbeddedJobsAPI(engine: engine, launcher: launcher, owner: caller.user, isAdmin: caller.admin, serverName: serverName, sandbox: sandbox,
                        translatesEngineFailures: false)
    }
}
