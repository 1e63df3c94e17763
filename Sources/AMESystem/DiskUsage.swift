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
        for path in paths {
            var info = stat()
            guard lstat(path, &info) == 0 else { continue }
            total += count(info, seen: &seen.files)
            if (info.st_mode & S_IFMT) == S_IFDIR {
                total += walk(AT_FDCWD, path, seen: &seen.files, depth: 0)
            }
        }
        return total
    }

    fileprivate struct FileID: Hashable, Sendable {
        var device: UInt64
        var inode: UInt64
    }

    private static func count(_ info: stat, seen: inout Set<FileID>) -> Int64 {
        if info.st_nlink > 1 && (info.st_mode & S_IFMT) != S_IFDIR {
            guard seen.insert(FileID(device: UInt64(info.st_dev), inode: UInt64(info.st_ino))).inserted else { return 0 }
        }
        return Int64(info.st_blocks) * 512
    }

    private static func walk(_ parent: Int32, _ name: String, seen: inout Set<FileID>, depth: Int) -> Int64 {
        guard depth < 256 else { return 0 }
        let descriptor = openat(parent, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
        guard descriptor >= 0, let directory = fdopendir(descriptor) else {
            if descriptor >= 0 { close(descriptor) }
            return 0
        }
        defer { closedir(directory) }
        var total: Int64 = 0
        while let entry = readdir(directory) {
            let child = withUnsafePointer(to: entry.pointee.d_name) {
                $0.withMemoryRebound(to: CChar.self, capacity: 256) { String(cString: $0) }
            }
            if child == "." || child == ".." { continue }
            var info = stat()
            guard fstatat(descriptor, child, &info, AT_SYMLINK_NOFOLLOW) == 0 else { continue }
            total += count(info, seen: &seen)
            if (info.st_mode & S_IFMT) == S_IFDIR {
                total += walk(descriptor, child, seen: &seen, depth: depth + 1)
            }
        }
        return total
    }
}
