import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Sets modification times in tests: files older than the hash cache's racy margin are what a
/// real project mostly holds, and exact mtimes let a test forge "unchanged" stamps.
enum FileTimes {
    /// Sets the mtime of `path` (not following a symlink) to `nanoseconds` since the epoch.
    static func setModificationTime(_ path: String, nanoseconds: Int64) throws {
        let times = [
            timespec(tv_sec: Int(nanoseconds / 1_000_000_000), tv_nsec: Int(nanoseconds % 1_000_000_000)),
            timespec(tv_sec: Int(nanoseconds / 1_000_000_000), tv_nsec: Int(nanoseconds % 1_000_000_000)),
        ]
        guard utimensat(AT_FDCWD, path, times, AT_SYMLINK_NOFOLLOW) == 0 else {
            throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: path])
        }
    }

    /// Moves the mtime of every file below `root` `seconds` into the past.
    static func backdateTree(_ root: URL, seconds: Int64 = 10) throws {
        let time = now() - seconds * 1_000_000_000
        guard let enumerator = FileManager.default.enumerator(atPath: root.path) else { return }
        while let relative = enumerator.nextObject() as? String {
            try setModificationTime(root.path + "/" + relative, nanoseconds: time)
        }
    }

    static func modificationTime(_ path: String) -> Int64 {
        var info = stat()
        guard lstat(path, &info) == 0 else { return 0 }
        return Int64(info.st_mtim.tv_sec) * 1_000_000_000 + Int64(info.st_mtim.tv_nsec)
    }

    static func now() -> Int64 {
        var time = timespec()
        clock_gettime(CLOCK_REALTIME, &time)
        return Int64(time.tv_sec) * 1_000_000_000 + Int64(time.tv_nsec)
    }
}
