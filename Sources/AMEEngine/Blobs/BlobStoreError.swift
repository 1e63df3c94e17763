import AMECore
import AMESystem
import Foundation

/// Why the blob store could not do what it was asked.
public enum BlobStoreError: Error, Sendable, Equatable, CustomStringConvertible, LocalizedError {
    /// The content hashed to something else than the digest it was sent under; nothing was stored.
    case digestMismatch(expected: Digest, actual: Digest)
    case notFound(Digest)
    /// `write` or `finish` on an ingest that already finished, failed or was aborted.
    case ingestClosed
    /// A hard link is impossible here (another file system, too many links, or no support);
    /// copying works instead.
    case linkUnsupported(destination: String, reason: String)
    /// A system call failed: what was being done, on which path, and the system's reason.
    case io(operation: String, path: String, reason: String)
    /// The stored bytes no longer match their digest: the blob was moved to quarantine and
    /// will be neither served nor used again.
    case corrupt(Digest)

    public var description: String {
        switch self {
        case .digestMismatch(let expected, let actual):
            "content does not match its digest: expected \(expected), got \(actual); nothing was stored — hash the file again and resend it"
        case .notFound(let digest):
            "blob \(digest) is not in the blob store; upload it again"
        case .ingestClosed:
            "this upload is already finished or aborted; start a new upload"
        case .linkUnsupported(let destination, let reason):
            "cannot hard-link a blob to \(destination): \(reason); copy it instead"
        case .io(let operation, let path, let reason):
            "cannot \(operation) \(path): \(reason)"
        case .corrupt(let digest):
            "the stored copy of blob \(digest.short) no longer matches its digest; it was quarantined and is no longer stored: upload it again"
        }
    }

    public var errorDescription: String? { description }

    static func io(_ operation: String, _ path: String, _ code: Int32) -> BlobStoreError {
        .io(operation: operation, path: path, reason: POSIXIO.message(code))
    }
}
