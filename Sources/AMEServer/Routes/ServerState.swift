import AMECore
import AMEEngine
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
    /// How `whoami` names this server (its URL as clients reach it).
    public let serverName: String
    let metrics: ServerMetrics

    /// `launcher` starts each accepted run's agent; the server defers that a moment (see
    /// `DeferredRunLauncher`) unless `deferLaunches` is false.
    public init(engine: Engine, launcher: any RunLauncher, serverName: String, deferLaunches: Bool = true,
                logger: Logger = Logger(label: "ame-server")) {
        self.engine = engine
        self.launcher = deferLaunches ? DeferredRunLauncher(base: launcher, logger: logger) : launcher
        self.serverName = serverName
        tokens = TokenAuthority(store: engine.store)
        metrics = ServerMetrics()
    }

    func api(for caller: Caller) -> EmbeddedJobsAPI {
        EmbeddedJobsAPI(engine: engine, launcher: launcher, owner: caller.user, isAdmin: caller.admin, serverName: serverName)
    }
}
