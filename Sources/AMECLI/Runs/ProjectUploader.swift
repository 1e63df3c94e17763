import AMECore
import Foundation

/// Sends the project to the engine: hashes it (re-reading only files whose size, mtime or
/// inode changed since last time), asks which blobs the engine lacks, and uploads only
/// those, with a progress bar when that takes a while.
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
        // Scanning blocks (and hashes on threads of its own): keep it off the async pool.
        let scan: FileHashing.Scan
        do {
            scan = try await Task.detached {
                try FileHashing.scanProject(directory, environment: environment) { progress in
                    scanBar.update(done: progress.bytesHashed, total: progress.bytesToHash, detail: "\(progress.filesScanned) files")
                }
            }.value
        } catch {
            scanBar.finish()
            throw CLIError("cannot read the project: \(error)")
        }
        scanBar.finish()
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
        let bar = ProgressBar(terminal: terminal, title: "uploading")
        var done: Int64 = 0
        // In batches, so the progress bar moves and the engine can flush many files at once.
        var index = 0
        while index < uploads.count {
            var batch: [Manifest.Entry] = []
            var batchBytes: Int64 = 0
            while index < uploads.count && batch.count < 256 && (batch.isEmpty || batchBytes < 64 << 20) {
                batch.append(uploads[index])
                batchBytes += uploads[index].size
                index += 1
            }
            do {
                try await api.uploadBlobs(batch.compactMap { entry in
                    entry.digest.map { ($0, directory.appendingPathComponent(entry.path)) }
                })
            } catch {
                bar.finish()
                // The engine and a server refuse alike a file that no longer hashes to what
                // the scan found: it changed meanwhile.
                if (error as? APIError)?.code == .invalidRequest, let changed = batch.first(where: { entry in
                    FileHashing.digest(of: directory.appendingPathComponent(entry.path)) != entry.digest
                }) {
                    throw CLIError("\(changed.path) changed while it was being uploaded", hint: "run the command again")
                }
                throw error
            }
            done += batchBytes
            bar.update(done: done, total: total, detail: batch.last?.path ?? "")
        }
        bar.finish()
        return Result(manifest: manifest, uploadedFiles: uploads.count, uploadedBytes: total, warnings: scan.warnings)
    }
}
