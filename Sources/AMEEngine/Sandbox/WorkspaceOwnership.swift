import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Gives a folder tree to a sandbox's user: every entry that is not theirs yet and is not a
/// blob of the store (a read-only file with other links) becomes theirs.
enum WorkspaceOwnership {
    static func give(_ root: String, to owner: (uid: UInt32, gid: UInt32)) {
        var info = stat()
        guard lstat(root, &info) == 0 else { return }
        if info.st_uid != owner.uid { lchown(root, owner.uid, owner.gid) }
        guard (info.st_mode & S_IFMT) == S_IFDIR else { return }
        walk(AT_FDCWD, root, owner: owner, depth: 0)
    }

    private static func walk(_ parent: Int32, _ name: String, owner: (uid: UInt32, gid: UInt32), depth: Int) {
        guard depth < 256 else { return }
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
            let kind = info.st_mode & S_IFMT
            let sharedBlob = kind == S_IFREG && info.st_nlink > 1 && (info.st_mode & 0o222) == 0
            if info.st_uid != owner.uid && !sharedBlob {
                fchownat(descriptor, child, owner.uid, owner.gid, AT_SYMLINK_NOFOLLOW)
            }
            if kind == S_IFDIR { walk(descriptor, child, owner: owner, depth: depth + 1) }
        }
    }
}
