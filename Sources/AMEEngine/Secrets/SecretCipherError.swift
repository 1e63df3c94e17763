import AMESystem
import Foundation

/// Why the secret vault's key could not be used, or a value not decrypted.
public enum SecretCipherError: Error, Sendable, Equatable, CustomStringConvertible, LocalizedError {
    /// Group or others may read the key file.
    case keyFileTooOpen(path: String, mode: UInt32)
    /// The key file exists but does not hold a key; it is never replaced, since that would
    /// make every stored secret unreadable.
    case invalidKeyFile(path: String, reason: String)
    /// The wrong key, or the sealed value or its associated data changed.
    case authenticationFailed
    /// Too short or otherwise not something `seal` produced.
    case malformedCiphertext
    case io(operation: String, path: String, reason: String)

    public var description: String {
        switch self {
        case .keyFileTooOpen(let path, let mode):
            "the secret key \(path) is readable by other users (mode \(String(mode, radix: 8))); run `chmod 600 \(path)`"
        case .invalidKeyFile(let path, let reason):
            "the secret key \(path) is not valid (\(reason)); restore it from a backup — a new key cannot decrypt the stored secrets, so AME will not replace it"
        case .authenticationFailed:
            "cannot decrypt a secret: it was encrypted with another key or has been altered; set the secret again"
        case .malformedCiphertext:
            "cannot decrypt a secret: the stored value is truncated or not an AME secret; set the secret again"
        case .io(let operation, let path, let reason):
            "cannot \(operation) \(path): \(reason)"
        }
    }

    public var errorDescription: String? { description }

    static func io(_ operation: String, _ path: String, _ code: Int32) -> SecretCipherError {
        .io(operation: operation, path: path, reason: POSIXIO.message(code))
    }
}
