/// A SHA-256 content digest, as 64 lowercase hexadecimal digits.
public struct Digest: Hashable, Sendable, Comparable, CustomStringConvertible {
    public let hex: String

    /// Nil unless `hex` is exactly 64 hexadecimal digits (upper case is folded).
    public init?(hex: String) {
        let lowered = hex.lowercased()
        guard lowered.utf8.count == 64, lowered.utf8.allSatisfy({ (0x30...0x39).contains($0) || (0x61...0x66).contains($0) }) else {
            return nil
        }
        self.hex = lowered
    }

    /// From raw digest bytes.
    public init<Bytes: Sequence>(bytes: Bytes) where Bytes.Element == UInt8 {
        hex = Hex.encode(bytes)
    }

    public var description: String { "sha256:\(hex)" }
    public var short: String { String(hex.prefix(12)) }

    public static func < (lhs: Digest, rhs: Digest) -> Bool { lhs.hex < rhs.hex }
}

extension Digest: Codable {
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        let hex = text.hasPrefix("sha256:") ? String(text.dropFirst(7)) : text
        guard let digest = Digest(hex: hex) else {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "'\(text)' is not a sha256 digest")
        }
        self = digest
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(hex)
    }
}
