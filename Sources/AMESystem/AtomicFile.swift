import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Writes a file so that readers see the old content or the new, never a mix: a temporary
/// file in the same directory, flushed to disk, then renamed over the target.
public enum AtomicFile {
    public struct WriteError: Error, Sendable, CustomStringConvertible {
        public var path: String
        public var reason: String
        public var description: String { "cannot write \(path): \(reason)" }
    }

    public static func write(_ data: Data, to url: URL, permissions: mode_t? = nil) throws {
        let directory = url.deletingLastPathComponent()
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let temporary = directory.appendingPathComponent(".\(url.lastPathComponent).tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
        // Keep the mode of the file being replaced, unless told otherwise.
        var mode = permissions ?? 0o644
        if permissions == nil, let attributes = try? FileManager.default.attributesOfItem(atPath: url.path),
           let existing = attributes[.posixPermissions] as? NSNumber {
            mode = mode_t(existing.uint16Value)
        }
        let descriptor = open(temporary.path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode)
        guard descriptor >= 0 else {
            throw AtomicFile.WriteError(path: url.path, reason: String(cString: strerror(errno)))
        }
        var failed: Int32 = 0
        data.withUnsafeBytes { buffer in
            guard var pointer = buffer.baseAddress else { return }
            var remaining = buffer.count
            while remaining > 0 {
                let written = Glibc.write(descriptor, pointer, remaining)
                if written < 0 {
                    if errno == EINTR { continue }
                    failed = errno
                    return
                }
                remaining -= written
                pointer += written
            }
        }
        if failed == 0 && fsync(descriptor) != 0 { failed = errno }
        fchmod(descriptor, mode)
        close(descriptor)
        if failed == 0 && rename(temporary.path, url.path) != 0 { failed = errno }
        if failed != 0 {
            unlink(temporary.path)
            throw AtomicFile.WriteError(path: url.path, reason: String(cString: strerror(failed)))
        }
    }
}
