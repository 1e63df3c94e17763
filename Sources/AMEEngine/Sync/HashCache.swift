import AMECore
import AMESystem
import Crypto
import Foundation

/// Content digests of one project's files, keyed by path, size, mtime and inode, so a scan
/// re-reads only files that changed since the last one.
///
/// Stored as a small binary file (`<sha256 of the project path>.cache` under
/// `EngineLayout.hashCaches`): a header, fixed-size records with length-prefixed paths, and a
/// SHA-256 of everything before it. Anything unexpected in the file discards the whole cache:
/// a cache can always be rebuilt, so it is never worth an error.
///
/// The "racy git" problem: a file written in the same timestamp granule as it was hashed may
/// change again without its size or mtime changing. The cache therefore remembers when the scan
/// that wrote it started, and only trusts entries whose mtime is older than that by the
/// file system's timestamp granule (`FileStamp.racyMargin(forModificationTime:)`); the others
/// are hashed again (once: by the next scan they are old).
public struct HashCache: Sendable {
    public struct Entry: Hashable, Sendable {
        public var size: Int64
        /// Nanoseconds since the epoch.
        public var modificationTime: Int64
        public var inode: UInt64
        public var digest: AMECore.Digest

        public init(size: Int64, modificationTime: Int64, inode: UInt64, digest: AMECore.Digest) {
            self.size = size
            self.modificationTime = modificationTime
            self.inode = inode
            self.digest = digest
        }
    }

    /// Relative path → what the file looked like when it was hashed.
    public private(set) var entries: [String: Entry]
    /// When the scan that produced these entries started (nanoseconds since the epoch).
    public var scanStartedAt: Int64
    /// Why the file on disk was not used, when it was not (missing, corrupt, other version).
    public private(set) var discardReason: String?

    public init(scanStartedAt: Int64 = 0, entries: [String: Entry] = [:]) {
        self.scanStartedAt = scanStartedAt
        self.entries = entries
        self.discardReason = nil
    }

    public var count: Int { entries.count }

    /// The file that holds the cache of the project at `root`: one per project directory, named
    /// by the SHA-256 of its absolute, symlink-resolved path.
    public static func file(forProjectRoot root: URL, in directory: URL) -> URL {
        let path = root.standardizedFileURL.resolvingSymlinksInPath().path
        let name = AMECore.Digest(bytes: SHA256.hash(data: Data(path.utf8))).hex
        return directory.appendingPathComponent("\(name).cache")
    }

    /// The digest recorded for `path`, when the file still has the same size, mtime and inode
    /// and the record is not racy.
    public func digest(forPath path: String, size: Int64, modificationTime: Int64, inode: UInt64) -> AMECore.Digest? {
        guard let entry = entries[path], entry.size == size, entry.modificationTime == modificationTime, entry.inode == inode,
              modificationTime < scanStartedAt - FileStamp.racyMargin(forModificationTime: modificationTime) else { return nil }
        return entry.digest
    }

    public mutating func record(path: String, entry: Entry) {
        entries[path] = entry
    }

    // MARK: - File format

    private static let magic = Array("AMEHASH1".utf8)
    /// Size, mtime, inode and the raw digest.
    private static let recordTail = 8 + 8 + 8 + 32

    /// Reads the cache at `url`; a missing or damaged file gives an empty cache (with
    /// `discardReason` saying why), never an error.
    public static func load(from url: URL) -> HashCache {
        let data: Data
        do {
            data = try Data(contentsOf: url)
        } catch {
            var cache = HashCache()
            cache.discardReason = "no cache at \(url.path)"
            return cache
        }
        let decoded: Result<HashCache, Corrupt> = data.withUnsafeBytes { buffer in
            Result { () throws(Corrupt) in try decode(buffer) }
        }
        switch decoded {
        case .success(let cache):
            return cache
        case .failure(let corrupt):
            var cache = HashCache()
            cache.discardReason = "discarded the damaged hash cache \(url.path): \(corrupt.reason)"
            return cache
        }
    }

    /// Writes the cache atomically (readers see the old file or the new one), creating the
    /// directory when needed.
    public func save(to url: URL) throws {
        try AtomicFile.write(encoded(), to: url, permissions: 0o600)
    }

