/// `tunnel.open`: a local port forwarded to a service port of a run (one started with
/// `ports`). The tunnel lives until the session ends.
public struct TunnelOpenParams: Hashable, Sendable, Codable {
    public var runId: String
    /// The port the run's service listens on.
    public var port: Int
    /// The local port to listen on (0 or absent: any free port).
    public var localPort: Int?

    public init(runId: String, port: Int, localPort: Int? = nil) {
        self.runId = runId
        self.port = port
        self.localPort = localPort
    }
}

/// The answer to `tunnel.open`.
public struct TunnelInfo: Hashable, Sendable, Codable {
    public var localPort: Int
    /// `http://127.0.0.1:PORT` when the service speaks HTTP.
    public var url: String?

    public init(localPort: Int, url: String?) {
        self.localPort = localPort
        self.url = url
    }
}
