import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// System calls finished properly: short reads and writes continued, EINTR retried. The helpers
/// return an errno (0 for success) instead of throwing, so each store can turn a failure into
/// its own error that names the file and what it was doing.
public enum POSIXIO {
    public static func message(_ code: Int32) -> String {
        String(cString: strerror(code))
    }

    public static func open(_ path: String, _ flags: Int32, _ mode: mode_t = 0) -> (descriptor: Int32, error: Int32) {
        while true {
            let descriptor = Glibc.open(path, flags, mode)
            if descriptor >= 0 { return (descriptor, 0) }
            if errno != EINTR { return (-1, errno) }
        }
    }

    /// Writes all of `buffer` at the descriptor's position.
    public static func writeAll(_ descriptor: Int32, _ buffer: UnsafeRawBufferPointer) -> Int32 {
        guard var pointer = buffer.baseAddress else { return 0 }
        var remaining = buffer.count
        while remaining > 0 {
            let written = Glibc.write(descriptor, pointer, remaining)
            if written < 0 {
                if errno == EINTR { continue }
                return errno
            }
            remaining -= written
            pointer += written
        }
        return 0
    }

    /// Writes all of `buffer` at `offset`.
    public static func writeAll(_ descriptor: Int32, _ buffer: UnsafeRawBufferPointer, at offset: Int64) -> Int32 {
        guard var pointer = buffer.baseAddress else { return 0 }
        var remaining = buffer.count
        var position = offset
        while remaining > 0 {
            let written = pwrite(descriptor, pointer, remaining, off_t(position))
            if written < 0 {
                if errno == EINTR { continue }
                return errno
            }
            remaining -= written
            pointer += written
            position += Int64(written)
        }
        return 0
    }

    /// Reads into `buffer` at `offset` until it is full or the file ends. The count read, or an errno.
    public static func read(_ descriptor: Int32, into buffer: UnsafeMutableRawBufferPointer, at offset: Int64) -> (count: Int, error: Int32) {
        fill(buffer) { start, room, done in pread(descriptor, start, room, off_t(offset + Int64(done))) }
    }

    /// Reads into `buffer` at the descriptor's position until it is full or the file ends.
    public static func read(_ descriptor: Int32, into buffer: UnsafeMutableRawBufferPointer) -> (count: Int, error: Int32) {
        fill(buffer) { start, room, _ in Glibc.read(descriptor, start, room) }
    }

    /// Calls `readOnce(start, room, doneSoFar)` until `buffer` is full, the file ends (0) or it
    /// fails (-1, but for EINTR, which is retried).
    private static func fill(_ buffer: UnsafeMutableRawBufferPointer,
                             _ readOnce: (UnsafeMutableRawPointer, Int, Int) -> Int) -> (count: Int, error: Int32) {
        guard let base = buffer.baseAddress else { return (0, 0) }
        var total = 0
        while total < buffer.count {
            let count = readOnce(base + total, buffer.count - total, total)
            if count < 0 {
                if errno == EINTR { continue }
                return (total, errno)
            }
            if count == 0 { break }
            total += count
        }
        return (total, 0)
    }

    public static func fileSize(_ descriptor: Int32) -> (size: Int64, error: Int32) {
        var info = stat()
        guard fstat(descriptor, &info) == 0 else { return (0, errno) }
        return (Int64(info.st_size), 0)
    }

    public static func fsync(_ descriptor: Int32) -> Int32 {
        while Glibc.fsync(descriptor) != 0 {
            if errno != EINTR { return errno }
        }
        return 0
    }

    /// Makes a rename or a new name in `directory` survive a power loss. Best effort: some file
    /// systems refuse to sync a directory, and the data itself is already on disk by then.
    public static func syncDirectory(_ directory: String) {
        let (descriptor, _) = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard descriptor >= 0 else { return }
        _ = fsync(descriptor)
        Glibc.close(descriptor)
    }

    /// A name for a scratch file that no other writer will pick.
    public static func uniqueSuffix() -> String {
        String(UInt64.random(in: 0...UInt64.max), radix: 36)
    }
}
