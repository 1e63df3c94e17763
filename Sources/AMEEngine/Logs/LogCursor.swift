import AMECore
import AMESystem
import Foundation

/// Reads the records of one open log file, in order, from an offset a client gave.
///
/// The first record at a client's offset is checked strictly (magic and checksum), so a wrong
/// offset is an error rather than garbage. Past that, a record that is not all there yet, or
/// bytes that are not a record, mark the end of what the writer has finished: a reader stops
/// there and tries again later, and a writer reopening the log truncates them.
struct LogCursor {
    let descriptor: Int32
    let runID: String
    let path: String
    private(set) var position: Int64
    /// Whether `position` is known to be a record boundary (0 is, and any offset where a record decoded).
    private var confirmed: Bool
    private(set) var ended = false
    private var window = LogReadWindow()
    /// The file size at which `endsWithEndRecord` last said no, so a waiting reader does not
    /// walk the whole log again while nothing changes.
    private var checkedEndAtSize: Int64 = -1

    init(descriptor: Int32, runID: String, path: String, offset: Int64) throws {
        guard offset >= 0 else { throw LogStoreError.notRecordStart(offset: offset) }
        self.descriptor = descriptor
        self.runID = runID
        self.path = path
        position = offset
        confirmed = offset == 0
    }

    /// The complete records from the current position on, stopping once about `maxBytes` of log
    /// were read (at least one record when there is one) or after the `end` record.
    mutating func read(maxBytes: Int) throws -> [LogEvent] {
        guard !ended else { return [] }
        // Bytes buffered by an earlier call may be gone: a restarted writer truncates a
        // half-written record and writes another in its place.
        window = LogReadWindow()
        let (size, sizeError) = POSIXIO.fileSize(descriptor)
        guard sizeError == 0 else { throw LogStoreError.io("read", path, sizeError) }
        if position > size {
            // A confirmed position lies before everything a writer may truncate: the file was replaced.
            throw confirmed ? LogStoreError.vanished(runID: runID) : LogStoreError.offsetBeyondEnd(offset: position, size: size)
        }
        if position == size {
            if !confirmed && position > 0 && checkedEndAtSize != size {
                if try endsWithEndRecord(size: size) {
                    confirmed = true
                    ended = true
                } else {
                    checkedEndAtSize = size
                }
            }
            return []
        }
        let readAhead = max(64 << 10, min(maxBytes, 4 << 20) + LogRecordHeader.size + LogRecordHeader.maxStepLength)
        var events: [LogEvent] = []
        var readBytes = 0
        while position < size && readBytes < max(maxBytes, 1) {
            guard let header = try header(at: position, size: size, readAhead: readAhead) else { break }
            let length = header.recordLength
            guard position + Int64(length) <= size else { break }
            let (available, error) = window.load(descriptor, offset: position, count: length, limit: size, readAhead: readAhead)
            guard error == 0 else { throw LogStoreError.io("read", path, error) }
            guard available == length else { break }
            let event = window.withBytes(offset: position, count: length) { bytes in
                Self.event(header: header, record: bytes, offset: position)
            }
            events.append(event)
            position += Int64(length)
            readBytes += length
            if header.kind == .end {
                ended = true
                break
            }
        }
        return events
    }

    /// The header at `offset`, or nil when it is not (all) there yet.
    private mutating func header(at offset: Int64, size: Int64, readAhead: Int) throws -> LogRecordHeader? {
        let count = Int(min(Int64(LogRecordHeader.size), size - offset))
        let (available, error) = window.load(descriptor, offset: offset, count: count, limit: size, readAhead: readAhead)
        guard error == 0 else { throw LogStoreError.io("read", path, error) }
        let decoded = window.withBytes(offset: offset, count: available) { bytes in
            available < LogRecordHeader.size ? nil : LogRecordHeader.decode(bytes)
        }
        switch decoded {
        case .success(let header)?:
            confirmed = true
            return header
        case .failure?:
            if !confirmed { throw LogStoreError.notRecordStart(offset: offset) }
            return nil
        case nil:
            // Part of a header: still being written, unless even its magic is wrong.
            let plausible = window.withBytes(offset: offset, count: available) { LogRecordHeader.hasMagicPrefix($0) }
            if !confirmed && !plausible { throw LogStoreError.notRecordStart(offset: offset) }
            return nil
        }
    }

    private static func event(header: LogRecordHeader, record: UnsafeRawBufferPointer, offset: Int64) -> LogEvent {
        let stepBytes = UnsafeRawBufferPointer(rebasing: record[LogRecordHeader.size..<(LogRecordHeader.size + header.stepLength)])
        let dataBytes = UnsafeRawBufferPointer(rebasing: record[(LogRecordHeader.size + header.stepLength)...])
        let step = stepBytes.isEmpty ? nil : String(decoding: stepBytes, as: UTF8.self)
        let time = Date(timeIntervalSince1970: Double(header.time) / 1000)
        let next = offset + Int64(header.recordLength)
        if header.kind == .end {
            // The exit code travels in `exitCode`; the four bytes that carry it are not output.
            let code = Int32(littleEndian: dataBytes.loadUnaligned(as: Int32.self))
            return LogEvent(offset: offset, next: next, kind: .end, step: step, time: time, data: Data(), exitCode: code)
        }
        return LogEvent(offset: offset, next: next, kind: header.kind, step: step, time: time, data: Data(dataBytes))
    }

    /// Whether the log's last record is its `end` (so a reader at the very end is done). A cheap
    /// look at the last bytes first; a full walk only when they look like an end record, since
    /// a process could print bytes that do.
    private mutating func endsWithEndRecord(size: Int64) throws -> Bool {
        let length = Int64(LogRecordHeader.size + LogRecordHeader.endDataLength)
        guard size >= length else { return false }
        let (available, error) = window.load(descriptor, offset: size - length, count: LogRecordHeader.size, limit: size, readAhead: 0)
        guard error == 0 else { throw LogStoreError.io("read", path, error) }
        guard available == LogRecordHeader.size,
              case .success(let header) = window.withBytes(offset: size - length, count: available, { LogRecordHeader.decode($0) }),
              header.kind == .end, header.stepLength == 0
        else { return false }
        let scan = try Self.scan(descriptor: descriptor, size: size, path: path)
        return scan.validEnd == size && scan.lastKind == .end
    }

    /// What a walk over every record header from the start found.
    struct Scan {
        /// Where the last complete record ends; anything after it is an unfinished or broken tail.
        var validEnd: Int64
        var lastKind: LogEvent.Kind?
    }

    /// Walks the headers from offset 0 to `size`, skipping the data.
    static func scan(descriptor: Int32, size: Int64, path: String) throws -> Scan {
        var window = LogReadWindow()
        var position: Int64 = 0
        var lastKind: LogEvent.Kind?
        while size - position >= Int64(LogRecordHeader.size) {
            let (available, error) = window.load(descriptor, offset: position, count: LogRecordHeader.size, limit: size, readAhead: 256 << 10)
            guard error == 0 else { throw LogStoreError.io("read", path, error) }
            guard available == LogRecordHeader.size,
                  case .success(let header) = window.withBytes(offset: position, count: available, { LogRecordHeader.decode($0) }),
                  position + Int64(header.recordLength) <= size
            else { break }
            position += Int64(header.recordLength)
            lastKind = header.kind
            // Nothing valid follows an end.
            if header.kind == .end { break }
        }
        return Scan(validEnd: position, lastKind: lastKind)
    }
}
