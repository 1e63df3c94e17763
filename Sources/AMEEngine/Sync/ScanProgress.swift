/// How far a scan has got, for a progress bar: first files are listed (and looked up in the
/// hash cache), then the files the cache could not vouch for are hashed.
public struct ScanProgress: Sendable, Equatable {
    public enum Phase: String, Sendable, Equatable {
        case listing
        case hashing
        case finished
    }

    public var phase: Phase
    /// Files and symlinks found so far (not counting ignored ones).
    public var filesScanned: Int
    public var bytesHashed: Int64
    /// Known once listing is over; 0 while listing.
    public var bytesToHash: Int64

    public init(phase: Phase, filesScanned: Int, bytesHashed: Int64, bytesToHash: Int64) {
        self.phase = phase
        self.filesScanned = filesScanned
        self.bytesHashed = bytesHashed
        self.bytesToHash = bytesToHash
    }

    /// 0…1 for the hashing phase, nil while the amount of work is unknown.
    public var fractionHashed: Double? {
        guard phase != .listing else { return nil }
        guard bytesToHash > 0 else { return 1 }
        return min(1, Double(bytesHashed) / Double(bytesToHash))
    }
}
