import AMECore
import AMEEngine
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
        let scanner = ProjectScanner(root: directory, cacheDirectory: EngineLayout.embedded(environment: context.environment).hashCaches)
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
        for entry in uploads {
            guard let digest = entry.digest else { continue }
            do {
                try await api.uploadBlob(digest, from: directory.appendingPathComponent(entry.path))
            } catch let error as BlobStoreError {
                bar.finish()
                if case .digestMismatch = error {
                    throw CLIError("\(entry.path) changed while it was being uploaded", hint: "run the command again")
                }
                throw CLIError("cannot upload \(entry.path): \(error)")
            }
            done += entry.size
            bar.update(done: done, total: total, detail: entry.path)
        }
        bar.finish()
        return Result(manifest: manifest, uploadedFiles: uploads.count, uploadedBytes: total, warnings: scan.warnings)
    }
}
