/// What a scan did, for `--verbose` output and performance checks.
public struct ScanStatistics: Sendable, Equatable {
    /// Regular files in the manifest.
    public var files: Int
    /// Symbolic links in the manifest.
    public var symlinks: Int
    /// Total size of the files in the manifest.
    public var totalBytes: Int64
    /// Files read because the hash cache could not vouch for them.
    public var filesHashed: Int
    public var bytesHashed: Int64
    /// Files whose digest came from the hash cache without reading them.
    public var cacheHits: Int
    /// Wall-clock time of the whole scan.
    public var duration: Duration

    public init(files: Int = 0, symlinks: Int = 0, totalBytes: Int64 = 0, filesHashed: Int = 0, bytesHashed: Int64 = 0,
                cacheHits: Int = 0, duration: Duration = .zero) {
        self.files = files
        self.symlinks = symlinks
        self.totalBytes = totalBytes
        self.filesHashed = filesHashed
        self.bytesHashed = bytesHashed
        self.cacheHits = cacheHits
        self.duration = duration
    }
}
