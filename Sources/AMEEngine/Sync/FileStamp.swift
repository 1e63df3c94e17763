#if canImport(Glibc)
import Glibc
#endif

/// What a file looked like at one moment (size, modification time, inode), so a later look can
/// tell "certainly untouched" without reading it.
///
/// A stamp only proves that much when the file's modification time is clearly older than the
/// moment the stamp was taken: a write in the same timestamp granule (one second on some file
/// systems, a clock tick on others) can leave size and mtime unchanged ("racy git"). Such stamps
/// are not `trustworthy`, and whoever compares them must read the file.
public struct FileStamp: Hashable, Sendable, Codable {
    public var size: Int64
    /// Nanoseconds since the epoch.
    public var modificationTime: Int64
    public var inode: UInt64
    /// When the stamp was taken (nanoseconds since the epoch); 0 when unknown.
    public var recordedAt: Int64

    /// How much older than the observation an mtime must be before equal stamps prove equal
    /// content. One second covers file systems with whole-second timestamps and coarse clocks.
    public static let racyMargin: Int64 = 1_000_000_000

    public init(size: Int64, modificationTime: Int64, inode: UInt64, recordedAt: Int64 = 0) {
        self.size = size
        self.modificationTime = modificationTime
        self.inode = inode
        self.recordedAt = recordedAt
    }

    /// Whether an unchanged stamp proves unchanged content.
    public var isTrustworthy: Bool { modificationTime < recordedAt - Self.racyMargin }

    /// Same size, modification time and inode (the moment of recording does not matter).
    public func describesSameFile(as other: FileStamp) -> Bool {
        size == other.size && modificationTime == other.modificationTime && inode == other.inode
    }

    /// The stamp of the regular file at `path` now, or nil when there is no regular file there
    /// (symbolic links are not followed).
    public static func capture(path: String) throws -> FileStamp? {
        let recordedAt = FileStatus.now()
        switch FileStatus.of(path: path) {
        case .success(let status):
            guard status.kind == .file else { return nil }
            var stamp = status.stamp
            stamp.recordedAt = recordedAt
            return stamp
        case .failure(let error):
            if error.code == ENOENT || error.code == ENOTDIR { return nil }
            throw SyncError.cannotRead(path: path, reason: error.text)
        }
    }
}
