import AMECore

/// A run of consecutive log events read from an offset.
public struct LogChunk: Hashable, Sendable {
    public var events: [LogEvent]
    /// Where to read next: the end of the last event, or the offset read from when there was none.
    public var next: Int64
    /// True once the log's `end` has been read (it is then the last event, or was before `next`).
    public var ended: Bool

    public init(events: [LogEvent], next: Int64, ended: Bool) {
        self.events = events
        self.next = next
        self.ended = ended
    }
}
