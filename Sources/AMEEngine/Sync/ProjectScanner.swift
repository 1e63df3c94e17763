import AMECore
import Foundation

/// Turns a project directory into a `Manifest`: every file that is not ignored, with its
/// SHA-256, size and executable bit, and every symlink that stays inside the project.
///
/// Digests come from the project's `HashCache` when a file's size, mtime and inode are as they
/// were, so scanning an unchanged project reads no file content at all.
public struct ProjectScanner: Sendable {
    public var root: URL
    /// Where hash caches live (`EngineLayout.hashCaches`); nil scans without a cache.
    public var cacheDirectory: URL?
    public var flavour: IgnoreRules.Flavour
    /// Files hashed at once. Two keep both cores of a small machine busy; the disk is usually
    /// the limit beyond that.
    public var hashingConcurrency: Int
    /// When set, every file hashed is stored in this blob store as it is read (the
    /// embedded engine's first sync: one read of each file, hashed from the stored copy).
    /// Call its `finish()` after the scan.
    public var store: BlobBatchWriter?

    public init(root: URL, cacheDirectory: URL?, flavour: IgnoreRules.Flavour = .sync, hashingConcurrency: Int = 2) {
        self.root = root
        self.cacheDirectory = cacheDirectory
        self.flavour = flavour
        self.hashingConcurrency = hashingConcurrency
    }

    /// The cache file this scanner reads and writes, if it uses one.
    public var cacheFile: URL? {
        cacheDirectory.map { HashCache.file(forProjectRoot: root, in: $0) }
    }

    /// Scans the project. Throws `SyncError` when the root is not a directory or a file or
    /// directory that is not ignored cannot be read; anything merely unsyncable is a warning.
    public func scan(progress: (@Sendable (ScanProgress) -> Void)? = nil) throws -> ScanResult {
        let clock = ContinuousClock()
        let started = clock.now
        // Taken before anything is looked at: every mtime the scan sees predates the next
        // modification it could miss, which is what the racy-entry rule in HashCache relies on.
        let scanStartedAt = FileStatus.now()
        let reporter = ScanProgressReporter(callback: progress)
        // The walk reads every ignore file itself, the root's included.
        let rules = IgnoreRules(root: root, flavour: flavour)
        let symlinks = SymlinkPolicy(root: root)
        let cacheFile = self.cacheFile
        let previous = cacheFile.map(HashCache.load) ?? HashCache()
        // Paths whose cached digest was used; the new cache is only built when it must be saved.
        var cacheHits: [String] = []
        var hashedEntries: [(path: String, entry: HashCache.Entry)] = []

        var entries: [Manifest.Entry] = []
        var pending: [(path: String, status: FileStatus)] = []
        var statistics = ScanStatistics()
        var skipped: [String] = []
        var warnings = try DirectoryWalker(root: root, rules: rules).walk { found in
            reporter.fileScanned()
            switch found.status.kind {
            case .file:
                let status = found.status
                if let digest = previous.digest(forPath: found.path, size: status.size, modificationTime: status.modificationTime,
                                                inode: status.inode) {
                    entries.append(Manifest.Entry(path: found.path, digest: digest, size: status.size, executable: status.isExecutable))
                    cacheHits.append(found.path)
                } else {
                    pending.append((found.path, status))
                }
            case .symlink:
                if let reason = symlinks.problem(path: found.path, target: found.symlinkTarget) {
                    skipped.append("skipped symlink '\(found.path)' → '\(found.symlinkTarget ?? "?")': \(reason)")
                } else if let target = found.symlinkTarget {
                    entries.append(Manifest.Entry(path: found.path, symlinkTo: target))
                }
            case .special(let what):
                skipped.append("skipped '\(found.path)': it is \(what), which cannot be synced; add it to .ameignore to silence this")
            case .directory:
                break // The walker descends into directories itself.
            }
        }
        warnings.insert(contentsOf: skipped, at: 0)
        // `readdir` order differs between file systems; messages should not.
        warnings.sort()
        statistics.cacheHits = cacheHits.count

        let bytesToHash = pending.reduce(Int64(0)) { $0 + $1.status.size }
        reporter.startHashing(bytes: bytesToHash)
        let rootPath = root.path
        var onBytes: (@Sendable (Int) -> Void)?
        if reporter.isActive { onBytes = { @Sendable bytes in reporter.hashed(bytes: bytes) } }
        let results = FileHasher.hashAll(pending.map { rootPath + "/" + $0.path }, concurrency: hashingConcurrency, onBytes: onBytes,
                                         store: store)
        for (job, result) in zip(pending, results) {
            switch result {
            case .success(let hashed):
                entries.append(Manifest.Entry(path: job.path, digest: hashed.digest, size: hashed.size, executable: hashed.isExecutable))
                statistics.filesHashed += 1
                statistics.bytesHashed += hashed.size
                if hashed.isStable {
                    hashedEntries.append((job.path, .init(size: hashed.stamp.size, modificationTime: hashed.stamp.modificationTime,
                                                          inode: hashed.stamp.inode, digest: hashed.digest)))
                }
            case .failure(.vanished):
                continue // Deleted during the scan: not part of the project any more.
            case .failure(.notARegularFile):
                warnings.append("skipped '\(job.path)': it stopped being a regular file during the scan; scan again")
            case .failure(.unreadable(let error)):
                throw SyncError.cannotRead(path: job.path, reason: error.text)
            case .failure(.notStored(let reason)):
                throw SyncError.cannotStore(path: job.path, reason: reason)
            }
        }

        // Rewrite the cache only when it would say something new: an unchanged project then
        // costs no write at all.
        if let cacheFile, !pending.isEmpty || cacheHits.count != previous.count {
            var cache = HashCache(scanStartedAt: scanStartedAt)
            for path in cacheHits {
                if let entry = previous.entries[path] { cache.record(path: path, entry: entry) }
            }
            for (path, entry) in hashedEntries { cache.record(path: path, entry: entry) }
            do {
                try cache.save(to: cacheFile)
            } catch {
                warnings.append("could not save the hash cache (\(error)); the next scan will read every file again")
            }
        }

        let manifest = Manifest(entries: entries)
        for entry in manifest.entries {
            switch entry.kind {
            case .file:
                statistics.files += 1
                statistics.totalBytes += entry.size
            case .symlink:
                statistics.symlinks += 1
            }
        }
        statistics.duration = clock.now - started
        reporter.finish()
        return ScanResult(manifest: manifest, warnings: warnings, statistics: statistics)
    }
}
