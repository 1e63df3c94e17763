import Foundation

/// Where each Pod container's log was read up to, kept on disk so that a server that
/// restarts mid-run resumes the log without repeating or losing a line.
struct LogCursors: Sendable {
    let directory: URL

    private func file(runID: String, pod: String, container: String) -> URL {
        directory.appendingPathComponent(runID, isDirectory: true).appendingPathComponent("\(pod).\(container)")
    }

    func load(runID: String, pod: String, container: String) -> LogTimestamp? {
        guard let text = try? String(contentsOf: file(runID: runID, pod: pod, container: container), encoding: .utf8) else { return nil }
        return LogTimestamp(text.trimmingCharacters(in: .whitespacesAndNewlines))
    }

    func save(_ stamp: LogTimestamp, runID: String, pod: String, container: String) {
        let url = file(runID: runID, pod: pod, container: container)
        try? FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try? Data(stamp.description.utf8).write(to: url, options: .atomic)
    }

    func forget(runID: String) {
        try? FileManager.default.removeItem(at: directory.appendingPathComponent(runID, isDirectory: true))
    }
}
