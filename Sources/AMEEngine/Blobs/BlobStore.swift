import AMECore
import AMESystem
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Content-addressed storage: every blob is a read-only file named by its SHA-256 digest,
/// `DIR/sha256/ab/<64 hex digits>`. The same content is stored once, however often it is put.
///
/// A blob appears by `rename` only after it was fully written, hashed and flushed to disk, so
/// a reader never sees half a blob; a crash leaves only a file in the temporary directory,
/// which the next store opened on it removes.
public final class BlobStore: Sendable {
    public let directory: URL
    public let temporaryDirectory: URL
    /// `DIR/sha256`: naming the algorithm leaves room for another one without moving files.
    let objectsPath: String
    let temporaryPath: String
    /// Folders of `temporaryPath` that blobs being written are spread over, one per thread
    /// at a time: files created at once in one folder queue on its lock (ext4's inode lock),
    /// and on a 2-core machine that made two writers slower than one.
    let scratchLanes: [String]

    static let bufferSize = 1 << 20
    static let scratchLaneCount = 8

    /// Creates the directories if needed and removes what interrupted uploads left behind.
    /// `temporaryDirectory` must be on the same file system as `directory` (renames are atomic
    /// only within one file system).
    public init(directory: URL, temporaryDirectory: URL) throws {
        self.directory = directory
        self.temporaryDirectory = temporaryDirectory
        objectsPath = directory.appendingPathComponent("sha256").path
        temporaryPath = temporaryDirectory.path
        scratchLanes = (0..<Self.scratchLaneCount).map { "\(temporaryDirectory.path)/blobs-\($0)" }
        for path in [objectsPath, temporaryPath] + scratchLanes {
            do {
                try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
            } catch {
                throw BlobStoreError.io(operation: "create the directory", path: path, reason: error.localizedDescription)
            }
        }
        for path in [temporaryPath] + scratchLanes {
            BlobScratchFile.removeLeftovers(in: path)
        }
    }

    /// Where the calling thread creates a blob's scratch file: its own lane while it runs.
    var scratchDirectory: String {
        scratchLanes[ThreadID.current % scratchLanes.count]
    }

    // MARK: - Paths

    func shardPath(_ digest: Digest) -> String {
        "\(objectsPath)/\(digest.hex.prefix(2))"
    }

    func filePath(_ digest: Digest) -> String {
        "\(objectsPath)/\(digest.hex.prefix(2))/\(digest.hex)"
    }

    public func contains(_ digest: Digest) -> Bool {
        var info = stat()
        return stat(filePath(digest), &info) == 0 && (info.st_mode & S_IFMT) == S_IFREG
    }

    /// The digests that are not stored, each once, in the order given.
    public func missing(_ digests: [Digest]) -> [Digest] {
        var seen = Set<Digest>()
        return digests.filter { seen.insert($0).inserted && !contains($0) }
    }

    /// The blob's file (read-only), or nil when it is not stored.
    public func path(for digest: Digest) -> URL? {
        contains(digest) ? URL(fileURLWithPath: filePath(digest)) : nil
    }

    // MARK: - Putting

    /// Starts a streamed upload. With `expected`, `finish()` refuses content that hashes to
    /// anything else.
    public func makeIngest(expected: Digest?) throws -> BlobIngest {
        try BlobIngest(store: self, expected: expected)
    }

    public func put(_ data: Data, expected: Digest?) throws -> Digest {
        let ingest = try makeIngest(expected: expected)
        try ingest.write(data)
        return try ingest.finish()
    }

    /// Stores a copy of a file, reading it once in 1 MiB buffers.
    public func put(fileAt url: URL, expected: Digest?) throws -> Digest {
        try ingestFile(at: url, expected: expected).finish()
    }

