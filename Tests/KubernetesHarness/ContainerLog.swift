import Foundation

/// One container's output as the kubelet keeps it: lines (stdout and stderr together) each
/// stamped with the time it arrived, readable while the container runs.
final class ContainerLog: @unchecked Sendable {
    struct Line: Sendable {
        var time: Date
        /// RFC 3339 with nanoseconds, trailing zeros dropped (Go's RFC3339Nano).
        var stamp: String
        var text: Data
    }

    private let lock = NSLock()
    private var lines: [Line] = []
    private var pending = Data()
    private var ended = false

    func append(_ data: Data) {
        lock.withLock {
            pending.append(data)
            while let newline = pending.firstIndex(of: 0x0A) {
                let line = Data(pending[pending.startIndex...newline])
                pending = Data(pending[pending.index(after: newline)...])
                lines.append(Self.stamped(line))
            }
        }
    }

    /// The container ended: what is left becomes the last line.
    func end() {
        lock.withLock {
            if !pending.isEmpty {
                lines.append(Self.stamped(pending))
                pending = Data()
            }
            ended = true
        }
    }

    func read(from index: Int) -> (lines: [Line], ended: Bool) {
        lock.withLock {
            (index < lines.count ? Array(lines[index...]) : [], ended)
        }
    }

    var text: String {
        lock.withLock { String(decoding: lines.map(\.text).reduce(Data(), +) + pending, as: UTF8.self) }
    }

    private static func stamped(_ text: Data) -> Line {
        let now = Date()
        return Line(time: now, stamp: rfc3339Nano(now), text: text)
    }

    static func rfc3339Nano(_ date: Date) -> String {
        let seconds = date.timeIntervalSince1970.rounded(.down)
        var nanos = Int64(((date.timeIntervalSince1970 - seconds) * 1e9).rounded())
        var whole = Date(timeIntervalSince1970: seconds)
        if nanos >= 1_000_000_000 {
            nanos -= 1_000_000_000
            whole = whole.addingTimeInterval(1)
        }
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        var text = String(formatter.string(from: whole).dropLast())
        if nanos > 0 {
            var fraction = String(format: "%09lld", nanos)
            while fraction.hasSuffix("0") { fraction.removeLast() }
            text += "." + fraction
        }
        return text + "Z"
    }
}
