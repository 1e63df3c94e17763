import AMEPluginKit
import Foundation

/// The running MLflow server, reached through a tunnel of this session (the same way on
/// the embedded engine and on a remote AME server).
struct ServerConnection {
    var state: ServerState
    var run: JSONValue
    var tunnel: TunnelInfo
    var client: TrackingClient

    /// The remembered server, whose run must be serving.
    static func open(host: AMEHost, localPort: Int? = nil) async throws -> ServerConnection {
        let store = ServerStateStore()
        guard let state = try store.load(), let runId = state.runId else {
            throw PluginFailure("no MLflow server is running", hint: "start one with 'ame mlflow start'")
        }
        let run = try await ServiceRun.get(runId, host: host)
        let status = run["status"]?.stringValue ?? "?"
        guard status == "running" else {
            throw PluginFailure("the MLflow server (run \(runId)) is \(status)\(run["reason"]?.stringValue.map { ": \($0)" } ?? "")",
                                hint: "start it again with 'ame mlflow start' (its runs are kept); 'ame logs \(runId)' shows what happened")
        }
        let port = ServiceRun.port(of: run) ?? state.port
        let tunnel = try await host.openTunnel(runId: runId, port: port, localPort: localPort)
        return ServerConnection(state: state, run: run, tunnel: tunnel,
                                client: TrackingClient(baseURL: "http://127.0.0.1:\(tunnel.localPort)"))
    }
}
