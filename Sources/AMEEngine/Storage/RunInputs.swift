import AMECore
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Fetches the `data` of a run's steps into its workspace before their commands start,
/// through the executor's ETag cache, and keeps track of what it put there: those files
/// are inputs, not artifacts, and a cached file a run changed in place must leave the cache.
actor RunInputs {
    let provider: (any ObjectStoreProvider)?
    let resolver: StorageSettingsResolver
    let cache: DataCache
    let workspace: URL
    let placeholders: S3URL.Placeholders
    /// Objects transferred at once.
    let concurrency: Int

    /// What was placed where (workspace-relative path).
    private var placed: [String: Placed] = [:]
    /// Sources fetched (or being fetched) by a step of this run: parallel steps that share
    /// a source wait for one fetch instead of replacing each other's files.
    private var fetches: [DataSource: Task<Void, any Error>] = [:]

    struct Placed {
        var stamp: FileStamp
        /// The cache file it is a hard link to, if it is one.
        var linkedTo: URL?
    }

    struct FetchError: Error, CustomStringConvertible {
        var description: String
    }

    init(provider: (any ObjectStoreProvider)?, resolver: StorageSettingsResolver, cache: DataCache, workspace: URL,
         placeholders: S3URL.Placeholders, concurrency: Int = 4) {
        self.provider = provider
        self.resolver = resolver
        self.cache = cache
        self.workspace = workspace
        self.placeholders = placeholders
        self.concurrency = concurrency
    }

    /// The stamps of the inputs as placed: files still matching them are not artifacts.
    var inputStamps: [String: FileStamp] { placed.mapValues(\.stamp) }

    /// Fetches every source of `step` (once per run: a source another step fetched is there).
    func fetch(for step: TaskSpec, log: StepLog) async throws {
        for source in step.data {
            if let running = fetches[source] {
                try await running.value
                continue
            }
            let fetch = Task { try await self.fetch(source, step: step, log: log) }
            fetches[source] = fetch
            do {
                try await withTaskCancellationHandler {
                    try await fetch.value
                } onCancel: {
                    fetch.cancel()
                }
            } catch {
                fetches[source] = nil
                throw error
            }
        }
    }

    private func fetch(_ source: DataSource, step: TaskSpec, log: StepLog) async throws {
        let text = S3URL.expand(source.source, with: placeholders)
        guard let url = S3URL(text) else {
            throw FetchError(description: "data source '\(text)' \(S3URL.problem(in: text) ?? "is not an s3:// address")")
        }
        let connection = try resolver.connection(for: .init(secret: source.secret, endpoint: source.endpoint, region: source.region), step: step)
        func fail(_ error: any Error) -> FetchError {
            FetchError(description: connection.redact("could not fetch \(url): \(error)"))
        }
        guard let provider else {
            throw FetchError(description: "could not fetch \(url): this engine has no S3 client")
        }
        let store: any ObjectStore
        let listing: [(object: StoredObject, relative: String)]
        do {
            store = try provider.store(for: connection) { event in log.note("  " + connection.redact(event)) }
            listing = try await objects(at: url, in: store)
        } catch {
            throw fail(error)
        }
        guard !listing.isEmpty else {
            throw FetchError(description: "could not fetch \(url): bucket '\(url.bucket)' has no object '\(url.key)' and nothing under it")
        }
        for entry in listing {
            if let problem = Manifest.problem(with: entry.relative) {
                throw FetchError(description: "could not fetch \(url): the key '\(entry.object.key)' would land at a path that \(problem)")
            }
        }

        let service = connection.serviceIdentity
        let cached = listing.filter { self.cache.lookup(service: service, bucket: url.bucket, object: $0.object) != nil }
        let missingBytes = listing.reduce(Int64(0)) { $0 + $1.object.size } - cached.reduce(Int64(0)) { $0 + $1.object.size }
        let total = listing.reduce(Int64(0)) { $0 + $1.object.size }
        // `data/`, `./data` and `data` are the same folder; `.` is the workspace itself.
        let directory = source.path.split(separator: "/").filter { $0 != "." }.joined(separator: "/")
        func destination(_ relative: String) -> String { directory.isEmpty ? relative : directory + "/" + relative }
        log.note("⇣ \(url) → \(directory.isEmpty ? "." : directory)/: \(Self.count(listing.count, "object")), \(ByteCount.text(total))"
                 + (cached.isEmpty ? "" : " (\(cached.count) cached)")
                 + (cached.count == listing.count ? "" : "; downloading \(ByteCount.text(missingBytes))"))

        // Download what the cache lacks, a few objects at a time.
        let cache = self.cache
        let bucket = url.bucket
        let results = try await withThrowingTaskGroup(of: (Int, URL, Bool).self) { group in
            var files: [Int: (URL, Bool)] = [:]
            var next = 0
            func start() {
                guard next < listing.count else { return }
                let index = next
                let entry = listing[index]
                next += 1
                group.addTask {
                    if let hit = cache.lookup(service: service, bucket: bucket, object: entry.object) {
                        return (index, hit, false)
                    }
                    let temporary = try cache.temporaryFile()
                    do {
                        let label = directory.isEmpty ? entry.relative : "\(directory)/\(entry.relative)"
                        let progress = TransferProgress(log: log, label: "⇣ " + label, total: entry.object.size)
                        try await store.download(bucket: bucket, object: entry.object, to: temporary) { progress.update($0) }
                        let file = try cache.store(temporary, service: service, bucket: bucket, object: entry.object)
                        return (index, file, true)
                    } catch {
                        try? FileManager.default.removeItem(at: temporary)
                        throw error
                    }
                }
            }
            for _ in 0..<concurrency { start() }
            while let result = try await group.next() {
                files[result.0] = (result.1, result.2)
                start()
            }
            return files
        }

        var downloaded = 0
        do {
            for (index, entry) in listing.enumerated() {
                guard let (file, fresh) = results[index] else { continue }
                if fresh { downloaded += 1 }
                try place(file, at: destination(entry.relative), size: entry.object.size)
            }
        } catch let error as FetchError {
            throw error
        } catch {
            throw fail(error)
        }
        log.note("⇣ \(directory.isEmpty ? "." : directory)/ ready: \(Self.count(listing.count, "object")) (\(downloaded) downloaded, \(listing.count - downloaded) from the cache)")
    }

    /// The objects `url` names: the object at its key, or else every object under it as a
    /// folder, each with the path it takes below the entry's `path`.
    private func objects(at url: S3URL, in store: any ObjectStore) async throws -> [(object: StoredObject, relative: String)] {
        if !url.key.isEmpty && !url.key.hasSuffix("/"), let object = try await store.head(bucket: url.bucket, key: url.key) {
            let name = url.key.split(separator: "/").last.map(String.init) ?? url.key
            return [(object, name)]
        }
        let prefix = url.key.isEmpty || url.key.hasSuffix("/") ? url.key : url.key + "/"
        return try await store.list(bucket: url.bucket, prefix: prefix)
            .filter { !$0.key.hasSuffix("/") }
            .map { ($0, String($0.key.dropFirst(prefix.count))) }
            .sorted { $0.relative < $1.relative }
    }

    /// Puts the cached `file` at `path` in the workspace: a hard link where the file systems
    /// allow, else a copy; checked by size.
    private func place(_ file: URL, at path: String, size: Int64) throws {
        let target = workspace.appendingPathComponent(path)
        let manager = FileManager.default
        try manager.createDirectory(at: target.deletingLastPathComponent(), withIntermediateDirectories: true)
        var isDirectory: ObjCBool = false
        if manager.fileExists(atPath: target.path, isDirectory: &isDirectory) {
            if isDirectory.boolValue {
                throw FetchError(description: "cannot put \(path) into the workspace: a folder of that name is there")
            }
            try manager.removeItem(at: target)
        }
        var linked: URL? = file
        if link(file.path, target.path) != 0 {
            linked = nil
            try manager.copyItem(at: file, to: target)
        }
        guard let stamp = try FileStamp.capture(path: target.path), stamp.size == size else {
            throw FetchError(description: "\(path) does not have the \(size) bytes the bucket lists for it")
        }
        placed[path] = Placed(stamp: stamp, linkedTo: linked)
    }

    /// After the run: a cached file that the run changed in place (through its hard link)
    /// leaves the cache.
    func checkCache(log: StepLog) {
        for (path, entry) in placed.sorted(by: { $0.key < $1.key }) {
            guard let file = entry.linkedTo, !cache.isIntact(file) else { continue }
            cache.discard(file)
            log.note("⚠ the run modified the input \(path) in place; its cached copy was discarded")
        }
    }

    static func count(_ n: Int, _ noun: String) -> String {
        "\(n) \(noun)\(n == 1 ? "" : "s")"
    }
}
