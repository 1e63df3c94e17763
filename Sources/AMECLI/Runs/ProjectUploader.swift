import AMECore
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
        let environment = context.environment
        let api = self.api
        // Scanning blocks (and hashes on threads of its own): keep it off the async pool.
        let scan: FileHashing.Scan
        do {
            scan = try await Task.detached {
                try FileHashing.scanProject(directory, environment: environment, api: api) { progress in
                    scanBar.update(done: progress.bytesHashed, total: progress.bytesToHash, detail: "\(progress.filesScanned) files")
                }
            }.value
        } catch let failure as FileHashing.StoreFailure {
            scanBar.finish()
            throw CLIError("cannot store the project: \(failure.underlying)")
        } catch {
            scanBar.finish()
            throw CLIError("cannot read the project: \(error)")
        }
        scanBar.finish()
        Trace.mark("upload: scanned (\(scan.filesHashed) files hashed)")
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
        // four in flight, so a server hashes some while others arrive or wait for their
        // flush (both cores busy).
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
        func send(_ batch: [Manifest.Entry]) async throws {
            do {
                try await api.uploadBlobs(batch.compactMap { entry in
                    entry.digest.map { ($0, directory.appendingPathComponent(entry.path)) }
                })
            } catch {
                // The engine and a server refuse alike a file that no longer hashes to what
                // the scan found: it changed meanwhile.
                if (error as? APIError)?.code == .invalidRequest, let changed = batch.first(where: { entry in
                    FileHashing.digest(of: directory.appendingPathComponent(entry.path)) != entry.digest
                }) {
                    throw CLIError("\(changed.path) changed while it was being uploaded", hint: "run the command again")
                }
                throw error
            }
        }
        do {
            try await withThrowingTaskGroup(of: (Int64, String).self) { group in
                var next = 0
                for _ in 0..<min(4, batches.count) {
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
        return Result(manifest: manifest, uploadedFiles: uploads.count + scan.storedFiles,
                      uploadedBytes: total + scan.storedBytes, warnings: scan.warnings)
    }
}
