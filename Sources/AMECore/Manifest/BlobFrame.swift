/// How `POST /v1/blobs` carries many blobs in one body: each is the 32 bytes of its SHA-256
/// digest, its length as 8 bytes big-endian, then that many bytes of content.
public enum BlobFrame {
    public static let headerSize = 40

    /// The header of a blob of `size` bytes with `digest`.
    public static func header(digest: Digest, size: Int64) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(headerSize)
        let hex = Array(digest.hex.utf8)
        func value(_ character: UInt8) -> UInt8 { character <= 0x39 ? character - 0x30 : character - 0x61 + 10 }
        for index in stride(from: 0, to: 64, by: 2) {
            bytes.append(value(hex[index]) << 4 | value(hex[index + 1]))
        }
        for shift in stride(from: 56, through: 0, by: -8) {
            bytes.append(UInt8(truncatingIfNeeded: UInt64(size) >> UInt64(shift)))
        }
        return bytes
    }

    /// Reads a header: the digest and the length (nil for a length past Int64).
    public static func parse(_ header: some Collection<UInt8>) -> (digest: Digest, size: Int64)? {
        guard header.count == headerSize else { return nil }
        let bytes = Array(header)
        let digest = Digest(bytes: bytes[0..<32])
        var size: UInt64 = 0
        for byte in bytes[32..<40] { size = size << 8 | UInt64(byte) }
        guard size <= UInt64(Int64.max) else { return nil }
        return (digest, Int64(size))
    }
}
