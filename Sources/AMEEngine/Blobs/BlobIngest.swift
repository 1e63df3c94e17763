import AMECore
import AMESystem
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// One blob arriving in pieces (an HTTP body, a file read in buffers): hashed as it is written,
/// and visible in the store only once `finish()` has checked the digest and moved it into place.
/// An ingest that is dropped without `finish()` is aborted.
public final class BlobIngest: @unchecked Sendable {
    private let store: BlobStore
    private let expected: Digest?
    // Guards everything below; the class is Sendable so a request handler can hand it across tasks.
    private let lock = NSLock()
    private var hasher = ContentHasher()
    /// Nil when the expected blob was already stored: the bytes are only hashed, to check them.
    private var scratch: BlobScratchFile?
    private var isOpen = true
    private var written: Int64 = 0

    init(store: BlobStore, expected: Digest?) throws {
        self.store = store
        self.expected = expected
        if let expected, store.contains(expected) {
            scratch = nil
        } else {
            scratch = try BlobScratchFile.create(in: store.scratchDirectory)
        }
    }

    deinit {
        if isOpen { scratch?.discard() }
    }

    /// How many bytes were written so far.
    public var byteCount: Int64 {
        lock.lock()
        defer { lock.unlock() }
        return written
    }

    public func write(_ chunk: Data) throws {
        try chunk.withUnsafeBytes { try write($0) }
    }

    public func write(_ buffer: UnsafeRawBufferPointer) throws {
        lock.lock()
        defer { lock.unlock() }
        guard isOpen else { throw BlobStoreError.ingestClosed }
        hasher.update(buffer)
        written += Int64(buffer.count)
        guard let scratch else { return }
        let error = POSIXIO.writeAll(scratch.descriptor, buffer)
        if error != 0 {
            isOpen = false
            scratch.discard()
            throw BlobStoreError.io("write", scratch.path, error)
        }
    }

    /// Checks the digest and stores the blob. Finishing an upload of a blob that is already
    /// stored succeeds without writing it again.
    public func finish() throws -> Digest {
        let sealed = try seal()
        if let scratch = sealed.scratch {
            try scratch.commit(to: store.filePath(sealed.digest), shardDirectory: store.shardPath(sealed.digest))
        }
        return sealed.digest
    }

    /// Checks the digest and keeps the written file ready to be committed without flushing
    /// it: a batch flushes the file system once, then commits every sealed blob.
    func seal() throws -> SealedBlob {
        lock.lock()
        defer { lock.unlock() }
        guard isOpen else { throw BlobStoreError.ingestClosed }
        isOpen = false
        let digest = hasher.finalize()
        if let expected, expected != digest {
            scratch?.discard()
            throw BlobStoreError.digestMismatch(expected: expected, actual: digest)
        }
        guard let scratch else {
            // Only hashed: the blob was there when the upload began and must still be.
            guard store.contains(digest) else { throw BlobStoreError.notFound(digest) }
            return SealedBlob(digest: digest, scratch: nil)
        }
        if store.contains(digest) {
            // Another upload of the same content won the race (or it was stored all along).
            scratch.discard()
            return SealedBlob(digest: digest, scratch: nil)
        }
        return SealedBlob(digest: digest, scratch: scratch)
    }

    /// Drops what was written. Safe to call at any time, also after `finish()`.
    public func abort() {
        lock.lock()
        defer { lock.unlock() }
        guard isOpen else { return }
        isOpen = false
        scratch?.discard()
    }
}

/// A blob fully written and verified, waiting for its batch's flush before it is renamed
/// into place.
struct SealedBlob {
    let digest: Digest
    /// Nil when the store already had the blob.
    let scratch: BlobScratchFile?
}