    /// The on-disk bytes, entries sorted by path so equal caches give equal files.
    public func encoded() -> Data {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(24 + entries.count * 100)
        bytes.append(contentsOf: Self.magic)
        Self.append(scanStartedAt, to: &bytes)
        Self.append(UInt64(entries.count), to: &bytes)
        for path in entries.keys.sorted() {
            guard let entry = entries[path] else { continue }
            let pathBytes = Array(path.utf8)
            Self.append(UInt32(pathBytes.count), to: &bytes)
            bytes.append(contentsOf: pathBytes)
            Self.append(entry.size, to: &bytes)
            Self.append(entry.modificationTime, to: &bytes)
            Self.append(entry.inode, to: &bytes)
            bytes.append(contentsOf: entry.digest.rawBytes)
        }
        bytes.append(contentsOf: SHA256.hash(data: bytes))
        return Data(bytes)
    }

    struct Corrupt: Error {
        var reason: String
    }

    static func decode(_ buffer: UnsafeRawBufferPointer) throws(Corrupt) -> HashCache {
        let headerSize = magic.count + 8 + 8
        guard buffer.count >= headerSize + 32 else { throw Corrupt(reason: "file too short") }
        guard buffer.prefix(magic.count).elementsEqual(magic) else { throw Corrupt(reason: "not an AME hash cache of this version") }
        let bodyEnd = buffer.count - 32
        guard SHA256.hash(data: UnsafeRawBufferPointer(rebasing: buffer[..<bodyEnd])).elementsEqual(buffer[bodyEnd...]) else {
            throw Corrupt(reason: "checksum mismatch")
        }
        var offset = magic.count
        let scanStartedAt = Int64(bitPattern: read(buffer, &offset))
        let declared = read(buffer, &offset) as UInt64
        // Each record takes at least `recordTail + 4` bytes: bounds the count before reserving.
        guard declared <= UInt64((bodyEnd - offset) / (recordTail + 4)) else { throw Corrupt(reason: "impossible entry count") }
        var entries: [String: Entry] = [:]
        entries.reserveCapacity(Int(declared))
        for _ in 0..<Int(declared) {
            guard offset + 4 <= bodyEnd else { throw Corrupt(reason: "truncated record") }
            let length = Int(read(buffer, &offset) as UInt32)
            guard length > 0, offset + length + recordTail <= bodyEnd else { throw Corrupt(reason: "truncated record") }
            guard let path = String(validating: UnsafeRawBufferPointer(rebasing: buffer[offset..<(offset + length)]), as: UTF8.self) else {
                throw Corrupt(reason: "a path is not UTF-8")
            }
            offset += length
            let size = Int64(bitPattern: read(buffer, &offset))
            let modificationTime = Int64(bitPattern: read(buffer, &offset))
            let inode: UInt64 = read(buffer, &offset)
            let digest = AMECore.Digest(bytes: UnsafeRawBufferPointer(rebasing: buffer[offset..<(offset + 32)]))
            offset += 32
            entries[path] = Entry(size: size, modificationTime: modificationTime, inode: inode, digest: digest)
        }
        guard offset == bodyEnd, entries.count == Int(declared) else { throw Corrupt(reason: "unexpected trailing data") }
        return HashCache(scanStartedAt: scanStartedAt, entries: entries)
    }

    private static func append<Integer: FixedWidthInteger>(_ value: Integer, to bytes: inout [UInt8]) {
        withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
    }

    private static func read<Integer: FixedWidthInteger>(_ buffer: UnsafeRawBufferPointer, _ offset: inout Int) -> Integer {
        let value = buffer.loadUnaligned(fromByteOffset: offset, as: Integer.self)
        offset += MemoryLayout<Integer>.size
        return Integer(littleEndian: value)
    }
}

extension AMECore.Digest {
    /// The 32 raw bytes (the hex form is validated on construction, so every pair parses).
    var rawBytes: [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(32)
        var high: UInt8?
        for character in hex.utf8 {
            let nibble = character <= 0x39 ? character - 0x30 : character - 0x61 + 10
            if let first = high {
                bytes.append(first << 4 | nibble)
                high = nil
            } else {
                high = nibble
            }
        }
        return bytes
    }
}
