import AMECore
import AMEEngine
import AMESystem
import Foundation

/// The project manifests runs were submitted with, kept by the `ame` that uploaded them
/// (`$XDG_DATA_HOME/ame/run-snapshots/RUN.json`), so that artifacts brought back later —
/// by `artifacts.download`, in another session than the one that submitted — can tell a
/// file the user changed since the run started (kept; the run's copy goes beside it) from
/// one they did not (replaced). Without a snapshot every existing file counts as changed.
struct RunSnapshots {
    let directory: URL

    init(context: CommandContext) {
        directory = URL(fileURLWithPath: FilePaths.joined(AMEDirectories.data(environment: context.environment), "run-snapshots"), isDirectory: true)
    }

    /// Snapshots older than this are removed when a new one is saved.
    static let keptFor: TimeInterval = 30 * 86_400

    func save(_ manifest: Manifest, runID: String) {
        guard RunID.isWellFormed(runID) else { return }
        try? FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        if let data = try? JSONEncoder().encode(manifest) {
            try? AtomicFile.write(data, to: file(runID), permissions: 0o600)
        }
        prune()
    }

    func load(runID: String) -> Manifest? {
        guard RunID.isWellFormed(runID), let data = FileManager.default.contents(atPath: file(runID).path) else { return nil }
        return try? JSONDecoder().decode(Manifest.self, from: data)
    }

    func remove(runID: String) {
        guard RunID.isWellFormed(runID) else { return }
        try? FileManager.default.removeItem(at: file(runID))
    }

    private func file(_ runID: String) -> URL {
        directory.appendingPathComponent("\(runID).json")
    }

    private func prune() {
        let cutoff = Date().addingTimeInterval(-Self.keptFor)
        let files = (try? FileManager.default.contentsOfDirectory(at: directory, includingPropertiesForKeys: [.contentModificationDateKey])) ?? []
        for file in files where ((try? file.resourceValues(forKeys: [.contentModificationDateKey]))?.contentModificationDate ?? Date()) < cutoff {
            try? FileManager.default.removeItem(at: file)
        }
    }
}
