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
    /// For a step on several nodes: whose files come back (nil: rank 0's).
    public var from: Nodes?

    /// Whose files come back from a step that runs on several nodes.
    public enum Nodes: String, Hashable, Sendable, Codable, CaseIterable {
        /// Rank 0's, as if the step had run on one node (the default).
        case rankZero = "0"
        /// Every rank's, each into `node-RANK/` of the workspace.
        case all
    }

    public init(paths: [String] = [], destination: String? = nil, local: Bool = true,
                secret: String? = nil, endpoint: String? = nil, region: String? = nil, from: Nodes? = nil) {
        self.paths = paths
        self.destination = destination
        self.local = local
        self.secret = secret
        self.endpoint = endpoint
        self.region = region
        self.from = from
    }

    enum CodingKeys: String, CodingKey {
        case paths, destination, local, secret, endpoint, region, from
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        paths = try container.decodeIfPresent([String].self, forKey: .paths) ?? []
        destination = try container.decodeIfPresent(String.self, forKey: .destination)
        local = try container.decodeIfPresent(Bool.self, forKey: .local) ?? true
        secret = try container.decodeIfPresent(String.self, forKey: .secret)
        endpoint = try container.decodeIfPresent(String.self, forKey: .endpoint)
        region = try container.decodeIfPresent(String.self, forKey: .region)
        from = try container.decodeIfPresent(Nodes.self, forKey: .from)
    }
}
