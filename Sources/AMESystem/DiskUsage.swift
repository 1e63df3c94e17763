#if canImport(Glibc)
import Glibc
#endif

/// How much disk a folder tree takes, as `du` counts it: allocated blocks, each file once
/// however many links it has, symlinks not followed, other file systems included.
public enum DiskUsage {
    /// Bytes allocated under `paths` (folders or files); what cannot be read counts as 0.
    public static func allocatedBytes(under paths: [String]) -> Int64 {
        var seen = Set<FileID>()
        var total: Int64 = 0
        func count(_ info: stat) {
            if info.st_nlink > 1 && (info.st_mode & S_IFMT) != S_IFDIR {
                guard seen.insert(FileID(device: UInt64(info.st_dev), inode: UInt64(info.st_ino))).inserted else { return }
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
        return total
    }

    private struct FileID: Hashable {
        var device: UInt64
        var inode: UInt64
    }
}