    /// An ingest holding the whole file, not yet finished.
    private func ingestFile(at url: URL, expected: Digest?) throws -> BlobIngest {
        let (descriptor, error) = POSIXIO.open(url.path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else {
            throw BlobStoreError.io("read", url.path, error)
        }
        defer { close(descriptor) }
        _ = posix_fadvise(descriptor, 0, 0, Int32(POSIX_FADV_SEQUENTIAL))
        let ingest = try makeIngest(expected: expected)
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: Self.bufferSize, alignment: 64)
        defer { buffer.deallocate() }
        while true {
            let (count, readError) = POSIXIO.read(descriptor, into: buffer)
            if readError != 0 {
                ingest.abort()
                throw BlobStoreError.io("read", url.path, readError)
            }
            if count == 0 { break }
            try ingest.write(UnsafeRawBufferPointer(rebasing: buffer[0..<count]))
            if count < buffer.count { break }
        }
        return ingest
    }

    /// Stores many files with one file-system flush per batch instead of one fsync per
    /// file, and the same guarantee: a blob becomes visible only once its bytes are durable.
    /// Returns the digests in order.
    public func put(files: [(url: URL, expected: Digest?)], batchSize: Int = 256) throws -> [Digest] {
        var digests: [Digest] = []
        digests.reserveCapacity(files.count)
        var start = 0
        while start < files.count {
            let batch = files[start..<min(files.count, start + max(1, batchSize))]
            var sealed: [SealedBlob] = []
            do {
                for item in batch {
                    sealed.append(try ingestFile(at: item.url, expected: item.expected).seal())
                }
            } catch {
                for blob in sealed { blob.scratch?.discard() }
                throw error
            }
            try commit(sealed)
            digests.append(contentsOf: sealed.map(\.digest))
            start += batch.count
        }
        // The renames themselves: one more flush so the batch survives a power cut.
        FileSystemSync.syncFileSystem(containing: directory.path)
        return digests
    }

    /// Moves sealed blobs into place after one flush of the file system that holds their
    /// scratch files, so a blob becomes visible only once its bytes are durable. On a failure
    /// nothing not yet moved stays behind. The renames are made durable by the caller's
    /// last flush (once per many batches).
    func commit(_ sealed: [SealedBlob]) throws {
        if sealed.contains(where: { $0.scratch != nil }) {
            let syncError = FileSystemSync.syncFileSystem(containing: temporaryPath)
            if syncError != 0 {
                for blob in sealed { blob.scratch?.discard() }
                throw BlobStoreError.io("flush to disk", temporaryPath, syncError)
            }
        }
        for (index, blob) in sealed.enumerated() {
            guard let scratch = blob.scratch else { continue }
            do {
                try scratch.commit(to: filePath(blob.digest), shardDirectory: shardPath(blob.digest), durable: false)
            } catch {
                for rest in sealed[(index + 1)...] { rest.scratch?.discard() }
                throw error
            }
        }
    }

    // MARK: - Reading

    public func read(_ digest: Digest) throws -> Data {
        let descriptor = try openBlob(digest)
        defer { close(descriptor) }
        let (size, sizeError) = POSIXIO.fileSize(descriptor)
        guard sizeError == 0 else { throw BlobStoreError.io("read", filePath(digest), sizeError) }
        var data = Data(count: Int(size))
        let (count, error) = data.withUnsafeMutableBytes { POSIXIO.read(descriptor, into: $0, at: 0) }
        guard error == 0 else { throw BlobStoreError.io("read", filePath(digest), error) }
        if count < data.count { data.removeSubrange(count...) }
        return data
    }

    /// Writes the blob to `destination` with mode 0644 (0755 when `executable`), replacing
    /// whatever is there atomically. Uses `copy_file_range`, which lets the kernel copy (or
    /// share extents, on file systems that can) without passing the bytes through this process.
    /// The content is not re-hashed: blobs were checked when stored, and `verify` is for audits.
    public func copy(_ digest: Digest, to destination: URL, executable: Bool) throws {
        let source = try openBlob(digest)
        defer { close(source) }
        let (size, sizeError) = POSIXIO.fileSize(source)
        guard sizeError == 0 else { throw BlobStoreError.io("read", filePath(digest), sizeError) }
        let scratch = try openBeside(destination)
        defer { close(scratch.descriptor) }
        do {
            try Self.copyContents(from: source, to: scratch.descriptor, size: size, path: destination.path)
            guard fchmod(scratch.descriptor, executable ? 0o755 : 0o644) == 0 else {
                throw BlobStoreError.io("set the mode of", destination.path, errno)
            }
            guard rename(scratch.path, destination.path) == 0 else {
                throw BlobStoreError.io("replace", destination.path, errno)
            }
        } catch {
            unlink(scratch.path)
            throw error
        }
    }

