import AMECore
import AMEEngine
import Foundation

/// The CLI's one place for hashing the user's files: a project scanned into its manifest
/// (with the per-project hash cache, so unchanged files are not read again) and single files
/// hashed. Both are the engine's own code (`ProjectScanner`, `BlobStore.hash`), so a digest
/// computed here is the one the engine checks an upload against.
enum FileHashing {
    /// A scan's result: the manifest, and what was skipped on the way (each a sentence).
    struct Scan: Sendable {
        var manifest: Manifest
        var warnings: [String]
    }

    /// How far a scan is: bytes hashed of those to hash, files looked at.
    struct Progress: Sendable {
        var bytesHashed: Int64
        var bytesToHash: Int64
        var filesScanned: Int
    }

    /// The project at `directory` as it would be uploaded (its ignore rules applied). Blocks,
    /// hashing on threads of its own: call it off the async pool.
    static func scanProject(_ directory: URL, environment: [String: String],
                            progress: @escaping @Sendable (Progress) -> Void) throws -> Scan {
        let cache = EngineLayout.embedded(environment: environment).hashCaches
        let result = try ProjectScanner(root: directory, cacheDirectory: cache).scan { scanned in
            progress(Progress(bytesHashed: scanned.bytesHashed, bytesToHash: scanned.bytesToHash, filesScanned: scanned.filesScanned))
        }
        return Scan(manifest: result.manifest, warnings: result.warnings)
    }

    /// The digest of the file at `file`; nil when it cannot be read.
    static func digest(of file: URL) -> Digest? {
        (try? BlobStore.hash(fileAt: file))?.digest
    }
}
