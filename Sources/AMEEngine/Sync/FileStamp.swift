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
    /// content, on any file system: two seconds covers FAT's two-second timestamps.
    public static let racyMargin: Int64 = 2_000_000_000

    /// The margin for one mtime. An mtime with a sub-second part comes from a file system that
    /// keeps fine timestamps; Linux stamps them from the coarse clock, which lags by at most a
    /// jiffy (10 ms at HZ=100), so 50 ms is ample there. A whole-second mtime may come from a
    /// file system with one- or two-second granules, and gets the full `racyMargin`. (One in a
    /// billion fine mtimes is whole by chance; it merely waits longer to be trusted.)
    /// Without this, every file written in the second before a scan was hashed again by the next.
    public static func racyMargin(forModificationTime modificationTime: Int64) -> Int64 {
        modificationTime % 1_000_000_000 == 0 ? racyMargin : 50_000_000
    }

    public init(size: Int64, modificationTime: Int64, inode: UInt64, recordedAt: Int64 = 0) {
        self.size = size
        self.modificationTime = modificationTime
        self.inode = inode
        self.recordedAt = recordedAt
    }

    /// Whether an unchanged stamp proves unchanged content.
    public var isTrustworthy: Bool { modificationTime < recordedAt - Self.racyMargin(forModificationTime: modificationTime) }

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
