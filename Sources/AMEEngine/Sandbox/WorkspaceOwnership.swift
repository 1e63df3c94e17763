import AMESystem
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
        FileTreeWalk.visit(below: root) { folder, name, info in
            let sharedBlob = (info.st_mode & S_IFMT) == S_IFREG && info.st_nlink > 1 && (info.st_mode & 0o222) == 0
            if info.st_uid != owner.uid && !sharedBlob {
                fchownat(folder, name, owner.uid, owner.gid, AT_SYMLINK_NOFOLLOW)
            }
        }
    }
}
