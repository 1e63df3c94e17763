import AMESystem
import Crypto
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// AES-256-GCM for the secret vault. A sealed value is nonce (12 bytes) + ciphertext + tag
/// (16 bytes); the associated data (say, the secret's owner and name) is authenticated but not
/// stored, so a value copied to another row fails to open.
public struct SecretCipher: Sendable {
    // SymmetricKey is immutable once made; swift-crypto just does not declare it Sendable.
    private nonisolated(unsafe) let key: SymmetricKey

    static let keyLength = 32

    private init(key: SymmetricKey) {
        self.key = key
    }

    /// The key in `url` (32 raw bytes, mode 0600), created on first use. Two processes racing to
    /// create it end up with the same key: each writes a complete candidate to a private file and
    /// links it into place, which succeeds for one only; the other reads the winner's.
    public static func loadOrCreateKey(at url: URL) throws -> SecretCipher {
        let path = url.path
        if let key = try loadKey(at: path) { return SecretCipher(key: key) }
        try createKey(at: path)
        guard let key = try loadKey(at: path) else {
            throw SecretCipherError.invalidKeyFile(path: path, reason: "it disappeared while being created")
        }
        return SecretCipher(key: key)
    }

    public func seal(_ plaintext: Data, associatedData: Data) throws -> Data {
        let box = try AES.GCM.seal(plaintext, using: key, authenticating: associatedData)
        // `combined` is nil only for nonces of a non-standard size, which `seal` never makes.
        guard let combined = box.combined else { throw SecretCipherError.malformedCiphertext }
        return combined
    }

    public func open(_ sealed: Data, associatedData: Data) throws -> Data {
        let box: AES.GCM.SealedBox
        do {
            box = try AES.GCM.SealedBox(combined: sealed)
        } catch {
            throw SecretCipherError.malformedCiphertext
        }
        do {
            return try AES.GCM.open(box, using: key, authenticating: associatedData)
        } catch {
            throw SecretCipherError.authenticationFailed
        }
    }

    /// The key, or nil when there is no key file yet.
    private static func loadKey(at path: String) throws -> SymmetricKey? {
        let (descriptor, error) = POSIXIO.open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)
        guard descriptor >= 0 else {
            if error == ENOENT { return nil }
            if error == ELOOP { throw SecretCipherError.invalidKeyFile(path: path, reason: "it is a symbolic link") }
            throw SecretCipherError.io("read", path, error)
        }
        defer { close(descriptor) }
        var info = stat()
        guard fstat(descriptor, &info) == 0 else { throw SecretCipherError.io("read", path, errno) }
        guard (info.st_mode & S_IFMT) == S_IFREG else {
            throw SecretCipherError.invalidKeyFile(path: path, reason: "it is not a regular file")
        }
        let mode = UInt32(info.st_mode & 0o7777)
        guard mode & 0o077 == 0 else { throw SecretCipherError.keyFileTooOpen(path: path, mode: mode) }
        // One byte more than a key, to tell a longer file from a key.
        var bytes = [UInt8](repeating: 0, count: keyLength + 1)
        let (count, readError) = bytes.withUnsafeMutableBytes { POSIXIO.read(descriptor, into: $0, at: 0) }
        guard readError == 0 else { throw SecretCipherError.io("read", path, readError) }
        guard count == keyLength else {
            throw SecretCipherError.invalidKeyFile(path: path, reason: "expected \(keyLength) bytes, found \(count == keyLength + 1 ? "more" : String(count))")
        }
        // Do not leave the key lying around in freed memory.
        defer { bytes.withUnsafeMutableBytes { buffer in _ = buffer.initializeMemory(as: UInt8.self, repeating: 0) } }
        return SymmetricKey(data: bytes[0..<keyLength])
    }

    /// Writes a new random key unless another process got there first.
    private static func createKey(at path: String) throws {
        let directory = (path as NSString).deletingLastPathComponent
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        } catch {
            throw SecretCipherError.io(operation: "create the directory", path: directory, reason: error.localizedDescription)
        }
        let temporary = "\(path).new-\(POSIXIO.uniqueSuffix())"
        let (descriptor, error) = POSIXIO.open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0o600)
        guard descriptor >= 0 else { throw SecretCipherError.io("create", temporary, error) }
        defer { unlink(temporary) }
        let key = SymmetricKey(size: .bits256)
        var failure = key.withUnsafeBytes { POSIXIO.writeAll(descriptor, $0) }
        if failure == 0 && fchmod(descriptor, 0o600) != 0 { failure = errno }
        if failure == 0 { failure = POSIXIO.fsync(descriptor) }
        close(descriptor)
        guard failure == 0 else { throw SecretCipherError.io("write", temporary, failure) }
        // link() fails when the name exists: exactly one creator wins, and the file it
        // publishes is already complete.
        if link(temporary, path) != 0 && errno != EEXIST {
            throw SecretCipherError.io("create", path, errno)
        }
        POSIXIO.syncDirectory(directory)
    }
}
