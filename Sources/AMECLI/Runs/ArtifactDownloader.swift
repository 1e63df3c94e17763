import AMECore
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Brings a run's artifacts into the project directory. A file the user changed after the
/// run started is never overwritten: the run's version lands beside it as `NAME.ame-RUN`.
struct ArtifactDownloader {
    let api: any JobsAPI
    let context: CommandContext

    struct Conflict: Encodable {
        var path: String
        var savedAs: String
    }

    struct Report {
        var written: [String] = []
        var unchanged: [String] = []
        var conflicts: [Conflict] = []
        var skipped: [String] = []
    }

    /// `snapshot` is the project as it was uploaded for the run; `only`, when given, picks
    /// the artifacts (by project-relative path) to bring back.
    func download(runID: String, into directory: URL, snapshot: Manifest, only: ((String) -> Bool)? = nil) async throws -> Report {
        let artifacts = try await api.artifacts(runID).filter { only?($0.path) ?? true }
        var report = Report()
        guard !artifacts.isEmpty else { return report }
        let root = directory.resolvingSymlinksInPath().standardizedFileURL.path
        let total = artifacts.reduce(Int64(0)) { $0 + $1.size }
        let bar = ProgressBar(terminal: context.terminal, title: "downloading")
        var done: Int64 = 0
        defer { bar.finish() }
        for artifact in artifacts {
            if let problem = Manifest.problem(with: artifact.path) {
                report.skipped.append("skipped artifact '\(artifact.path)': its path \(problem)")
                continue
            }
            var target = directory.appendingPathComponent(artifact.path)
            // Never write through a symlinked directory that leads out of the project.
            let parent = target.deletingLastPathComponent()
            try FileManager.default.createDirectory(at: parent, withIntermediateDirectories: true)
            let realParent = parent.resolvingSymlinksInPath().standardizedFileURL.path
            guard realParent == root || realParent.hasPrefix(root + "/") else {
                report.skipped.append("skipped artifact '\(artifact.path)': its folder leads outside the project")
                continue
            }
            // lstat(2): FileManager's attributes would look up the owner's name (see S3Client.size).
            var info = stat()
            let isSymlink = lstat(target.path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFLNK
            let current = isSymlink ? nil : FileHashing.digest(of: target)
            if current == artifact.digest {
                report.unchanged.append(artifact.path)
                continue
            }
            let exists = isSymlink || FileManager.default.fileExists(atPath: target.path)
            let original = snapshot.entry(at: artifact.path)?.digest
            if exists && (isSymlink || current != original) {
                // Changed here since the run started (or created meanwhile): keep the user's.
                let savedAs = artifact.path + ".ame-\(runID)"
                report.conflicts.append(Conflict(path: artifact.path, savedAs: savedAs))
                target = directory.appendingPathComponent(savedAs)
            } else {
                report.written.append(artifact.path)
            }
            try await api.downloadBlob(artifact.digest, to: target)
            chmod(target.path, artifact.executable ? 0o755 : 0o644)
            done += artifact.size
            bar.update(done: done, total: total, detail: artifact.path)
        }
        return report
    }

    /// A finished run's files, brought back later than `ame run` would have (`ame pull`,
    /// `artifacts.download`): what the project was when the run was submitted comes from the
    /// snapshot this machine kept (`RunSnapshots`); without one every existing file counts
    /// as changed here, so nothing of the user's is ever overwritten.
    func bringBack(_ run: RunRecord, into directory: URL, only: ((String) -> Bool)? = nil) async throws -> Report {
        let snapshots = RunSnapshots(context: context)
        let snapshot = snapshots.load(runID: run.id) ?? Manifest(entries: [])
        let report = try await download(runID: run.id, into: directory, snapshot: snapshot, only: only)
        if run.status.isTerminal && only == nil { snapshots.remove(runID: run.id) }
        return report
    }
}
