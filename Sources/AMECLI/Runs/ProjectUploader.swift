import AMECore
import AMEEngine
import AMESystem
import Foundation

/// Sends the project to the engine: hashes it (re-reading only files whose size, mtime or
/// inode changed since last time), asks which blobs the engine lacks, and uploads only
/// those, with a progress bar when that takes a while. The embedded engine stores files
/// while they are hashed, so each new file is read once.
struct ProjectUploader {
    let api: any JobsAPI
    let context: CommandContext

    struct Result {
        /// What the run gets; also the snapshot artifacts are compared against.
        var manifest: Manifest
        var uploadedFiles: Int
        var uploadedBytes: Int64
        var warnings: [String]
    }

    func upload(directory: URL) async throws -> Result {
        let terminal = context.terminal
        let scanBar = ProgressBar(terminal: terminal, title: "hashing")
        var scanner = ProjectScanner(root: directory, cacheDirectory: EngineLayout.embedded(environment: context.environment).hashCaches)
        // The embedded engine's store is in this process: files are stored as they are
        // read (one read, the digest of the stored copy), not hashed and then read again.
        let embedded = api as? EmbeddedJobsAPI
        let writer = embedded.map { BlobBatchWriter(store: $0.engine.blobs) }
        scanner.store = writer
        // Scanning blocks (and hashes on threads of its own): keep it off the async pool.
        let scan: ScanResult
        do {
            scan = try await Task.detached {
                try scanner.scan { progress in
                    scanBar.update(done: progress.bytesHashed, total: progress.bytesToHash, detail: "\(progress.filesScanned) files")
                }
            }.value
        } catch {
            scanBar.finish()
            writer?.abort()
            throw CLIError("cannot read the project: \(error)")
        }
        scanBar.finish()
        if let writer, let embedded {
            do {
                let stored = try writer.finish()
                try embedded.claimStoredBlobs(stored)
            } catch {
                throw CLIError("cannot store the project: \(error)")
            }
        }
        Trace.mark("upload: scanned (\(scan.statistics.filesHashed) files hashed)")
        for warning in scan.warnings {
            terminal.errLine("ame: \(terminal.errorStyle.yellow("warning")): \(warning)")
        }
        let manifest = scan.manifest
        let missing = Set(try await api.missingBlobs(Array(manifest.digests)))
        // One file per missing digest (identical files share a blob).
        var seen = Set<Digest>()
        let uploads = manifest.entries.filter { entry in
            guard let digest = entry.digest, missing.contains(digest) else { return false }
            return seen.insert(digest).inserted
        }
        let total = uploads.reduce(Int64(0)) { $0 + $1.size }
        Trace.mark("upload: \(uploads.count) blobs missing")
        let bar = ProgressBar(terminal: terminal, title: "uploading")
        var done: Int64 = 0
        // In batches, so the progress bar moves and the engine can flush many files at once;
        // two in flight, so a server hashes one while the next arrives (both cores busy).
        var batches: [(entries: [Manifest.Entry], bytes: Int64)] = []
        var index = 0
        while index < uploads.count {
            var batch: [Manifest.Entry] = []
            var batchBytes: Int64 = 0
            while index < uploads.count && batch.count < 256 && (batch.isEmpty || batchBytes < 64 << 20) {
                batch.append(uploads[index])
                batchBytes += uploads[index].size
                index += 1
            }
            batches.append((batch, batchBytes))
        }
        let api = self.api
        func send(_ batch: [Manifest.Entry]) async throws {
            do {
                try await api.uploadBlobs(batch.compactMap { entry in
                    entry.digest.map { ($0, directory.appendingPathComponent(entry.path)) }
                })
            } catch let error as BlobStoreError {
                if case .digestMismatch(let expected, _) = error,
                   let entry = batch.first(where: { $0.digest == expected }) {
                    throw CLIError("\(entry.path) changed while it was being uploaded", hint: "run the command again")
                }
                throw CLIError("cannot upload the project: \(error)")
            }
        }
        do {
            try await withThrowingTaskGroup(of: (Int64, String).self) { group in
                var next = 0
                for _ in 0..<min(2, batches.count) {
                    let batch = batches[next]
                    next += 1
                    group.addTask { try await send(batch.entries); return (batch.bytes, batch.entries.last?.path ?? "") }
                }
                while let (bytes, last) = try await group.next() {
                    done += bytes
                    bar.update(done: done, total: total, detail: last)
                    if next < batches.count {
                        let batch = batches[next]
                        next += 1
                        group.addTask { try await send(batch.entries); return (batch.bytes, batch.entries.last?.path ?? "") }
                    }
                }
            }
        } catch {
            bar.finish()
            throw error
        }
        bar.finish()
        Trace.mark("upload: stored")
        // What the embedded engine stored while scanning counts as uploaded too.
        let storedWhileScanning = writer?.addedToStore ?? (files: 0, bytes: 0)
        return Result(manifest: manifest, uploadedFiles: uploads.count + storedWhileScanning.files,
                      uploadedBytes: total + storedWhileScanning.bytes, warnings: scan.warnings)
    }
}
