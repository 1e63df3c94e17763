import AMECore
import AMESystem
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Stores files as blobs while a project is scanned, reading each one once: the file is
/// copied into the store with the cheapest copy the file system offers (`copy_file_range`,
/// which shares extents on file systems that can: a reflink), and its digest is taken from
/// the stored copy, so what is stored is what was hashed, by construction. Safe to call from
/// several threads at once (the scanner hashes on both cores).
///
/// Durability as for `BlobStore.put(files:)`: a blob is renamed into place only after a
/// flush of the file system that holds it, once per batch of files, not once per file.
public final class BlobBatchWriter: @unchecked Sendable {
    public let store: BlobStore
    private let lock = NSLock()
    private let flushLock = NSLock()
    private var pending: [SealedBlob] = []
    private var pendingBytes: Int64 = 0
    private var stored = Set<Digest>()
    private var added: (files: Int, bytes: Int64) = (0, 0)
    private var failure: (any Error)?
    /// Files (and so open descriptors) and bytes in a batch before it is flushed.
    let batchFiles: Int
    let batchBytes: Int64

    public init(store: BlobStore, batchFiles: Int = 4096, batchBytes: Int64 = 512 << 20) {
        self.store = store
        // A batch keeps its files open until the flush: make room for them.
        let room = OpenFileLimit.raise() / 2
        self.batchFiles = max(16, min(batchFiles, room))
        self.batchBytes = batchBytes
    }

    /// Copies the open file `source` (`size` bytes) into the store and returns the digest of
    /// the copy; `buffer` is the caller's, for hashing. The blob is in place after `finish()`.
    func store(source: Int32, size: Int64, buffer: UnsafeMutableRawBufferPointer, onBytes: ((Int) -> Void)?) throws -> (digest: Digest, size: Int64) {
        let scratch = try BlobScratchFile.create(in: store.scratchDirectory)
        var hasher = ContentHasher()
        var total: Int64 = 0
        do {
            try BlobStore.copyContents(from: source, to: scratch.descriptor, size: size, path: scratch.path)
            // The digest of what was stored: the copy, read back (from the page cache).
            while true {
                let (count, error) = POSIXIO.read(scratch.descriptor, into: buffer, at: total)
                guard error == 0 else { throw BlobStoreError.io("read", scratch.path, error) }
                if count == 0 { break }
                hasher.update(UnsafeRawBufferPointer(rebasing: buffer[0..<count]))
                total += Int64(count)
                onBytes?(count)
            }
        } catch {
            scratch.discard()
            throw error
        }
        let digest = hasher.finalize()
        let flushNow: Bool = lock.withLock {
            if stored.contains(digest) || store.contains(digest) {
                scratch.discard()
                stored.insert(digest)
                return false
            }
            pending.append(SealedBlob(digest: digest, scratch: scratch))
            pendingBytes += total
            added.files += 1
            added.bytes += total
            stored.insert(digest)
            return pending.count >= batchFiles || pendingBytes >= batchBytes
        }
        if flushNow { try flush() }
        return (digest, total)
    }

    /// Flushes the file system, then moves the batch's blobs into place.
    private func flush() throws {
        flushLock.lock()
        defer { flushLock.unlock() }
        let batch: [SealedBlob] = lock.withLock {
            defer { pending = []; pendingBytes = 0 }
            return pending
        }
        guard !batch.isEmpty else { return }
        do {
            try store.commit(batch)
        } catch {
            lock.withLock { failure = error }
            throw error
        }
    }

    /// Stores what is pending and makes the renames durable; returns every digest this
    /// writer stored or found stored.
    public func finish() throws -> Set<Digest> {
        if let failure = lock.withLock({ failure }) { throw failure }
        try flush()
        FileSystemSync.syncFileSystem(containing: store.directory.path)
        return lock.withLock { stored }
    }

    /// The blobs this writer added to the store (not those it found there), and their bytes.
    public var addedToStore: (files: Int, bytes: Int64) { lock.withLock { added } }

    /// Drops what is pending (a failed scan).
    public func abort() {
        let batch: [SealedBlob] = lock.withLock {
            defer { pending = [] }
            return pending
        }
        for blob in batch { blob.scratch?.discard() }
    }

    deinit {
        for blob in pending { blob.scratch?.discard() }
    }
}
