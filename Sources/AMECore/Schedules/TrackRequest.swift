/// `POST /v1/projects`: start tracking a git repository.
public struct TrackRequest: Hashable, Sendable, Codable {
    public var url: String
    public var branch: String?
    /// An AME secret of the caller: an HTTPS token (`TOKEN` or `USER:TOKEN`) or an SSH
    /// private key.
    public var secret: String?
    /// How often to poll, in seconds (default 60).
    public var intervalSeconds: Int?

    public init(url: String, branch: String? = nil, secret: String? = nil, intervalSeconds: Int? = nil) {
        self.url = url
        self.branch = branch
        self.secret = secret
        self.intervalSeconds = intervalSeconds
    }
}
