import AMECore
import AMESystem
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A workspace as it was laid out, so that afterwards the run's changes can be told from
/// the files it was given without reading every file again.
struct MaterializedWorkspace: Sendable {
    var stamps: [String: FileStamp]
    /// Files hard-linked to blobs (checked after the run; see `verifyLinks`).
    var linked: [String: Digest]
}

/// Lays out a manifest's files in a fresh directory from the blob store. Files are copies
/// (a run writing to them cannot touch the store or the user's directory); only large
/// files are hard-linked, and only when the run cannot write to them anyway (`mayLink`: it
/// runs as a user other than the store's owner, or as a user who is not root and whose own
/// files they are), with a check afterwards that evicts a blob a run managed to alter.
struct WorkspaceMaterializer {
    let blobs: BlobStore
    let linkFilesLargerThan: Int64
    var mayLink: Bool = geteuid() != 0

    func materialize(_ manifest: Manifest, into directory: URL) throws -> MaterializedWorkspace {
        let manager = FileManager.default
        if manager.fileExists(atPath: directory.path) { try manager.removeItem(at: directory) }
        try manager.createDirectory(at: directory, withIntermediateDirectories: true)
        // Materialized files get an mtime safely in the past: any write by the run moves
        // it, so an unchanged stamp proves unchanged content (no "racy" window).
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        var times = [timespec(tv_sec: now.tv_sec - 5, tv_nsec: 0), timespec(tv_sec: now.tv_sec - 5, tv_nsec: 0)]
        var created = Set<String>()
        var workspace = MaterializedWorkspace(stamps: [:], linked: [:])
        for entry in manifest.entries {
            let target = directory.appendingPathComponent(entry.path)
            let parent = target.deletingLastPathComponent()
            if !created.contains(parent.path) {
                try manager.createDirectory(at: parent, withIntermediateDirectories: true)
                created.insert(parent.path)
            }
            switch entry.kind {
            case .symlink:
                guard let destination = entry.target else { continue }
                try manager.createSymbolicLink(atPath: target.path, withDestinationPath: destination)
            case .file:
                guard let digest = entry.digest else { continue }
                do {
                    try blobs.checkIntegrity(digest)
                } catch BlobStoreError.corrupt {
                    throw CorruptInput(path: entry.path, digest: digest)
                }
                if mayLink && entry.size > linkFilesLargerThan && !entry.executable {
                    try blobs.link(digest, to: target)
                    workspace.linked[entry.path] = digest
                } else {
                    try blobs.copy(digest, to: target, executable: entry.executable)
                    _ = utimensat(AT_FDCWD, target.path, &times, 0)
                }
                if let stamp = try FileStamp.capture(path: target.path) {
                    workspace.stamps[entry.path] = stamp
                }
            }
        }
        return workspace
    }

    /// A file of the project whose stored copy was found corrupt (and quarantined).
    struct CorruptInput: Error, CustomStringConvertible {
        var path: String
        var digest: Digest
        var description: String {
            "the stored copy of \(path) no longer matches what was uploaded (sha256 \(digest.short)…); it was quarantined: run again to upload it anew"
        }
    }

    /// After a run: a linked blob whose file changed is re-verified and, if its content no
    /// longer matches its digest, removed from the store (it will be uploaded again).
    func verifyLinks(_ workspace: MaterializedWorkspace, in directory: URL) -> [String] {
        var evicted: [String] = []
        for (path, digest) in workspace.linked {
            let file = directory.appendingPathComponent(path)
            let now = try? FileStamp.capture(path: file.path)
            guard let before = workspace.stamps[path], now.map({ $0.describesSameFile(as: before) }) != true else { continue }
            if (try? blobs.verify(digest)) == false {
                blobs.remove(digest)
                evicted.append(path)
            }
        }
        return evicted
    }
}
