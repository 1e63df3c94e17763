import AMECore
import Foundation
import HTTPTypes
import NIOCore
import WSClient

extension HTTPJobsAPI {
    /// A connection to a service run's port through the server: a WebSocket to
    /// `/v1/runs/{id}/ports/{port}/tunnel` with the caller's token (see `TunnelFrames`).
    public func openTunnel(_ id: String, port: Int) async throws -> any ByteStream {
        guard var components = URLComponents(url: baseURL, resolvingAgainstBaseURL: false) else {
            throw APIError(.invalidRequest, "'\(displayURL)' is not a URL a tunnel can use")
        }
        components.scheme = components.scheme == "https" ? "wss" : "ws"
        var path = components.path
        while path.hasSuffix("/") { path.removeLast() }
        components.path = path + TunnelFrames.path(runID: id, port: port)
        guard let url = components.string else {
            throw APIError(.invalidRequest, "'\(displayURL)' is not a URL a tunnel can use")
        }
        var headers = HTTPFields()
        if let token { headers[.authorization] = "Bearer \(token)" }
        do {
            return try await WebSocketByteStream.connect(url: url, headers: headers)
        } catch {
            // The upgrade answer has no words for what went wrong; the run's record has.
            try await explainTunnelFailure(id, port: port)
            throw APIError(.unavailable, "cannot open a tunnel to port \(port) of run \(id) through \(displayURL): \(error)",
                           hint: "check that the server is reachable and that 'ame status \(id)' says running")
        }
    }

    /// Throws the reason the server refuses a tunnel to the run's port, when there is one.
    func explainTunnelFailure(_ id: String, port: Int) async throws {
        let run = try await getRun(id)
        guard run.status.isActive else {
            throw APIError(.conflict, "run \(id) has ended (\(run.status.rawValue)); its ports are closed")
        }
        guard run.ports.contains(where: { $0.port == port }) else {
            let ports = run.ports.map { String($0.port) }
            throw APIError(.notFound, "run \(id) has no port \(port)",
                           hint: ports.isEmpty ? "the run is not a service (it declares no ports)" : "its ports: \(ports.joined(separator: ", "))")
        }
    }
}
