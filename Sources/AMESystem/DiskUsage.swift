#if canImport(Glibc)
import Glibc
#endif

/// How much disk a folder tree takes, as `du` counts it: allocated blocks, each file once
/// however many links it has, symlinks not followed, other file systems included.
public enum DiskUsage {
    /// Bytes allocated under `paths` (folders or files); what cannot be read counts as 0.
    public static func allocatedBytes(under paths: [String]) -> Int64 {
        var seen = Seen()
        return allocatedBytes(under: paths, seen: &seen)
    }

    /// Files with several links already counted, so that measuring folders one after the
    /// other (a venv, then the package cache it hard-links from) counts each file once.
    public struct Seen: Sendable {
        fileprivate var files = Set<FileID>()
        public init() {}
    }

    /// Like `allocatedBytes(under:)`, leaving out (and adding to `seen`) multiply-linked
    /// files counted before.
    public static func allocatedBytes(under paths: [String], seen: inout Seen) -> Int64 {
        var total: Int64 = 0
        var files = seen.files
        func count(_ info: stat) {
            if info.st_nlink > 1 && (info.st_mode & S_IFMT) != S_IFDIR {
                guard files.insert(FileID(device: UInt64(info.st_dev), inode: UInt64(info.st_ino))).inserted else { return }
            }
            total += Int64(info.st_blocks) * 512
        }
        for path in paths {
            var info = stat()
            guard lstat(path, &info) == 0 else { continue }
            count(info)
            if (info.st_mode & S_IFMT) == S_IFDIR {
                FileTreeWalk.visit(below: path) { _, _, info in count(info) }
            }
        }
        seen.files = files
        return total
    }

    fileprivate struct FileID: Hashable, Sendable {
        var device: UInt64
        var inode: UInt64
    }
}
