import AMESystem
#if canImport(Glibc)
import Glibc
#endif

/// A buffered view of part of a log file, so that many small records cost one `pread`.
struct LogReadWindow {
    private var storage: [UInt8] = []
    private var start: Int64 = 0

    /// Makes the bytes `[offset, offset + count)` available, reading `readAhead` bytes at once
    /// (never past `limit`) when they are not buffered. Returns how many of the requested bytes
    /// are there (fewer if the file shrank), or an errno.
    mutating func load(_ descriptor: Int32, offset: Int64, count: Int, limit: Int64, readAhead: Int) -> (available: Int, error: Int32) {
        let end = start + Int64(storage.count)
        if offset >= start && offset + Int64(count) <= end {
            return (count, 0)
        }
        let want = Int(max(Int64(count), min(Int64(readAhead), limit - offset)))
        var failure: Int32 = 0
        storage = [UInt8](unsafeUninitializedCapacity: want) { buffer, initialized in
            let (read, error) = POSIXIO.read(descriptor, into: UnsafeMutableRawBufferPointer(buffer), at: offset)
            failure = error
            initialized = read
        }
        start = offset
        guard failure == 0 else {
            storage = []
            return (0, failure)
        }
        return (min(count, storage.count), 0)
    }

    /// The loaded bytes `[offset, offset + count)`; only valid after a `load` that covered them.
    func withBytes<Result>(offset: Int64, count: Int, _ body: (UnsafeRawBufferPointer) throws -> Result) rethrows -> Result {
        let from = Int(offset - start)
        return try storage.withUnsafeBytes { try body(UnsafeRawBufferPointer(rebasing: $0[from..<(from + count)])) }
    }
}
