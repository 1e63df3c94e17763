import Foundation

/// Cuts a byte stream that arrives in arbitrary pieces into lines (each with its `\n`);
/// what is left when the stream ends is the last, unterminated line.
struct LineSplitter {
    private var pending = Data()
    /// A line longer than this is passed on in pieces rather than held without limit.
    var maximumLineLength = 1 << 20

    mutating func push(_ bytes: some Sequence<UInt8>) -> [Data] {
        pending.append(contentsOf: bytes)
        var lines: [Data] = []
        var start = pending.startIndex
        while let newline = pending[start...].firstIndex(of: 0x0A) {
            lines.append(Data(pending[start...newline]))
            start = pending.index(after: newline)
        }
        pending = Data(pending[start...])
        if pending.count > maximumLineLength {
            lines.append(pending)
            pending = Data()
        }
        return lines
    }

    mutating func finish() -> Data? {
        defer { pending = Data() }
        return pending.isEmpty ? nil : pending
    }
}
