/// Which files come back after a run, and where else they go.
public struct ArtifactsSpec: Hashable, Sendable, Codable {
    /// Globs relative to the project (`*.pkl`, `out/**`); empty means "every file the run
    /// created or changed".
    public var paths: [String]
    /// An extra upload destination such as `s3://bucket/prefix/{run}/`.
    public var destination: String?
    /// Whether the files also come back to the local directory.
    public var local: Bool

    public init(paths: [String] = [], destination: String? = nil, local: Bool = true) {
        self.paths = paths
        self.destination = destination
        self.local = local
    }
}
