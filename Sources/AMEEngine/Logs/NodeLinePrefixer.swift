import AMECore
import Foundation

/// Starts every line one node of a multi-node step writes with its rank (`[2] `), so the
/// nodes share one log and each line says whose it is (`ame logs RUN --node 2` picks them
/// out again).
///
/// Lines are passed on whole: a line the node has not finished yet waits for its end (or
/// until it grows past `longestHeldLine`), so that nodes writing at the same time never
/// interleave inside a line. A carriage return ends a line too (a progress bar redraws in
/// place, each redraw with its prefix).
final class NodeLinePrefixer: @unchecked Sendable {
    let prefix: Data
    /// A line longer than this is passed on unfinished (and its rest follows without prefix).
    static let longestHeldLine = 64 * 1024

    private let lock = NSLock()
    private var pending: [LogEvent.Kind: Data] = [:]
    /// Kinds whose last bytes passed on ended inside a line.
    private var midLine: Set<LogEvent.Kind> = []
    /// Kinds whose last byte passed on was a carriage return (a `\n` after it is not a new line).
    private var afterReturn: Set<LogEvent.Kind> = []

    init(rank: Int) {
        prefix = Data(NodeRank.logPrefix(rank: rank).utf8)
    }

    /// The whole lines `data` completes, each with its prefix; the unfinished rest is kept.
    func lines(_ kind: LogEvent.Kind, _ data: Data) -> Data {
        lock.withLock {
            var buffer = pending[kind] ?? Data()
            buffer.append(data)
            guard let end = buffer.lastIndex(where: { $0 == 0x0A || $0 == 0x0D }) else {
                if buffer.count >= Self.longestHeldLine {
                    pending[kind] = nil
                    return prefixed(kind, buffer)
                }
                pending[kind] = buffer
                return Data()
            }
            let ready = buffer[buffer.startIndex...end]
            pending[kind] = end + 1 < buffer.endIndex ? Data(buffer[(end + 1)...]) : nil
            return prefixed(kind, ready)
        }
    }

    /// What is left unfinished, with its prefix (when the node has ended).
    func rest(_ kind: LogEvent.Kind) -> Data {
        lock.withLock {
            guard let buffer = pending.removeValue(forKey: kind), !buffer.isEmpty else { return Data() }
            return prefixed(kind, buffer)
        }
    }

    /// The kinds with an unfinished line.
    var unfinished: [LogEvent.Kind] {
        lock.withLock { pending.filter { !$0.value.isEmpty }.map(\.key) }
    }

    private func prefixed(_ kind: LogEvent.Kind, _ data: some Collection<UInt8>) -> Data {
        var result = Data()
        result.reserveCapacity(data.count + prefix.count * 2)
        var atLineStart = !midLine.contains(kind)
        var previousWasReturn = afterReturn.contains(kind)
        for byte in data {
            if atLineStart && !(byte == 0x0A && previousWasReturn) {
                result.append(prefix)
            }
            atLineStart = false
            result.append(byte)
            if byte == 0x0A || byte == 0x0D { atLineStart = true }
            previousWasReturn = byte == 0x0D
        }
        if atLineStart { midLine.remove(kind) } else { midLine.insert(kind) }
        if previousWasReturn { afterReturn.insert(kind) } else { afterReturn.remove(kind) }
        return result
    }
}
