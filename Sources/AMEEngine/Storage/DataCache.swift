import AMECore
import Crypto
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Objects fetched for runs, kept on the executor by ETag so an unchanged object is never
/// downloaded twice.
///
/// Layout under `EngineLayout.dataCache`:
///
///     objects/<sha256 of "service\nbucket\nkey">/<ETag>        the bytes
///     objects/<sha256 of "service\nbucket\nkey">/<ETag>.json   bucket, key, ETag, size, stamp
///     tmp/                                                     downloads in progress
///
/// An entry is used only while its file still has the size the listing gives and the
/// stamp (size, mtime, inode) recorded when it was stored, so a cached file that a run
/// changed in place through a hard link is never handed to the next run.
struct DataCache: Sendable {
    let root: URL

    struct Metadata: Codable {
        var service: String
        var bucket: String
        var key: String
        var etag: String
        var size: Int64
        var stamp: FileStamp
    }

    var objects: URL { root.appendingPathComponent("objects") }
    var temporary: URL { root.appendingPathComponent("tmp") }

    func entry(service: String, bucket: String, object: StoredObject) -> URL {
        let identity = Hex.encode(SHA256.hash(data: Data("\(service)\n\(bucket)\n\(object.key)".utf8)))
        return objects.appendingPathComponent(identity).appendingPathComponent(Self.fileName(etag: object.etag))
    }

    private func metadataFile(_ entry: URL) -> URL {
        entry.deletingLastPathComponent().appendingPathComponent(entry.lastPathComponent + ".json")
    }

    /// The cached file for `object`, if there is one that is still intact.
    func lookup(service: String, bucket: String, object: StoredObject) -> URL? {
        let file = entry(service: service, bucket: bucket, object: object)
        guard let data = FileManager.default.contents(atPath: metadataFile(file).path),
              let metadata = try? JSONDecoder().decode(Metadata.self, from: data),
              metadata.etag == object.etag, metadata.size == object.size,
              let stamp = try? FileStamp.capture(path: file.path),
              stamp.size == object.size, stamp.describesSameFile(as: metadata.stamp) else {
            return nil
        }
        return file
    }

    /// A fresh path under `tmp/` to download into.
    func temporaryFile() throws -> URL {
        try FileManager.default.createDirectory(at: temporary, withIntermediateDirectories: true)
        return temporary.appendingPathComponent(UUID().uuidString)
    }

    /// Moves a complete download into the cache and returns its place there.
    func store(_ downloaded: URL, service: String, bucket: String, object: StoredObject) throws -> URL {
        let file = entry(service: service, bucket: bucket, object: object)
        try FileManager.default.createDirectory(at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
        // Its mtime goes two seconds back, so a run that rewrites it (through a hard link)
        // within the same timestamp granule still changes its stamp.
        let past = FileStatus.now() - 2 * FileStamp.racyMargin
        let times = [timespec(tv_sec: 0, tv_nsec: (1 << 30) - 2),
                     timespec(tv_sec: Int(past / 1_000_000_000), tv_nsec: Int(past % 1_000_000_000))]
        _ = utimensat(AT_FDCWD, downloaded.path, times, 0)
        chmod(downloaded.path, 0o644)
        guard rename(downloaded.path, file.path) == 0 else {
            throw DataCacheError(description: "cannot move a download into the data cache: \(String(cString: strerror(errno)))")
        }
        guard let stamp = try FileStamp.capture(path: file.path) else {
            throw DataCacheError(description: "the cached file \(file.path) vanished")
        }
        let metadata = Metadata(service: service, bucket: bucket, key: object.key, etag: object.etag, size: object.size, stamp: stamp)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        try encoder.encode(metadata).write(to: metadataFile(file), options: .atomic)
        return file
    }

    /// Forgets an entry (its file was changed in place).
    func discard(_ file: URL) {
        try? FileManager.default.removeItem(at: metadataFile(file))
        try? FileManager.default.removeItem(at: file)
    }

    /// Whether the entry's file still looks as it did when it was stored.
    func isIntact(_ file: URL) -> Bool {
        guard let data = FileManager.default.contents(atPath: metadataFile(file).path),
              let metadata = try? JSONDecoder().decode(Metadata.self, from: data),
              let stamp = try? FileStamp.capture(path: file.path) else { return false }
        return stamp.describesSameFile(as: metadata.stamp)
    }

    /// ETags are quoted hex with an optional `-N`; anything else is made file-name safe.
    static func fileName(etag: String) -> String {
        let safe = String(etag.map { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") ? $0 : "_" })
        if !safe.isEmpty && safe.count <= 100 { return safe }
        return "h" + Hex.encode(SHA256.hash(data: Data(etag.utf8)))
    }
}

struct DataCacheError: Error, CustomStringConvertible {
    var description: String
}
