/// Which files come back after a run, and where else they go.
public struct ArtifactsSpec: Hashable, Sendable, Codable {
    /// Globs relative to the project (`*.pkl`, `out/**`); empty means "every file the run
    /// created or changed".
    public var paths: [String]
    /// An extra upload destination such as `s3://bucket/prefix/{run}/` (see `S3URL.expand`).
    public var destination: String?
    /// Whether the files also come back to the local directory. With `false` (and a
    /// destination), files uploaded there are not kept by the engine as run artifacts.
    public var local: Bool
    /// The AME secret with the credentials for `destination` (same format as a data source's).
    public var secret: String?
    /// An S3-compatible endpoint to upload to instead of AWS.
    public var endpoint: String?
    public var region: String?

    public init(paths: [String] = [], destination: String? = nil, local: Bool = true,
                secret: String? = nil, endpoint: String? = nil, region: String? = nil) {
        self.paths = paths
        self.destination = destination
        self.local = local
        self.secret = secret
        self.endpoint = endpoint
        self.region = region
    }

    enum CodingKeys: String, CodingKey {
        case paths, destination, local, secret, endpoint, region
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        paths = try container.decodeIfPresent([String].self, forKey: .paths) ?? []
        destination = try container.decodeIfPresent(String.self, forKey: .destination)
        local = try container.decodeIfPresent(Bool.self, forKey: .local) ?? true
        secret = try container.decodeIfPresent(String.self, forKey: .secret)
        endpoint = try container.decodeIfPresent(String.self, forKey: .endpoint)
        region = try container.decodeIfPresent(String.self, forKey: .region)
    }
}
