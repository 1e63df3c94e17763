#if canImport(Glibc)
import Glibc
#endif

/// Visits every entry below a folder without following symbolic links: each folder is
/// opened relative to its parent's descriptor with `O_NOFOLLOW`, so a folder swapped for a
/// link during the walk is not entered. What cannot be read is passed over.
public enum FileTreeWalk {
    /// Calls `visit` with the descriptor of the entry's folder, its name and its `lstat`,
    /// for every entry below `root` (not `root` itself), parents before children.
    public static func visit(below root: String, maxDepth: Int = 256, _ visit: (_ folder: Int32, _ name: String, _ info: stat) -> Void) {
        walk(AT_FDCWD, root, depth: 0, maxDepth: maxDepth, visit)
    }

    private static func walk(_ parent: Int32, _ name: String, depth: Int, maxDepth: Int,
                             _ visit: (_ folder: Int32, _ name: String, _ info: stat) -> Void) {
        guard depth < maxDepth else { return }
        let descriptor = openat(parent, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
        guard descriptor >= 0, let directory = fdopendir(descriptor) else {
            if descriptor >= 0 { close(descriptor) }
            return
        }
        defer { closedir(directory) }
        while let entry = readdir(directory) {
            let child = withUnsafePointer(to: entry.pointee.d_name) {
                $0.withMemoryRebound(to: CChar.self, capacity: 256) { String(cString: $0) }
            }
            if child == "." || child == ".." { continue }
            var info = stat()
            guard fstatat(descriptor, child, &info, AT_SYMLINK_NOFOLLOW) == 0 else { continue }
            visit(descriptor, child, info)
            if (info.st_mode & S_IFMT) == S_IFDIR {
                walk(descriptor, child, depth: depth + 1, maxDepth: maxDepth, visit)
            }
        }
    }
}
