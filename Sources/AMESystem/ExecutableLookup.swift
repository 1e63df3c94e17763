import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Finds executables the way a shell does, in a given `PATH`.
public enum ExecutableLookup {
    /// `name` itself when it contains a slash; otherwise the first executable file named
    /// `name` in `path` (relative entries are skipped).
    public static func find(_ name: String, path: String?) -> String? {
        if name.contains("/") { return access(name, X_OK) == 0 ? name : nil }
        for directory in (path ?? "/usr/local/bin:/usr/bin:/bin").split(separator: ":") where directory.hasPrefix("/") {
            let candidate = "\(directory)/\(name)"
            var info = stat()
            if stat(candidate, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG, access(candidate, X_OK) == 0 {
                return candidate
            }
        }
        return nil
    }
}
