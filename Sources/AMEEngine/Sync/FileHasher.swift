import AMECore
import Crypto
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Streaming SHA-256 of files: 1 MiB reads into a reused buffer, never the whole file in memory.
public enum FileHasher {
    /// Large enough that system calls cost nothing next to hashing, small enough to stay in cache.
    public static let chunkSize = 1 << 20

    /// The digest of one file, with what it looked like when reading started.
    public struct Hashed: Sendable, Equatable {
        public var digest: AMECore.Digest
        /// Bytes actually read, which is the size the digest describes.
        public var size: Int64
        /// Size, mtime and inode from `fstat` before reading.
        public var stamp: FileStamp
        public var isExecutable: Bool
        /// False when the file changed while it was read: the digest is still of the bytes read,
        /// but it must not be remembered against `stamp`.
        public var isStable: Bool
    }

    /// Why a file could not be hashed.
    enum Failure: Error, Sendable, Equatable {
        /// It disappeared since it was listed.
        case vanished
        /// It became something else than a regular file (a symlink, a FIFO…) since it was listed.
        case notARegularFile
        case unreadable(SystemCallError)
        /// Read, but the engine could not store it (`store`): its disk is full, say.
        case notStored(String)
    }

    /// Hashes the regular file at `path` (a symbolic link is refused, not followed).
    public static func hash(path: String) throws -> Hashed {
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: chunkSize, alignment: 64)
        defer { buffer.deallocate() }
        switch hash(path: path, buffer: buffer, onBytes: nil) {
        case .success(let hashed): return hashed
        case .failure(.vanished): throw SyncError.cannotRead(path: path, reason: "it does not exist")
        case .failure(.notARegularFile): throw SyncError.cannotRead(path: path, reason: "it is not a regular file")
        case .failure(.unreadable(let error)): throw SyncError.cannotRead(path: path, reason: error.text)
        case .failure(.notStored(let reason)): throw SyncError.cannotStore(path: path, reason: reason)
        }
    }

    /// With `store`, the file is copied into that blob store and the digest is the copy's
    /// (`BlobBatchWriter`): one read of the file for both.
    static func hash(path: String, buffer: UnsafeMutableRawBufferPointer, onBytes: ((Int) -> Void)?,
                     store: BlobBatchWriter? = nil) -> Result<Hashed, Failure> {
        // O_NONBLOCK: a FIFO swapped in since listing must not block the scan; regular files
        // ignore the flag.
        let descriptor = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY | O_NONBLOCK)
        guard descriptor >= 0 else {
            let error = SystemCallError.current
            switch error.code {
            case ENOENT, ENOTDIR: return .failure(.vanished)
            case ELOOP: return .failure(.notARegularFile)
            default: return .failure(.unreadable(error))
            }
        }
        defer { close(descriptor) }
        let before: FileStatus
        switch FileStatus.of(descriptor: descriptor) {
        case .success(let status): before = status
        case .failure(let error): return .failure(.unreadable(error))
        }
        guard before.kind == .file else { return .failure(.notARegularFile) }
        _ = posix_fadvise(descriptor, 0, 0, POSIX_FADV_SEQUENTIAL)

        if let store {
            let stored: (digest: AMECore.Digest, size: Int64)
            do {
                stored = try store.store(source: descriptor, size: before.size, buffer: buffer, onBytes: onBytes)
            } catch {
                return .failure(.notStored("\(error)"))
            }
            var stable = stored.size == before.size
            if case .success(let after) = FileStatus.of(descriptor: descriptor) {
                stable = stable && after.size == before.size && after.modificationTime == before.modificationTime
            }
            return .success(Hashed(digest: stored.digest, size: stored.size, stamp: before.stamp,
                                   isExecutable: before.isExecutable, isStable: stable))
        }

        var hasher = SHA256()
        var total: Int64 = 0
        while true {
            let count = read(descriptor, buffer.baseAddress, buffer.count)
            if count < 0 {
                if errno == EINTR { continue }
                return .failure(.unreadable(.current))
            }
            if count == 0 { break }
            hasher.update(bufferPointer: UnsafeRawBufferPointer(rebasing: buffer[..<count]))
            total += Int64(count)
            onBytes?(count)
        }
        var stable = total == before.size
        if case .success(let after) = FileStatus.of(descriptor: descriptor) {
            stable = stable && after.size == before.size && after.modificationTime == before.modificationTime
        }
        return .success(Hashed(digest: AMECore.Digest(bytes: hasher.finalize()), size: total, stamp: before.stamp,
                               isExecutable: before.isExecutable, isStable: stable))
    }

    /// Hashes `paths` with up to `concurrency` threads (two keep both cores of a small machine
    /// busy; the disk usually limits more than that). Results are in the order of `paths`.
    /// `onBytes` receives the bytes read since its previous call, from any thread.
    static func hashAll(_ paths: [String], concurrency: Int, onBytes: (@Sendable (Int) -> Void)?,
                        store: BlobBatchWriter? = nil) -> [Result<Hashed, Failure>] {
        let work = Work(paths: paths)
        let workers = max(1, min(concurrency, paths.count))
        let runWorker: @Sendable (Int) -> Void = { _ in
            let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: chunkSize, alignment: 64)
            defer { buffer.deallocate() }
            while let index = work.next() {
                work.store(hash(path: work.paths[index], buffer: buffer, onBytes: onBytes, store: store), at: index)
            }
        }
        if workers == 1 {
            runWorker(0)
        } else {
            DispatchQueue.concurrentPerform(iterations: workers, execute: runWorker)
        }
        return work.finished()
    }

    /// The queue of paths and the results, shared by the worker threads.
    private final class Work: @unchecked Sendable {
        let paths: [String]
        private let lock = NSLock()
        private var nextIndex = 0
        private var results: [Result<Hashed, Failure>?]

        init(paths: [String]) {
            self.paths = paths
            self.results = Array(repeating: nil, count: paths.count)
        }

        func next() -> Int? {
            lock.lock()
            defer { lock.unlock() }
            guard nextIndex < paths.count else { return nil }
            nextIndex += 1
            return nextIndex - 1
        }

        func store(_ result: Result<Hashed, Failure>, at index: Int) {
            lock.lock()
            results[index] = result
            lock.unlock()
        }

        func finished() -> [Result<Hashed, Failure>] {
            lock.lock()
            defer { lock.unlock() }
            // Every index was handed out and stored before the workers returned.
            return results.map { $0 ?? .failure(.vanished) }
        }
    }
}
