import AMECore
import AMESystem
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Run logs: one append-only file of binary records per run, `DIR/<runID>.log` (the record
/// format is described at `LogRecordHeader`). A record's byte offset is what clients resume
/// from, so re-attaching at an `offset` or `next` that ame printed loses and repeats nothing.
public final class LogStore: Sendable {
    public let directory: URL
    private let directoryPath: String
    private let monitor: LogChangeMonitor
    /// Writers open in this process, so that asking twice gives the same writer instead of a
    /// "busy" error from our own lock.
    private let writers = Locked<[String: WeakWriter]>([:])

    private struct WeakWriter {
        weak var writer: LogWriter?
    }

    public convenience init(directory: URL) throws {
        try self.init(directory: directory, safetyIntervalMilliseconds: 1000)
    }

    /// `safetyIntervalMilliseconds` bounds how long a follower sleeps without a file event;
    /// tests raise it to prove that cancellation and appends wake followers by themselves.
    init(directory: URL, safetyIntervalMilliseconds: Int32) throws {
        monitor = LogChangeMonitor(safetyIntervalMilliseconds: safetyIntervalMilliseconds)
        self.directory = directory
        directoryPath = directory.path
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        } catch {
            throw LogStoreError.io(operation: "create the directory", path: directoryPath, reason: error.localizedDescription)
        }
    }

    /// Opens the run's log for appending. After a restart this continues at the end, dropping a
    /// record the previous writer left half written.
    public func writer(for runID: String) throws -> LogWriter {
        let path = try logPath(runID)
        return try writers.withLock { writers in
            if let writer = writers[runID]?.writer, !writer.isClosed {
                return writer
            }
            let writer = try LogWriter(runID: runID, path: path)
            writers[runID] = WeakWriter(writer: writer)
            // Forget writers that were dropped, so the table does not grow with every run.
            if writers.count > 64 { writers = writers.filter { $0.value.writer != nil } }
            return writer
        }
    }

    /// The complete events from `offset` on, about `maxBytes` of log at most (at least one
    /// event when there is one). An absent log reads as empty.
    public func read(runID: String, from offset: Int64, maxBytes: Int = 1 << 20) throws -> LogChunk {
        let path = try logPath(runID)
        let (descriptor, error) = POSIXIO.open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else {
            guard error == ENOENT else { throw LogStoreError.io("open", path, error) }
            guard offset == 0 else {
                throw offset < 0 ? LogStoreError.notRecordStart(offset: offset) : LogStoreError.offsetBeyondEnd(offset: offset, size: 0)
            }
            return LogChunk(events: [], next: 0, ended: false)
        }
        defer { close(descriptor) }
        var cursor = try LogCursor(descriptor: descriptor, runID: runID, path: path, offset: offset)
        let events = try cursor.read(maxBytes: maxBytes)
        return LogChunk(events: events, next: cursor.position, ended: cursor.ended)
    }

    /// Every event from `offset` on, as it is written, finishing after the `end` event. The
    /// stream waits for a log that does not exist yet. Cancelling the consuming task ends the
    /// stream promptly and releases the file.
    public func follow(runID: String, from offset: Int64) -> AsyncThrowingStream<LogEvent, any Error> {
        let path: String
        do {
            path = try logPath(runID)
        } catch {
            return AsyncThrowingStream { throw error }
        }
        let follower = LogFollower(runID: runID, path: path, directoryPath: directoryPath, offset: offset, monitor: monitor)
        return AsyncThrowingStream { try await follower.next() }
    }

    /// The log's size in bytes (0 when there is none).
    public func size(runID: String) -> Int64 {
        guard let path = try? logPath(runID) else { return 0 }
        var info = stat()
        return stat(path, &info) == 0 ? Int64(info.st_size) : 0
    }

    /// Deletes the log, closing its writer if one is open here. Followers end with an error.
    public func delete(runID: String) {
        guard let path = try? logPath(runID) else { return }
        let writer = writers.withLock { $0.removeValue(forKey: runID)?.writer }
        writer?.close()
        unlink(path)
    }

    /// Run ids become file names: only letters, digits, '-' and '_', so no id escapes the directory.
    private func logPath(_ runID: String) throws -> String {
        let allowed = runID.utf8.allSatisfy { byte in
            (0x30...0x39).contains(byte) || (0x41...0x5A).contains(byte) || (0x61...0x7A).contains(byte) || byte == 0x2D || byte == 0x5F
        }
        guard allowed, !runID.isEmpty, runID.utf8.count <= 200 else { throw LogStoreError.invalidRunID(runID) }
        return "\(directoryPath)/\(runID).log"
    }
}
