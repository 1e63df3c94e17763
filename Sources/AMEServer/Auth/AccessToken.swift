import AMECore
import Crypto
import Foundation

/// Access tokens: 32 random bytes as `ame_` + base64url. Only the SHA-256 of a token is
/// stored; a token is compared by hashing it and comparing hashes in constant time.
public enum AccessToken {
    /// A new token (256 bits from the system's random source).
    public static func generate() -> String {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<32).map { _ in UInt8.random(in: 0...255, using: &generator) }
        let encoded = Data(bytes).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
        return "ame_" + encoded
    }

    /// A public handle for a token ("tok_" + 16 hex digits), unrelated to its value.
    public static func makeID() -> String {
        var generator = SystemRandomNumberGenerator()
        return "tok_" + Hex.encode((0..<8).map { _ in UInt8.random(in: 0...255, using: &generator) })
    }

    /// Lowercase hex SHA-256 of the token's UTF-8 bytes.
    public static func hash(_ token: String) -> String {
        Hex.encode(SHA256.hash(data: Data(token.utf8)))
    }

    /// Equal strings of equal length, compared without an early exit.
    public static func constantTimeEquals(_ lhs: String, _ rhs: String) -> Bool {
        let a = Array(lhs.utf8), b = Array(rhs.utf8)
        guard a.count == b.count else { return false }
        var difference: UInt8 = 0
        for index in a.indices { difference |= a[index] ^ b[index] }
        return difference == 0
    }

    /// A token set by the operator (`AME_ADMIN_TOKEN`) must be hard to guess too.
    public static func isAcceptable(_ token: String) -> Bool {
        token.utf8.count >= 16 && token.utf8.count <= 512 && token.unicodeScalars.allSatisfy { $0.value > 0x20 && $0.value < 0x7F }
    }
}
