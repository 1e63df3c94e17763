import AMECore

/// The fixed 24-byte header in front of every log record, little-endian:
///
/// | bytes | field |
/// |---|---|
/// | 0–3 | magic `AMEL` |
/// | 4 | kind (1 stdout, 2 stderr, 3 system, 4 setup, 5 end) |
/// | 5 | length of the step name in bytes (0: no step) |
/// | 6–7 | reserved, 0 |
/// | 8–15 | time, milliseconds since 1970 |
/// | 16–19 | data length |
/// | 20–23 | CRC-32 of bytes 0–19 |
///
/// The step name and the data follow. The magic and the checksum let a reader refuse an
/// offset that is not the start of a record, and find where a crashed writer stopped.
struct LogRecordHeader: Equatable {
    static let size = 24
    static let magic: [UInt8] = Array("AMEL".utf8)
    /// Larger writes are split, so a reader's unit of work stays bounded.
    static let maxDataLength = 1 << 20
    static let maxStepLength = 255
    /// The data of an `end` record: the exit code as a little-endian Int32.
    static let endDataLength = 4

    var kind: LogEvent.Kind
    var stepLength: Int
    var time: Int64
    var dataLength: Int

    var recordLength: Int { Self.size + stepLength + dataLength }

    /// Why bytes are not a header.
    enum Defect: Error {
        case magic
        case checksum
        case content
    }

    static func code(for kind: LogEvent.Kind) -> UInt8 {
        switch kind {
        case .stdout: 1
        case .stderr: 2
        case .system: 3
        case .setup: 4
        case .end: 5
        }
    }

    static func kind(for code: UInt8) -> LogEvent.Kind? {
        switch code {
        case 1: .stdout
        case 2: .stderr
        case 3: .system
        case 4: .setup
        case 5: .end
        default: nil
        }
    }

    /// Writes the header into the first `size` bytes of `buffer`.
    func encode(into buffer: UnsafeMutableRawBufferPointer) {
        precondition(buffer.count >= Self.size)
        for index in 0..<4 { buffer[index] = Self.magic[index] }
        buffer[4] = Self.code(for: kind)
        buffer[5] = UInt8(stepLength)
        buffer.storeBytes(of: UInt16(0), toByteOffset: 6, as: UInt16.self)
        buffer.storeBytes(of: UInt64(bitPattern: time).littleEndian, toByteOffset: 8, as: UInt64.self)
        buffer.storeBytes(of: UInt32(dataLength).littleEndian, toByteOffset: 16, as: UInt32.self)
        let crc = CRC32.checksum(UnsafeRawBufferPointer(rebasing: buffer[0..<20]))
        buffer.storeBytes(of: crc.littleEndian, toByteOffset: 20, as: UInt32.self)
    }

    /// Decodes a header from the first `size` bytes of `bytes`.
    static func decode(_ bytes: UnsafeRawBufferPointer) -> Result<LogRecordHeader, Defect> {
        guard bytes.count >= size, hasMagicPrefix(bytes) else { return .failure(.magic) }
        let stored = UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: 20, as: UInt32.self))
        guard CRC32.checksum(UnsafeRawBufferPointer(rebasing: bytes[0..<20])) == stored else { return .failure(.checksum) }
        let reserved = bytes.loadUnaligned(fromByteOffset: 6, as: UInt16.self)
        let dataLength = Int(UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: 16, as: UInt32.self)))
        guard let kind = kind(for: bytes[4]), reserved == 0, dataLength <= maxDataLength else { return .failure(.content) }
        if kind == .end && dataLength != endDataLength { return .failure(.content) }
        let time = Int64(bitPattern: UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: 8, as: UInt64.self)))
        return .success(LogRecordHeader(kind: kind, stepLength: Int(bytes[5]), time: time, dataLength: dataLength))
    }

    /// Whether the bytes present could begin a header: a record still being written shows only
    /// part of its header.
    static func hasMagicPrefix(_ bytes: UnsafeRawBufferPointer) -> Bool {
        for index in 0..<min(4, bytes.count) where bytes[index] != magic[index] {
            return false
        }
        return true
    }
}
