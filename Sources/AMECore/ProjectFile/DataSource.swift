/// An input fetched into the workspace before the command starts.
public struct DataSource: Hashable, Sendable, Codable {
    /// `s3://bucket/prefix-or-key`.
    public var source: String
    /// Where it lands, relative to the project.
    public var path: String
    /// The AME secret that holds the credentials.
    public var secret: String?
    /// An S3-compatible endpoint to use instead of AWS.
    public var endpoint: String?
    public var region: String?

    public init(source: String, path: String, secret: String? = nil, endpoint: String? = nil, region: String? = nil) {
        self.source = source
        self.path = path
        self.secret = secret
        self.endpoint = endpoint
        self.region = region
    }
}
