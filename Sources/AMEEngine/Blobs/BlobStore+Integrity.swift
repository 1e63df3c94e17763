import AMECore
import AMESystem
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A blob is checked against its digest before it is served or laid out for a run; one
/// that does not match is moved to `quarantine/` and reported, never used. A check is
/// remembered as the blob file's identity and change time (`checked/ab/<digest>`): nothing
/// can alter a file without moving its change time, so a blob is hashed again only when it
/// may have changed (or was never checked).
extension BlobStore {
    var checkedPath: String { directory.appendingPathComponent("checked").path }
    /// Where blobs found corrupt are kept for inspection.
    public var quarantineDirectory: URL { directory.appendingPathComponent("quarantine") }

    /// Throws `.corrupt` (after quarantining the blob) when its bytes no longer match its
    /// digest, `.notFound` when it is not stored.
    public func checkIntegrity(_ digest: Digest) throws {
        let path = filePath(digest)
        guard let identity = Self.identity(of: path) else { throw BlobStoreError.notFound(digest) }
        let stampPath = "\(checkedPath)/\(digest.hex.prefix(2))/\(digest.hex)"
        if let stamp = try? String(contentsOfFile: stampPath, encoding: .utf8), stamp == identity { return }
        let intact = (try? Self.hash(fileAt: URL(fileURLWithPath: path)).digest == digest) ?? false
        guard intact else {
            quarantine(digest)
            throw BlobStoreError.corrupt(digest)
        }
        // The identity after hashing: a change meanwhile makes the stamp not match next time.
        guard let after = Self.identity(of: path), after == identity else { return }
        try? FileManager.default.createDirectory(atPath: "\(checkedPath)/\(digest.hex.prefix(2))", withIntermediateDirectories: true)
        try? AtomicFile.write(Data(identity.utf8), to: URL(fileURLWithPath: stampPath))
    }

    /// Moves the blob out of the store (it then reads as missing and is uploaded anew).
    func quarantine(_ digest: Digest) {
        try? FileManager.default.createDirectory(at: quarantineDirectory, withIntermediateDirectories: true)
        let destination = quarantineDirectory.appendingPathComponent("\(digest.hex)-\(Int(Date().timeIntervalSince1970))").path
        if rename(filePath(digest), destination) != 0 { remove(digest) }
        unlink("\(checkedPath)/\(digest.hex.prefix(2))/\(digest.hex)")
    }

    /// Device, inode, size, modification and change times: what any write or chmod moves.
    static func identity(of path: String) -> String? {
        var info = stat()
        guard stat(path, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else { return nil }
        return "\(info.st_dev):\(info.st_ino):\(info.st_size):\(info.st_mtim.tv_sec).\(info.st_mtim.tv_nsec):\(info.st_ctim.tv_sec).\(info.st_ctim.tv_nsec)"
    }
}
