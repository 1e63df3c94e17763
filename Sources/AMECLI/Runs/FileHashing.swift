import AMECore
import AMEEngine
import Foundation

/// The CLI's one place for hashing the user's files: a project scanned into its manifest
/// (with the per-project hash cache, so unchanged files are not read again) and single files
/// hashed. Both are the engine's own code (`ProjectScanner`, `BlobStore.hash`), so a digest
/// computed here is the one the engine checks an upload against.
enum FileHashing {
    /// A scan's result: the manifest, what was skipped on the way (each a sentence), how
    /// many files were read, and what the embedded engine stored while they were read.
    struct Scan: Sendable {
        var manifest: Manifest
        var warnings: [String]
        var filesHashed: Int
        var storedFiles: Int
        var storedBytes: Int64
    }

    /// How far a scan is: bytes hashed of those to hash, files looked at.
    struct Progress: Sendable {
        var bytesHashed: Int64
        var bytesToHash: Int64
        var filesScanned: Int
    }

    /// The scan was read, but the embedded engine could not keep what it stored.
    struct StoreFailure: Error {
        var underlying: any Error
    }

    /// The project at `directory` as it would be uploaded (its ignore rules applied). Blocks,
    /// hashing on threads of its own: call it off the async pool. When `api` is the embedded
    /// engine, whose store is in this process, files are stored as they are read (one read,
    /// the digest of the stored copy) rather than hashed now and read again to upload.
    static func scanProject(_ directory: URL, environment: [String: String], api: any JobsAPI,
                            progress: @escaping @Sendable (Progress) -> Void) throws -> Scan {
        var scanner = ProjectScanner(root: directory, cacheDirectory: EngineLayout.embedded(environment: environment).hashCaches)
        let embedded = api as? EmbeddedJobsAPI
        let writer = embedded.map { BlobBatchWriter(store: $0.engine.blobs) }
        scanner.store = writer
        let result: ScanResult
        do {
            result = try scanner.scan { scanned in
                progress(Progress(bytesHashed: scanned.bytesHashed, bytesToHash: scanned.bytesToHash, filesScanned: scanned.filesScanned))
            }
        } catch {
            writer?.abort()
            throw error
        }
        if let writer, let embedded {
            do {
                try embedded.claimStoredBlobs(try writer.finish())
            } catch {
                throw StoreFailure(underlying: error)
            }
        }
        let stored = writer?.addedToStore ?? (files: 0, bytes: 0)
        return Scan(manifest: result.manifest, warnings: result.warnings, filesHashed: result.statistics.filesHashed,
                    storedFiles: stored.files, storedBytes: stored.bytes)
    }

    /// The digest of the file at `file`; nil when it cannot be read.
    static func digest(of file: URL) -> Digest? {
        (try? BlobStore.hash(fileAt: file))?.digest
    }
}
