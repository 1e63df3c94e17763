import AMECore
import Foundation

/// `ame logs RUN --node N`: the run's log as if only node N of its multi-node steps had
/// run. The engine starts each line of such a node with `[RANK] `; lines of node N keep
/// their text without it, lines of other nodes go, and lines of no node (AME's own notes,
/// steps that run on one node) stay.
struct NodeLogFilter {
    let rank: Int

    /// `event` through `filter`, when there is one.
    static func apply(_ filter: NodeLogFilter?, to event: LogEvent) -> LogEvent? {
        guard let filter else { return event }
        return filter.apply(event)
    }

    /// The event with only the lines that stay; nil when none does.
    func apply(_ event: LogEvent) -> LogEvent? {
        guard event.kind != .end else { return event }
        let mine = Data(NodeRank.logPrefix(rank: rank).utf8)
        var kept = Data()
        var lineStart = event.data.startIndex
        let data = event.data
        while lineStart < data.endIndex {
            var lineEnd = data[lineStart...].firstIndex { $0 == 0x0A || $0 == 0x0D }.map { data.index(after: $0) } ?? data.endIndex
            // A "\r\n" ends one line.
            if lineEnd < data.endIndex, data[data.index(before: lineEnd)] == 0x0D, data[lineEnd] == 0x0A { lineEnd = data.index(after: lineEnd) }
            let line = data[lineStart..<lineEnd]
            if line.starts(with: mine) {
                kept.append(line.dropFirst(mine.count))
            } else if Self.rank(of: line) == nil {
                kept.append(line)
            }
            lineStart = lineEnd
        }
        guard !kept.isEmpty else { return nil }
        var filtered = event
        filtered.data = kept
        return filtered
    }

    /// The rank a line starts with (`[12] …`), if any.
    static func rank(of line: Data.SubSequence) -> Int? {
        guard line.first == UInt8(ascii: "[") else { return nil }
        var digits = 0
        var value = 0
        for byte in line.dropFirst() {
            if byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") && digits < 6 {
                value = value * 10 + Int(byte - UInt8(ascii: "0"))
                digits += 1
                continue
            }
            return byte == UInt8(ascii: "]") && digits > 0 && line.dropFirst(digits + 2).first == UInt8(ascii: " ") ? value : nil
        }
        return nil
    }
}
