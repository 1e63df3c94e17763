import Foundation

/// One piece of a run's log, at a byte offset that a client can resume from.
public struct LogEvent: Hashable, Sendable, Codable {
    public enum Kind: String, Hashable, Sendable, Codable {
        case stdout
        case stderr
        /// AME's own notes: a step starting, a retry with more memory, an exit code.
        case system
        /// Output of environment setup (pip, uv…), shown under a "setup" heading.
        case setup
        /// The last event of a finished run's log; `exitCode` says how it ended.
        case end
    }

    /// Where this event starts in the log.
    public var offset: Int64
    /// Where the next event starts: pass it as `from` to continue without loss or repeats.
    public var next: Int64
    public var kind: Kind
    /// The step that produced it (nil for run-level events).
    public var step: String?
    public var time: Date
    /// The bytes, exactly as the process wrote them (secrets already masked).
    public var data: Data
    /// For `.end`: the run's exit code.
    public var exitCode: Int32?

    public init(offset: Int64, next: Int64, kind: Kind, step: String?, time: Date, data: Data, exitCode: Int32? = nil) {
        self.offset = offset
        self.next = next
        self.kind = kind
        self.step = step
        self.time = time
        self.data = data
        self.exitCode = exitCode
    }

    public var text: String { String(decoding: data, as: UTF8.self) }
}
