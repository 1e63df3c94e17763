import AMECore
import AMEEngine
import Foundation
import Hummingbird
import HummingbirdWebSocket
import NIOCore

/// `GET /v1/runs/{id}/ports/{port}/tunnel`: a WebSocket that carries one TCP connection to
/// a service run's port, byte for byte (see `TunnelFrames` for the framing). `ame
/// port-forward` and plugins' `tunnel.open` open one per local connection, so several
/// connections at once are several WebSockets. The server dials the port as the engine
/// reaches it (loopback for local runs).
enum TunnelRoutes {
    static func add(to group: RouterGroup<AMERequestContext>, state: ServerState) {
        group.ws("runs/{id}/ports/{port}/tunnel", shouldUpgrade: { request, context in
            let api = state.api(for: try context.requireCaller())
            let id = try RunRoutes.runID(context)
            let port = try port(context)
            // Unknown, foreign or ended runs and undeclared ports are refused before the
            // upgrade. A refused handshake gets the WebSocket layer's empty 400; a plain GET
            // gets the reason as JSON (how clients explain a refusal).
            try api.checkTunnel(id, port: port)
            // A plain GET that passes gets an error, not an empty 200.
            guard request.headers[.secWebSocketKey] != nil else {
                throw APIError(.invalidRequest, "this route is a WebSocket: send a WebSocket handshake (Upgrade: websocket)",
                               hint: "reach a service run's port with 'ame port-forward \(id) \(port)'")
            }
            return .upgrade([:])
        }, onUpgrade: { inbound, outbound, context in
            guard let caller = context.requestContext.caller,
                  let id = context.requestContext.parameters.get("id"),
                  let port = context.requestContext.parameters.get("port").flatMap(Int.init) else { return }
            let api = state.api(for: caller)
            let service: any ByteStream
            do {
                service = try await api.openTunnel(id, port: port)
            } catch {
                let message = (error as? APIError)?.message ?? "cannot reach port \(port) of run \(id)"
                try? await outbound.close(.unexpectedServerError, reason: String(message.prefix(120)))
                return
            }
            await TunnelPump.pump(service: service, inbound: inbound, outbound: outbound)
        })
    }

    static func port(_ context: AMERequestContext) throws -> Int {
        let text = context.parameters.get("port") ?? ""
        guard let port = Int(text), (1...65535).contains(port) else {
            throw APIError(.invalidRequest, "'\(text)' is not a port number", hint: "ports are 1 to 65535")
        }
        return port
    }
}
