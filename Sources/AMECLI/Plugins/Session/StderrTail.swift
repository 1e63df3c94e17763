import Foundation

/// The last lines a plugin wrote to stderr, kept so an error about the plugin can show
/// what it said before it failed.
final class StderrTail: @unchecked Sendable {
    private let lock = NSLock()
    private var buffer = Data()
    private let limit = 16 * 1024

    func append(_ data: Data) {
        lock.lock()
        defer { lock.unlock() }
        buffer.append(data)
        if buffer.count > limit { buffer = Data(buffer.suffix(limit)) }
    }

    /// Up to `count` last non-empty lines.
    func lastLines(_ count: Int = 5) -> [String] {
        let text = lock.withLock { String(decoding: buffer, as: UTF8.self) }
        let lines = text.split(separator: "\n", omittingEmptySubsequences: true).map { String($0.prefix(300)) }
        return Array(lines.suffix(count))
    }
}
