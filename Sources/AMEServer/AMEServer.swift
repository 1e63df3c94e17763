import AMECore
import AMEEngine
import Foundation
import Hummingbird
import HummingbirdWebSocket
import Logging
import ServiceLifecycle

/// The HTTP layer over the engine: builds the router (every route calls the engine's jobs
/// API for the caller), and the application with its background services.
public enum AMEServer {
    /// The paths that need no token.
    public static let openPaths: Set<String> = ["/healthz"]

    /// The web dashboard's paths (it signs browsers in with a session cookie instead).
    public static func isDashboardPath(_ path: String) -> Bool { DashboardRoutes.owns(path) }

    /// Every route, for the application and for tests (in-memory or live).
    public static func makeRouter(state: ServerState) -> Router<AMERequestContext> {
        let router = Router(context: AMERequestContext.self)
        router.add(middleware: ErrorMiddleware())
        router.add(middleware: MetricsMiddleware(metrics: state.metrics))
        router.add(middleware: AuthMiddleware(authority: state.tokens, openPaths: openPaths))
        let v1 = router.group("v1")
        MetaRoutes.add(to: router, v1: v1, state: state)
        BlobRoutes.add(to: v1, state: state)
        RunRoutes.add(to: v1, state: state)
        TunnelRoutes.add(to: v1, state: state)
        SecretRoutes.add(to: v1, state: state)
        TokenRoutes.add(to: v1, state: state)
        ProjectRoutes.add(to: v1, state: state)
        ScheduleRoutes.add(to: v1, state: state)
        DashboardRoutes.add(to: router, state: state)
        return router
    }

    /// The application: the router, the host and port, run recovery every few seconds, and the
    /// scheduler (polling tracked repositories, firing recurring tasks).
    public static func makeApplication(
        state: ServerState, host: String, port: Int, logger: Logger,
        recoveryInterval: Duration = .seconds(5),
        schedulerInterval: Duration = .seconds(1),
        onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }
    ) -> some ApplicationProtocol {
        let router = makeRouter(state: state)
        var app = Application(
            router: router,
            // The same router answers WebSocket upgrades (port tunnels), behind the same
            // authentication; tunnel data goes in frames of up to 1 MiB. Reads of up to 1 MiB
            // (`LargeReads`) for uploads.
            server: .http1WebSocketUpgrade(webSocketRouter: router, configuration: .init(
                http1: .init(additionalChannelHandlers: [LargeReads()]),
                ws: .init(maxFrameSize: 1 << 20))),
            configuration: .init(address: .hostname(host, port: port), serverName: "ame-server"),
            onServerRunning: { channel in await onServerRunning(channel.localAddress?.port ?? port) },
            logger: logger)
        app.addServices(RecoveryService(engine: state.engine, interval: recoveryInterval, logger: logger),
                        SchedulerService(scheduler: state.scheduler, interval: schedulerInterval))
        return app
    }
}

/// Marks runs whose agent is gone as `lost` (with a reason), at start and then periodically,
/// so a crash of an agent (or of the machine) never leaves a run "running" forever; and
/// applies the retention setting hourly.
struct RecoveryService: Service {
    let engine: Engine
    let interval: Duration
    let logger: Logger

    func run() async throws {
        var lastPruned = ContinuousClock.now - .seconds(3600)
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            RunRecovery(engine: engine).recoverLostRuns()
            // `retention: {runs: …}`: at start, then hourly.
            if let retention = engine.configuration.runRetentionSeconds, ContinuousClock.now - lastPruned >= .seconds(3600) {
                lastPruned = ContinuousClock.now
                do {
                    let pruned = try RunRetention(engine: engine).prune(olderThan: retention)
                    if pruned > 0 { logger.info("retention: removed the logs and workspaces of \(pruned) runs finished over \(retention / 86400) days ago") }
                } catch {
                    logger.error("retention: \(error)")
                }
            }
            do {
                try await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) }
            } catch {
                return
            }
        }
    }
}
