import AMESystem
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The checks on a candidate file that need no process: is it a file, can we run it, and
/// could someone other than its owner have changed it (a group- or world-writable file or
/// folder lets another user swap in code that would run as you).
public enum PluginFileCheck {
    /// The identity of the file's current content, for the describe cache.
    public struct Identity: Hashable, Sendable, Codable {
        public var size: Int64
        public var modifiedNanoseconds: Int64
        public var inode: UInt64
        public var device: UInt64
    }

    public enum Outcome: Sendable {
        /// Not a plugin candidate at all (missing, or a folder): skipped silently.
        case absent
        case invalid(String)
        case ok(Identity)
    }

    public static func check(_ path: String) -> Outcome {
        var info = stat()
        guard stat(path, &info) == 0 else {
            // A dangling symlink is worth reporting; a missing file is simply not there.
            var linkInfo = stat()
            if lstat(path, &linkInfo) == 0 { return .invalid("it is a symbolic link to a file that does not exist") }
            return .absent
        }
        guard (info.st_mode & S_IFMT) == S_IFREG else { return .absent }
        guard access(path, X_OK) == 0 else {
            return .invalid("it is not executable (chmod 755 \(path))")
        }
        if let problem = writableProblem(mode: info.st_mode, what: "the file", path: path) { return .invalid(problem) }
        var folders = [FilePaths.parent(path)]
        if let real = PluginSearchPath.realPath(path) {
            let realFolder = FilePaths.parent(real)
            if realFolder != folders[0] { folders.append(realFolder) }
        }
        for folder in folders {
            var folderInfo = stat()
            guard stat(folder, &folderInfo) == 0 else { continue }
            if let problem = writableProblem(mode: folderInfo.st_mode, what: "its folder", path: folder) { return .invalid(problem) }
        }
        return .ok(Identity(
            size: Int64(info.st_size),
            modifiedNanoseconds: Int64(info.st_mtim.tv_sec) * 1_000_000_000 + Int64(info.st_mtim.tv_nsec),
            inode: UInt64(info.st_ino),
            device: UInt64(info.st_dev)))
    }

    static func writableProblem(mode: mode_t, what: String, path: String) -> String? {
        let worldWritable = mode & S_IWOTH != 0
        let groupWritable = mode & S_IWGRP != 0
        guard worldWritable || groupWritable else { return nil }
        let who = worldWritable ? "world-writable" : "group-writable"
        return "\(what) is \(who), so another user could replace the plugin (chmod go-w \(path))"
    }
}
