/// The framing of port tunnels through the server (`/v1/runs/{id}/ports/{port}/tunnel`), one
/// WebSocket per TCP connection: binary messages carry the connection's bytes unchanged; the
/// text message `endOfStream` says the sender has shut down its sending side (a TCP half
/// close) and will send no more data; closing the WebSocket ends the connection.
public enum TunnelFrames {
    public static let endOfStream = "eof"

    /// The route's path for run `id`'s port `port`.
    public static func path(runID: String, port: Int) -> String {
        "/v1/runs/\(runID)/ports/\(port)/tunnel"
    }
}
