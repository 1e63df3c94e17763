import AMECore

/// The outcome of scanning a project: what to upload, and what was left out and why.
public struct ScanResult: Sendable {
    public var manifest: Manifest
    /// One line per entry that was skipped for a reason the user may want to fix (symlinks
    /// pointing outside the project, FIFOs, names that are not UTF-8…). Ignored files are not
    /// warned about.
    public var warnings: [String]
    public var statistics: ScanStatistics

    public init(manifest: Manifest, warnings: [String], statistics: ScanStatistics) {
        self.manifest = manifest
        self.warnings = warnings
        self.statistics = statistics
    }
}
