import AMECore
import AMESystem
import Foundation

/// Many uploads stored together (`POST /v1/blobs`): each is checked against its digest as
/// it arrives, and all of them become visible after one flush of the file system, instead of
/// one flush per blob. Nothing of a batch that is aborted stays.
public final class BlobIngestBatch: @unchecked Sendable {
    private let store: BlobStore
    private let lock = NSLock()
    private var sealed: [SealedBlob] = []
    private var sizes: [Int64] = []

    init(store: BlobStore) {
        self.store = store
    }

    /// Checks a finished upload's digest and keeps it for `commit()`.
    public func add(_ ingest: BlobIngest) throws {
        let size = ingest.byteCount
        let blob = try ingest.seal()
        lock.withLock {
            sealed.append(blob)
            sizes.append(size)
        }
    }

    /// Flushes, then moves every blob into place; returns the digests and sizes in order.
    public func commit() throws -> [(digest: Digest, size: Int64)] {
        let (blobs, sizes) = lock.withLock {
            defer { sealed = []; self.sizes = [] }
            return (sealed, self.sizes)
        }
        try store.commit(blobs)
        FileSystemSync.syncFileSystem(containing: store.directory.path)
        return zip(blobs, sizes).map { ($0.digest, $1) }
    }

    /// Drops everything not yet committed.
    public func abort() {
        let blobs = lock.withLock {
            defer { sealed = [] }
            return sealed
        }
        for blob in blobs { blob.scratch?.discard() }
    }

    deinit {
        for blob in sealed { blob.scratch?.discard() }
    }
}

extension BlobStore {
    /// Starts a batch of uploads stored together.
    public func makeBatch() -> BlobIngestBatch {
        BlobIngestBatch(store: self)
    }
}
