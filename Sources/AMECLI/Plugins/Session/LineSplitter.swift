import Foundation

/// Cuts a byte stream into lines, refusing to hold a line longer than `maximumLength`
/// (a plugin printing megabytes without a newline must not make AME eat the memory).
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
        pending.append(chunk)
        var pieces: [Piece] = []
        var start = pending.startIndex
        while let newline = pending[start...].firstIndex(of: 0x0A) {
            if newline - start > maximumLength { return pieces + [.tooLong] }
            var line = pending[start..<newline]
            if line.last == 0x0D { line = line.dropLast() }
            pieces.append(.line(Data(line)))
            start = newline + 1
        }
        pending = Data(pending[start...])
        if pending.count > maximumLength { pieces.append(.tooLong) }
        return pieces
    }

    /// What is left at end of input (a last line without its newline), if anything.
    var remainder: Data? {
        let trimmed = pending.filter { ![0x20, 0x09, 0x0D].contains($0) }
        return trimmed.isEmpty ? nil : pending
    }
}
