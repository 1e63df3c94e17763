import AMECore
import AMESystem
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Appends records to one run's log. Thread-safe: the steps of a pipeline share one writer.
///
/// Each record goes out in a single `pwritev` of header, step name and data, without copying
/// the data. Nothing is buffered in the process, so followers see output as soon as it is
/// appended; nothing is flushed to disk per record either (that would cap throughput at the
/// disk's sync rate): `end` and `sync` do.
///
/// The writer holds an exclusive `flock` on the file, so a second process cannot interleave
/// records with it.
public final class LogWriter: @unchecked Sendable {
    public let runID: String
    let path: String
    // Guards everything below.
    private let lock = NSLock()
    private var descriptor: Int32
    /// Where the next record goes: the end of the last complete record.
    private var end: Int64
    private var ended: Bool
    /// A failed write could not be undone: appending more would bury records behind garbage.
    private var broken = false

    /// Opens (or creates) the log for appending, dropping a record a crashed writer left half done.
    init(runID: String, path: String) throws {
        self.runID = runID
        self.path = path
        let (descriptor, error) = POSIXIO.open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw LogStoreError.io("open", path, error) }
        do {
            guard flock(descriptor, LOCK_EX | LOCK_NB) == 0 else {
                throw errno == EWOULDBLOCK ? LogStoreError.busy(runID: runID) : LogStoreError.io("lock", path, errno)
            }
            let (size, sizeError) = POSIXIO.fileSize(descriptor)
            guard sizeError == 0 else { throw LogStoreError.io("read", path, sizeError) }
            let scan = try LogCursor.scan(descriptor: descriptor, size: size, path: path)
            if scan.validEnd < size {
                guard ftruncate(descriptor, off_t(scan.validEnd)) == 0 else {
                    throw LogStoreError.io("truncate the unfinished last record of", path, errno)
                }
            }
            self.descriptor = descriptor
            end = scan.validEnd
            ended = scan.lastKind == .end
        } catch {
            Glibc.close(descriptor)
            throw error
        }
    }

    deinit {
        if descriptor >= 0 { Glibc.close(descriptor) }
    }

    /// Where the next record will start.
    public var size: Int64 {
        lock.lock()
        defer { lock.unlock() }
        return end
    }

    /// Whether the log has its `end` record (also when it was written before a restart).
    public var hasEnded: Bool {
        lock.lock()
        defer { lock.unlock() }
        return ended
    }

    public var isClosed: Bool {
        lock.lock()
        defer { lock.unlock() }
        return descriptor < 0
    }

    /// Appends output and returns the offset of its first record. Data over 1 MiB becomes
    /// several records; a step name over 255 bytes is shortened (at a character boundary).
    @discardableResult
    public func append(_ kind: LogEvent.Kind, step: String?, data: Data) throws -> Int64 {
        guard kind != .end else { throw LogStoreError.endThroughAppend }
        let stepBytes = Self.stepBytes(step)
        let time = Self.now()
        return try data.withUnsafeBytes { bytes in
            try stepBytes.withUnsafeBytes { stepBuffer in
                lock.lock()
                defer { lock.unlock() }
                try checkWritable()
                let start = end
                var position = 0
                repeat {
                    let count = min(bytes.count - position, LogRecordHeader.maxDataLength)
                    let piece = UnsafeRawBufferPointer(rebasing: bytes[position..<(position + count)])
                    try writeRecord(LogRecordHeader(kind: kind, stepLength: stepBuffer.count, time: time, dataLength: count),
                                    step: stepBuffer, data: piece, rollbackTo: start)
                    position += count
                } while position < bytes.count
                return start
            }
        }
    }

    /// Writes the last record, holding the run's exit code, and flushes the log to disk.
    public func end(exitCode: Int32) throws {
        lock.lock()
        defer { lock.unlock() }
        try checkWritable()
        try withUnsafeBytes(of: exitCode.littleEndian) { code in
            let header = LogRecordHeader(kind: .end, stepLength: 0, time: Self.now(), dataLength: code.count)
            try writeRecord(header, step: UnsafeRawBufferPointer(start: nil, count: 0), data: code, rollbackTo: end)
        }
        ended = true
        let error = POSIXIO.fsync(descriptor)
        guard error == 0 else { throw LogStoreError.io("flush to disk", path, error) }
    }

    /// Flushes what was appended to disk.
    public func sync() {
        lock.lock()
        defer { lock.unlock() }
        if descriptor >= 0 { _ = POSIXIO.fsync(descriptor) }
    }

    /// Closes the file (and releases the lock on it). Appending afterwards is an error.
    public func close() {
        lock.lock()
        defer { lock.unlock() }
        guard descriptor >= 0 else { return }
        Glibc.close(descriptor)
        descriptor = -1
    }

    private func checkWritable() throws {
        guard descriptor >= 0 else { throw LogStoreError.writerClosed(runID: runID) }
        guard !ended else { throw LogStoreError.ended(runID: runID) }
        guard !broken else { throw LogStoreError.io(operation: "append to", path: path, reason: "an earlier write failed and could not be undone") }
    }

    /// One record in one system call. On failure the file is cut back to `rollbackTo`, so the
    /// log never holds a partial record, nor some pieces of a split append without the others.
    private func writeRecord(_ header: LogRecordHeader, step: UnsafeRawBufferPointer, data: UnsafeRawBufferPointer, rollbackTo: Int64) throws {
        var headerBytes: (UInt64, UInt64, UInt64) = (0, 0, 0)
        let error = withUnsafeMutableBytes(of: &headerBytes) { headerBuffer -> Int32 in
            header.encode(into: headerBuffer)
            let pieces = [UnsafeRawBufferPointer(headerBuffer), step, data]
            return Self.writeAll(descriptor, pieces, at: end)
        }
        guard error == 0 else {
            if ftruncate(descriptor, off_t(rollbackTo)) == 0 {
                end = rollbackTo
            } else {
                broken = true
            }
            throw LogStoreError.io("append to", path, error)
        }
        end += Int64(header.recordLength)
    }

    /// `pwritev` until every byte of `pieces` is written.
    private static func writeAll(_ descriptor: Int32, _ pieces: [UnsafeRawBufferPointer], at offset: Int64) -> Int32 {
        var vectors = pieces.filter { !$0.isEmpty }.map { iovec(iov_base: $0.baseAddress.map { UnsafeMutableRawPointer(mutating: $0) }, iov_len: $0.count) }
        var position = offset
        var first = 0
        while first < vectors.count {
            let written = vectors[first...].withUnsafeBufferPointer { buffer in
                pwritev(descriptor, buffer.baseAddress, Int32(buffer.count), off_t(position))
            }
            if written < 0 {
                if errno == EINTR { continue }
                return errno
            }
            if written == 0 { return EIO }
            position += Int64(written)
            // Skip what was written: whole vectors, then part of the next.
            var remaining = written
            while first < vectors.count && remaining >= vectors[first].iov_len {
                remaining -= vectors[first].iov_len
                first += 1
            }
            if remaining > 0 {
                vectors[first].iov_base = vectors[first].iov_base.map { $0 + remaining }
                vectors[first].iov_len -= remaining
            }
        }
        return 0
    }

    private static func stepBytes(_ step: String?) -> [UInt8] {
        guard let step, !step.isEmpty else { return [] }
        var bytes = Array(step.utf8)
        if bytes.count > LogRecordHeader.maxStepLength {
            var cut = LogRecordHeader.maxStepLength
            // Back up over continuation bytes (10xxxxxx) to a character boundary.
            while cut > 0 && bytes[cut] & 0xC0 == 0x80 { cut -= 1 }
            bytes.removeSubrange(cut...)
        }
        return bytes
    }

    private static func now() -> Int64 {
        var time = timespec()
        clock_gettime(CLOCK_REALTIME, &time)
        return Int64(time.tv_sec) * 1000 + Int64(time.tv_nsec) / 1_000_000
    }
}
