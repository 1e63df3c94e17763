import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Cuts a byte stream into lines, refusing to hold a line longer than `maximumLength`
/// (a plugin printing megabytes without a newline must not make AME eat the memory).
/// Each byte is scanned once and the unfinished line is copied only when lines before it
/// were taken, so an 8 MiB line costs 8 MiB of work, not its square.
struct LineSplitter {
    let maximumLength: Int
    private var pending = Data()

    init(maximumLength: Int) {
        self.maximumLength = maximumLength
    }

    enum Piece: Equatable {
        case line(Data)
        /// The current line passed `maximumLength`; nothing more can be read.
        case tooLong
    }

    /// The complete lines in `chunk` (and those it completes), without their newlines.
    mutating func append(_ chunk: Data) -> [Piece] {
        var searchFrom = pending.count
        pending.append(chunk)
        var pieces: [Piece] = []
        var lineStart = 0
        let limit = maximumLength
        let tooLong: Bool = pending.withUnsafeBytes { buffer in
            guard let base = buffer.baseAddress else { return false }
            while searchFrom < buffer.count,
                  let found = memchr(base + searchFrom, 0x0A, buffer.count - searchFrom) {
                let newline = base.distance(to: UnsafeRawPointer(found))
                if newline - lineStart > limit { return true }
                var end = newline
                if end > lineStart && buffer[end - 1] == 0x0D { end -= 1 }
                // From the pointer, not a slice: a slice goes through Data's generic initializer,
                // whose conformance checks cost a scan of the binary at first use.
                pieces.append(.line(Data(bytes: base + lineStart, count: end - lineStart)))
                lineStart = newline + 1
                searchFrom = lineStart
            }
            return false
        }
        if tooLong { return pieces + [.tooLong] }
        if lineStart > 0 { pending = pending.subdata(in: lineStart..<pending.count) }
        if pending.count > maximumLength { pieces.append(.tooLong) }
        return pieces
    }

    /// What is left at end of input (a last line without its newline), if anything.
    var remainder: Data? {
        let trimmed = pending.filter { ![0x20, 0x09, 0x0D].contains($0) }
        return trimmed.isEmpty ? nil : pending
    }
}
