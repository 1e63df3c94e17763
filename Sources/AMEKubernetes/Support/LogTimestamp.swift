import Foundation

/// The timestamp Kubernetes puts before each log line with `timestamps=true`
/// (RFC 3339 with up to nine fraction digits, trailing zeros dropped), kept exact so that
/// a resumed log can skip precisely the lines it already has.
struct LogTimestamp: Comparable, Hashable, Sendable, CustomStringConvertible {
    var seconds: Int64
    var nanoseconds: Int64

    init?(_ text: some StringProtocol) {
        let text = String(text)
        var base = text
        var nanos: Int64 = 0
        if let dot = text.firstIndex(of: ".") {
            var end = text.index(after: dot)
            var digits = ""
            while end < text.endIndex, text[end].isASCII, text[end].isNumber {
                digits.append(text[end])
                end = text.index(after: end)
            }
            let padded = String((digits + "000000000").prefix(9))
            nanos = Int64(padded) ?? 0
            base = String(text[..<dot]) + String(text[end...])
        }
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        guard let date = formatter.date(from: base) else { return nil }
        seconds = Int64(date.timeIntervalSince1970.rounded(.down))
        nanoseconds = nanos
    }

    var date: Date { Date(timeIntervalSince1970: TimeInterval(seconds)) }

    var description: String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        let whole = formatter.string(from: date)
        return String(whole.dropLast()) + "." + String(format: "%09lld", nanoseconds) + "Z"
    }

    static func < (lhs: LogTimestamp, rhs: LogTimestamp) -> Bool {
        (lhs.seconds, lhs.nanoseconds) < (rhs.seconds, rhs.nanoseconds)
    }

    /// Splits `2024-05-01T12:00:00.5Z hello\n` into its timestamp and the rest.
    static func split(_ line: Data) -> (LogTimestamp?, Data) {
        guard let space = line.firstIndex(of: 0x20), space - line.startIndex <= 40,
              let stamp = LogTimestamp(String(decoding: line[line.startIndex..<space], as: UTF8.self)) else {
            return (nil, line)
        }
        return (stamp, Data(line[line.index(after: space)...]))
    }
}
