import AMECore
import Crypto

/// Streaming SHA-256 (BoringSSL's, with its assembly) producing AME's `Digest`. Kept apart so
/// the rest of the blob code does not see Crypto's own `Digest` protocol.
struct ContentHasher {
    private var hasher = SHA256()

    mutating func update(_ buffer: UnsafeRawBufferPointer) {
        hasher.update(bufferPointer: buffer)
    }

    mutating func finalize() -> AMECore.Digest {
        AMECore.Digest(bytes: hasher.finalize())
    }
}
