import AMECore
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Finds what a run produced: the files in its workspace that are new or whose content differs
/// from the manifest the workspace was materialized from. Deleted files are not reported (a run
/// never deletes anything from the user's directory), and the artifacts flavour of ignore rules
/// applies (`.ameignore` plus Python and tool clutter, not `.gitignore`).
public enum WorkspaceChanges {
    /// The changed and new files (and symlinks that stay inside the workspace), sorted by path,
    /// files with their digests.
    ///
    /// - Parameters:
    ///   - stamps: what the materialized files looked like before the run (see
    ///     `captureStamps`); a file whose stamp is trustworthy and unchanged is not read again.
    ///     Files without a stamp are hashed and compared with `baseline`.
    ///   - globs: the task's `artifacts` globs; when not empty, only files they name count.
    ///   - inputs: files put into the workspace as inputs (fetched `data`), with their stamps
    ///     as placed; while unchanged, they are not artifacts.
    public static func collect(workspace: URL, baseline: Manifest, stamps: [String: FileStamp], globs: [String],
                               inputs: [String: FileStamp] = [:], hashingConcurrency: Int = 2) throws -> [Manifest.Entry] {
        let patterns = try globs.map(GlobPattern.init)
        let rules = try IgnoreRules.load(root: workspace, flavour: .artifacts)
        let symlinks = SymlinkPolicy(root: workspace)
        var changed: [Manifest.Entry] = []
        var pending: [String] = []
        let walker = DirectoryWalker(root: workspace, rules: rules)
        _ = try walker.walk(shouldDescend: { directory in
            patterns.isEmpty || patterns.contains { $0.mayMatch(inDirectory: directory) }
        }, visit: { found in
            guard patterns.isEmpty || patterns.contains(where: { $0.matches(found.path) }) else { return }
            let before = baseline.entry(at: found.path)
            switch found.status.kind {
            case .file:
                if let input = inputs[found.path], input.describesSameFile(as: found.status.stamp) { return }
                if before?.kind == .file, let stamp = stamps[found.path], stamp.isTrustworthy,
                   stamp.describesSameFile(as: found.status.stamp) {
                    return
                }
                pending.append(found.path)
            case .symlink:
                guard symlinks.problem(path: found.path, target: found.symlinkTarget) == nil, let target = found.symlinkTarget,
                      !(before?.kind == .symlink && before?.target == target) else { return }
                changed.append(Manifest.Entry(path: found.path, symlinkTo: target))
            case .directory, .special:
                return
            }
        })

        let results = FileHasher.hashAll(pending.map { workspace.path + "/" + $0 }, concurrency: hashingConcurrency, onBytes: nil)
        for (path, result) in zip(pending, results) {
            switch result {
            case .success(let hashed):
                if let before = baseline.entry(at: path), before.kind == .file, before.digest == hashed.digest { continue }
                changed.append(Manifest.Entry(path: path, digest: hashed.digest, size: hashed.size, executable: hashed.isExecutable))
            case .failure(.vanished), .failure(.notARegularFile):
                continue // Removed or replaced by the run's leftovers after the walk: nothing to collect.
            case .failure(.unreadable(let error)):
                throw SyncError.cannotRead(path: path, reason: error.text)
            case .failure(.notStored(let reason)):
                throw SyncError.cannotStore(path: path, reason: reason)
            }
        }
        return changed.sorted { $0.path < $1.path }
    }

    /// Stamps of the files of `manifest` as materialized in `workspace`, taken before the run
    /// starts, for `collect`.
    ///
    /// A freshly written file has an mtime of "now", and a run that rewrites it within the
    /// same timestamp granule with the same size would leave its stamp unchanged. So files
    /// modified within `FileStamp.racyMargin` are first given an mtime twice that far in the past
    /// (their content is unchanged; a materialized file's mtime carries no meaning), which
    /// makes every later write visible and the stamps trustworthy.
    public static func captureStamps(workspace: URL, manifest: Manifest) throws -> [String: FileStamp] {
        var stamps: [String: FileStamp] = [:]
        stamps.reserveCapacity(manifest.count)
        for entry in manifest.entries where entry.kind == .file {
            let path = workspace.path + "/" + entry.path
            var now = FileStatus.now()
            guard var stamp = try FileStamp.capture(path: path) else { continue }
            if stamp.modificationTime >= now - FileStamp.racyMargin {
                try backdate(path: path, to: now - 2 * FileStamp.racyMargin, displayPath: entry.path)
                now = FileStatus.now()
                guard let settled = try FileStamp.capture(path: path) else { continue }
                stamp = settled
            }
            stamp.recordedAt = now
            stamps[entry.path] = stamp
        }
        return stamps
    }

    /// Glibc's `UTIME_OMIT`, a macro Swift does not import.
    private static let utimeOmit = (1 << 30) - 2

    private static func backdate(path: String, to time: Int64, displayPath: String) throws {
        let times = [
            timespec(tv_sec: 0, tv_nsec: utimeOmit), // access time: leave it
            timespec(tv_sec: Int(time / 1_000_000_000), tv_nsec: Int(time % 1_000_000_000)),
        ]
        guard utimensat(AT_FDCWD, path, times, AT_SYMLINK_NOFOLLOW) == 0 else {
            throw SyncError.cannotRead(path: displayPath, reason: "cannot set its modification time: \(SystemCallError.current.text)")
        }
    }
}
