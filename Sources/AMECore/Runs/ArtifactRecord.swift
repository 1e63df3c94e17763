/// A file a run produced or changed, kept in the blob store.
public struct ArtifactRecord: Hashable, Sendable, Codable {
    public var path: String
    public var digest: Digest
    public var size: Int64
    public var executable: Bool

    public init(path: String, digest: Digest, size: Int64, executable: Bool = false) {
        self.path = path
        self.digest = digest
        self.size = size
        self.executable = executable
    }
}
