import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// One container's log cursor, rewritten in place after every line that reaches the run's
/// log: a single small `pwrite` (no rename, no flush), so it costs about as much as the
/// log write it follows, and a server killed at any moment resumes at most one line early.
/// (The page cache keeps what was written when the process dies; only a crash of the
/// machine itself can lose the latest cursor.)
final class LogCursorFile: @unchecked Sendable {
    private let descriptor: Int32
    /// Fixed width, so each record overwrites the previous one entirely.
    static let recordSize = 32

    init?(url: URL) {
        try? FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        descriptor = open(url.path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        if descriptor < 0 { return nil }
    }

    deinit {
        close(descriptor)
    }

    func record(_ stamp: LogTimestamp) {
        var text = "\(stamp.seconds).\(String(format: "%09lld", stamp.nanoseconds))"
        text += String(repeating: " ", count: max(0, Self.recordSize - 1 - text.utf8.count)) + "\n"
        let bytes = Array(text.utf8)
        _ = bytes.withUnsafeBytes { pwrite(descriptor, $0.baseAddress, $0.count, 0) }
    }

    /// Reads a record written by `record` (or the RFC 3339 form earlier versions wrote).
    static func parse(_ text: String) -> LogTimestamp? {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        let parts = trimmed.split(separator: ".")
        if parts.count == 2, let seconds = Int64(parts[0]), let nanoseconds = Int64(parts[1]), parts[1].count == 9 {
            return LogTimestamp(seconds: seconds, nanoseconds: nanoseconds)
        }
        return LogTimestamp(trimmed)
    }
}