    /// Hard-links the blob at `destination` (replacing it atomically). The file shares the
    /// blob's inode and its read-only mode: only for destinations nothing will write to.
    public func link(_ digest: Digest, to destination: URL) throws {
        let source = filePath(digest)
        let directory = destination.deletingLastPathComponent().path
        let temporary = "\(directory)/.\(destination.lastPathComponent).ame-\(POSIXIO.uniqueSuffix())"
        var linked = Glibc.link(source, temporary) == 0
        if !linked && errno == ENOENT {
            guard contains(digest) else { throw BlobStoreError.notFound(digest) }
            try createDirectory(directory)
            linked = Glibc.link(source, temporary) == 0
        }
        guard linked else {
            let error = errno
            switch error {
            case EXDEV, EMLINK, EPERM, EOPNOTSUPP:
                throw BlobStoreError.linkUnsupported(destination: destination.path, reason: POSIXIO.message(error))
            default:
                throw BlobStoreError.io("link a blob to", destination.path, error)
            }
        }
        guard rename(temporary, destination.path) == 0 else {
            let error = errno
            unlink(temporary)
            throw BlobStoreError.io("replace", destination.path, error)
        }
    }

    // MARK: - Checking and removing

    /// Hashes the stored file again: false when it no longer matches its name.
    public func verify(_ digest: Digest) throws -> Bool {
        guard contains(digest) else { throw BlobStoreError.notFound(digest) }
        return try Self.hash(fileAt: URL(fileURLWithPath: filePath(digest))).digest == digest
    }

    /// Re-hashes every blob (on all cores). A blob that cannot be read counts as corrupt.
    public func verifyAll() -> (checked: Int, corrupt: [Digest]) {
        let digests = storedDigests()
        let results = Locked((next: 0, corrupt: [Digest]()))
        let workers = max(1, min(ProcessInfo.processInfo.activeProcessorCount, digests.count))
        DispatchQueue.concurrentPerform(iterations: workers) { _ in
            while true {
                let index = results.withLock { state -> Int in
                    defer { state.next += 1 }
                    return state.next
                }
                guard index < digests.count else { return }
                let digest = digests[index]
                let intact = (try? Self.hash(fileAt: URL(fileURLWithPath: filePath(digest))).digest == digest) ?? false
                if !intact {
                    results.withLock { $0.corrupt.append(digest) }
                }
            }
        }
        return (digests.count, results.withLock { $0.corrupt.sorted() })
    }

    /// Deletes the blob if it is stored. The caller makes sure nothing refers to it any more.
    public func remove(_ digest: Digest) {
        unlink(filePath(digest))
    }

    /// Every blob file whose name is a digest in its right shard.
    func storedDigests() -> [Digest] {
        let manager = FileManager.default
        guard let shards = try? manager.contentsOfDirectory(atPath: objectsPath) else { return [] }
        var digests: [Digest] = []
        for shard in shards where shard.utf8.count == 2 {
            guard let names = try? manager.contentsOfDirectory(atPath: "\(objectsPath)/\(shard)") else { continue }
            for name in names {
                if let digest = Digest(hex: name), digest.hex == name, name.hasPrefix(shard) {
                    digests.append(digest)
                }
            }
        }
        return digests.sorted()
    }

    // MARK: - Hashing

