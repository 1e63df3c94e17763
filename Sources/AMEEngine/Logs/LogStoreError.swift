import AMESystem
import Foundation

/// Why a run's log could not be written or read.
public enum LogStoreError: Error, Sendable, Equatable, CustomStringConvertible, LocalizedError {
    case invalidRunID(String)
    /// A reader's offset points into the middle of a record (or garbage).
    case notRecordStart(offset: Int64)
    case offsetBeyondEnd(offset: Int64, size: Int64)
    /// Another process has the log open for writing.
    case busy(runID: String)
    /// The log has its `end` record; nothing may follow it.
    case ended(runID: String)
    case writerClosed(runID: String)
    /// `append` was given `.end`, which only `end(exitCode:)` writes.
    case endThroughAppend
    /// The log was deleted or replaced while it was being followed.
    case vanished(runID: String)
    case io(operation: String, path: String, reason: String)

    public var description: String {
        switch self {
        case .invalidRunID(let runID):
            "'\(runID)' is not a valid run id: use letters, digits, '-' and '_' only"
        case .notRecordStart(let offset):
            "offset \(offset) is not the start of a log record; use an offset that ame printed or 0"
        case .offsetBeyondEnd(let offset, let size):
            "offset \(offset) is beyond the end of the log (\(size) bytes so far); use an offset that ame printed or 0"
        case .busy(let runID):
            "the log of run \(runID) is being written by another process; stop that process or let it finish"
        case .ended(let runID):
            "the log of run \(runID) has already ended; nothing can be added after its end"
        case .writerClosed(let runID):
            "the log writer of run \(runID) was closed; open a new one with LogStore.writer(for:)"
        case .endThroughAppend:
            "a log's end is written with end(exitCode:), not append"
        case .vanished(let runID):
            "the log of run \(runID) was deleted while it was being read"
        case .io(let operation, let path, let reason):
            "cannot \(operation) \(path): \(reason)"
        }
    }

    public var errorDescription: String? { description }

    static func io(_ operation: String, _ path: String, _ code: Int32) -> LogStoreError {
        .io(operation: operation, path: path, reason: POSIXIO.message(code))
    }
}
