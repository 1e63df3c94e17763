import AMECore
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Decides whether a symbolic link can be part of a manifest: only when its target provably
/// stays inside the tree, so that materializing it on the compute cannot reach anything else.
struct SymlinkPolicy {
    /// The tree's root with symlinks resolved, to compare resolved targets against.
    let resolvedRoot: String
    let rootPath: String

    init(root: URL) {
        rootPath = root.path
        resolvedRoot = Self.realPath(root.path) ?? root.standardizedFileURL.path
    }

    /// Why the link at `path` (relative) with text `target` must be skipped, or nil.
    func problem(path: String, target: String?) -> String? {
        guard let target else { return "its target is not valid UTF-8" }
        if target.isEmpty { return "its target is empty" }
        if target.hasPrefix("/") {
            return "it points to the absolute path '\(target)', which will not exist on the compute; only symlinks to files inside the project are synced"
        }
        guard Manifest.symlinkStaysInside(path: path, target: target) else {
            return "it points outside the project; only symlinks to files inside the project are synced"
        }
        // `a/..` is only `.` when `a` is a real directory: when `a` is itself a symlink (say to
        // `.`), the kernel climbs from wherever `a` leads, which a textual check cannot follow.
        // Only leading `..` components are unambiguous.
        var seenName = false
        for component in target.split(separator: "/") where component != "." {
            if component == ".." {
                if seenName { return "its target '\(target)' goes up ('..') after entering a directory, which AME cannot verify stays inside the project; write the target without 'dir/..'" }
            } else {
                seenName = true
            }
        }
        // The text stays inside, but the path may still cross a symlink that leads out.
        if let resolved = Self.realPath(rootPath + "/" + path),
           resolved != resolvedRoot, !resolved.hasPrefix(resolvedRoot.hasSuffix("/") ? resolvedRoot : resolvedRoot + "/") {
            return "it resolves to '\(resolved)' outside the project (through another symlink); only symlinks to files inside the project are synced"
        }
        return nil
    }

    /// `realpath(3)`, nil when the path (or a link on the way) does not resolve.
    static func realPath(_ path: String) -> String? {
        guard let resolved = realpath(path, nil) else { return nil }
        defer { free(resolved) }
        return String(validatingCString: resolved)
    }
}
