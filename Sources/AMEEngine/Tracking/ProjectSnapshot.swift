import AMECore
import Foundation

/// A commit of a tracked repository as the engine runs it: its files exported, scanned
/// like `ame run` scans a project (`.gitignore`/`.ameignore` honoured), and stored as
/// blobs, giving the manifest of a run request.
struct ProjectSnapshot {
    let engine: Engine
    let repository: GitRepository

    /// The commit's manifest, its files stored and claimed for `owner` (whose repository it is).
    func manifest(at commit: String, owner: String) async throws -> Manifest {
        let directory = engine.layout.temporary.appendingPathComponent("snapshot-\(UUID().uuidString.prefix(12))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        try await repository.export(commit, to: directory)
        let scanner = ProjectScanner(root: directory, cacheDirectory: nil)
        let blobs = engine.blobs
        let store = engine.store
        // Hashing blocks: keep it off the cooperative pool.
        return try await Task.detached {
            let scan = try scanner.scan()
            let files = scan.manifest.entries.compactMap { entry in
                entry.digest.map { (url: directory.appendingPathComponent(entry.path), expected: Optional($0)) }
            }
            _ = try blobs.put(files: files)
            try store.claimBlobs(scan.manifest.digests, owner: owner)
            return scan.manifest
        }.value
    }
}
