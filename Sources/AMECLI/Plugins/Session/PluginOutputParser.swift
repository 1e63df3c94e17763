import AMEPluginKit
import AMESystem
import Foundation

/// A plugin's stdout turned into what it means for a session: one JSON-RPC message per line,
/// blank lines skipped, and after the first line that is not a message, or is longer than
/// `PluginProcess.maximumMessageSize`, nothing more (the session ends on it). The one reading
/// of plugin output, for the threaded `PluginProcess` and the polled `PluginConnection`.
struct PluginOutputParser {
    private var splitter = LineSplitter(maximumLength: PluginProcess.maximumMessageSize)
    /// True after a malformed or overlong line: what follows is not parsed.
    private(set) var stopped = false

    /// What the bytes just read complete.
    mutating func feed(_ chunk: Data) -> [PluginProcess.Output] {
        guard !stopped else { return [] }
        var outputs: [PluginProcess.Output] = []
        for piece in splitter.append(chunk) where !stopped {
            switch piece {
            case .partial:
                outputs.append(.lineTooLong)
                stopped = true
            case .line(let raw) where raw.count > PluginProcess.maximumMessageSize:
                outputs.append(.lineTooLong)
                stopped = true
            case .line(let raw):
                // CRLF is a newline too.
                let line = raw.last == 0x0D ? raw.dropLast() : raw
                if line.allSatisfy({ $0 == 0x20 || $0 == 0x09 }) { continue }
                do throws(RPCMessage.Malformed) {
                    outputs.append(.message(try RPCMessage.parse(line)))
                } catch {
                    outputs.append(.malformed(reason: error.reason, excerpt: PluginProcess.excerpt(line)))
                    stopped = true
                }
            }
        }
        return outputs
    }

    /// At the end of stdout: a last line without a newline still counts if it parses; then `.closed`.
    mutating func finish() -> [PluginProcess.Output] {
        var outputs: [PluginProcess.Output] = []
        if !stopped, let remainder = splitter.finish(), !remainder.allSatisfy({ [0x20, 0x09, 0x0D].contains($0) }) {
            if let message = try? RPCMessage.parse(remainder) {
                outputs.append(.message(message))
            } else {
                outputs.append(.malformed(reason: "text that is not JSON", excerpt: PluginProcess.excerpt(remainder)))
            }
        }
        stopped = true
        return outputs + [.closed]
    }
}
