import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Cuts a byte stream that arrives in arbitrary pieces into lines: plugins' JSON-RPC output
/// and the Kubernetes API's watch and log streams. A line is never held beyond
/// `maximumLength` (a peer printing megabytes without a newline must not make AME eat the
/// memory): past it, what is held is handed on as `.partial`, and the reader decides what
/// an overlong line means (a plugin session refuses it; a Pod's log passes it on in pieces).
///
/// Each byte is scanned once and the unfinished line is copied only when lines before it
/// were taken, so an 8 MiB line costs 8 MiB of work, not its square.
public struct LineSplitter {
    public let maximumLength: Int
    private var pending = Data()

    public init(maximumLength: Int) {
        self.maximumLength = maximumLength
    }

    public enum Piece: Equatable, Sendable {
        /// A complete line without its `\n` (a `\r` before it stays: the reader decides).
        /// It may be longer than `maximumLength` when it arrived whole in one chunk.
        case line(Data)
        /// The start of a line that passed `maximumLength` without a newline; the rest of the
        /// line comes in later pieces.
        case partial(Data)
    }

    /// The lines `chunk` completes, in order.
    public mutating func append(_ chunk: Data) -> [Piece] {
        var searchFrom = pending.count
        pending.append(chunk)
        var pieces: [Piece] = []
        var lineStart = 0
        pending.withUnsafeBytes { buffer in
            guard let base = buffer.baseAddress else { return }
            while searchFrom < buffer.count,
                  let found = memchr(base + searchFrom, 0x0A, buffer.count - searchFrom) {
                let newline = base.distance(to: UnsafeRawPointer(found))
                // From the pointer, not a slice: a slice goes through Data's generic initializer,
                // whose conformance checks cost a scan of the binary at first use.
                pieces.append(.line(Data(bytes: base + lineStart, count: newline - lineStart)))
                lineStart = newline + 1
                searchFrom = lineStart
            }
        }
        if lineStart > 0 { pending = pending.subdata(in: lineStart..<pending.count) }
        if pending.count > maximumLength {
            pieces.append(.partial(pending))
            pending = Data()
        }
        return pieces
    }

    /// At the end of input: the last line, which had no newline; nil when nothing is left.
    public mutating func finish() -> Data? {
        defer { pending = Data() }
        return pending.isEmpty ? nil : pending
    }
}
