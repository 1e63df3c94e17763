import AMESystem
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A blob being written: a file in the store's temporary directory, under an exclusive `flock`
/// for its whole life. The lock is how a store opening later, in this process or another, tells
/// a live upload from what a crash left behind (the kernel drops the lock when its owner dies).
struct BlobScratchFile {
    static let prefix = "blob-"
    static let suffix = ".partial"

    let path: String
    let descriptor: Int32

    static func create(in directory: String) throws -> BlobScratchFile {
        for _ in 0..<16 {
            let path = "\(directory)/\(prefix)\(POSIXIO.uniqueSuffix())\(suffix)"
            let (descriptor, error) = POSIXIO.open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
            guard descriptor >= 0 else {
                if error == EEXIST { continue }
                throw BlobStoreError.io("create a temporary file in", directory, error)
            }
            // A cleaner may have locked and unlinked the file between open and flock; the link
            // count tells, and a fresh name is the cure.
            var info = stat()
            if flock(descriptor, LOCK_EX | LOCK_NB) == 0, fstat(descriptor, &info) == 0, info.st_nlink > 0 {
                return BlobScratchFile(path: path, descriptor: descriptor)
            }
            close(descriptor)
        }
        throw BlobStoreError.io("create a temporary file in", directory, EEXIST)
    }

    /// Removes the file. Unlinked before closing, so the lock covers it until it is gone.
    func discard() {
        unlink(path)
        close(descriptor)
    }

    /// Makes the content read-only and durable, then gives it its final name. The file is
    /// discarded if that fails.
    func commit(to destination: String, shardDirectory: String) throws {
        try commit(to: destination, shardDirectory: shardDirectory, durable: true)
    }

    /// `durable: false` skips the flushes, for a batch whose caller has already flushed the
    /// whole file system after writing (see `BlobStore.put(files:)`).
    func commit(to destination: String, shardDirectory: String, durable: Bool) throws {
        if fchmod(descriptor, 0o444) != 0 {
            let error = errno
            discard()
            throw BlobStoreError.io("set the mode of", path, error)
        }
        let syncError = durable ? POSIXIO.fsync(descriptor) : 0
        guard syncError == 0 else {
            discard()
            throw BlobStoreError.io("flush to disk", path, syncError)
        }
        var renamed = rename(path, destination) == 0
        if !renamed && errno == ENOENT {
            // First blob of this shard.
            if mkdir(shardDirectory, 0o755) == 0 || errno == EEXIST {
                renamed = rename(path, destination) == 0
            }
        }
        guard renamed else {
            let error = errno
            discard()
            throw BlobStoreError.io("move a blob into", destination, error)
        }
        close(descriptor)
        if durable { POSIXIO.syncDirectory(shardDirectory) }
    }

    /// Removes the files of uploads whose writer is gone. Files still locked are live uploads.
    static func removeLeftovers(in directory: String) {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: directory) else { return }
        for name in names where name.hasPrefix(prefix) && name.hasSuffix(suffix) {
            let path = "\(directory)/\(name)"
            let (descriptor, _) = POSIXIO.open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK)
            guard descriptor >= 0 else { continue }
            if flock(descriptor, LOCK_EX | LOCK_NB) == 0 {
                unlink(path)
            }
            close(descriptor)
        }
    }
}