    /// SHA-256 of a file, streamed in 1 MiB buffers, and its size.
    public static func hash(fileAt url: URL) throws -> (digest: Digest, size: Int64) {
        let (descriptor, error) = POSIXIO.open(url.path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw BlobStoreError.io("read", url.path, error) }
        defer { close(descriptor) }
        _ = posix_fadvise(descriptor, 0, 0, Int32(POSIX_FADV_SEQUENTIAL))
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: bufferSize, alignment: 64)
        defer { buffer.deallocate() }
        var hasher = ContentHasher()
        var size: Int64 = 0
        while true {
            let (count, readError) = POSIXIO.read(descriptor, into: buffer)
            guard readError == 0 else { throw BlobStoreError.io("read", url.path, readError) }
            if count == 0 { break }
            hasher.update(UnsafeRawBufferPointer(rebasing: buffer[0..<count]))
            size += Int64(count)
            if count < buffer.count { break }
        }
        return (hasher.finalize(), size)
    }

    // MARK: - Helpers

    private func openBlob(_ digest: Digest) throws -> Int32 {
        let path = filePath(digest)
        let (descriptor, error) = POSIXIO.open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else {
            throw error == ENOENT ? BlobStoreError.notFound(digest) : BlobStoreError.io("read", path, error)
        }
        return descriptor
    }

    /// A new private file next to `destination` (creating its directory if needed), to be
    /// renamed over it once complete.
    private func openBeside(_ destination: URL) throws -> (descriptor: Int32, path: String) {
        let directory = destination.deletingLastPathComponent().path
        let path = "\(directory)/.\(destination.lastPathComponent).ame-\(POSIXIO.uniqueSuffix())"
        let flags = O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC
        var (descriptor, error) = POSIXIO.open(path, flags, 0o600)
        if descriptor < 0 && error == ENOENT {
            try createDirectory(directory)
            (descriptor, error) = POSIXIO.open(path, flags, 0o600)
        }
        guard descriptor >= 0 else { throw BlobStoreError.io("create", path, error) }
        return (descriptor, path)
    }

    private func createDirectory(_ path: String) throws {
        do {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        } catch {
            throw BlobStoreError.io(operation: "create the directory", path: path, reason: error.localizedDescription)
        }
    }

    private typealias CopyFileRange = @convention(c) (Int32, UnsafeMutablePointer<Int64>?, Int32, UnsafeMutablePointer<Int64>?, Int, UInt32) -> Int

    /// glibc's `copy_file_range`, looked up at run time: Swift's Glibc module leaves out the
    /// declarations that need `_GNU_SOURCE`.
    private static let copyFileRange: CopyFileRange? = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "copy_file_range")
        .map { unsafeBitCast($0, to: CopyFileRange.self) }

    /// `copy_file_range` while the kernel accepts it, then plain reads and writes for the rest
    /// (older kernels, and file system pairs it refuses).
    static func copyContents(from source: Int32, to target: Int32, size: Int64, path: String) throws {
        var inputOffset: Int64 = 0
        var outputOffset: Int64 = 0
        kernelCopy: while inputOffset < size {
            let chunk = Int(min(size - inputOffset, 1 << 30))
            guard let copyFileRange = Self.copyFileRange else { break kernelCopy }
            let copied = copyFileRange(source, &inputOffset, target, &outputOffset, chunk, 0)
            if copied > 0 { continue }
            if copied == 0 { break }
            switch errno {
            case EINTR: continue
            case EXDEV, ENOSYS, EINVAL, EOPNOTSUPP, EBADF, ETXTBSY, EPERM: break kernelCopy
            default: throw BlobStoreError.io("write", path, errno)
            }
        }
        guard inputOffset < size else { return }
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: bufferSize, alignment: 64)
        defer { buffer.deallocate() }
        while true {
            let (count, readError) = POSIXIO.read(source, into: buffer, at: inputOffset)
            guard readError == 0 else { throw BlobStoreError.io("read a blob for", path, readError) }
            if count == 0 { return }
            let writeError = POSIXIO.writeAll(target, UnsafeRawBufferPointer(rebasing: buffer[0..<count]), at: outputOffset)
            guard writeError == 0 else { throw BlobStoreError.io("write", path, writeError) }
            inputOffset += Int64(count)
            outputOffset += Int64(count)
        }
    }
}
