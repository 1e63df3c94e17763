/// `run.logs`: stream a run's log as `run.log` notifications, then answer with where the
/// log ended. With `follow`, the answer comes when the run ends.
public struct RunLogsParams: Hashable, Sendable, Codable {
    public var id: String
    /// Byte offset to start from (0: the beginning).
    public var from: Int64?
    public var follow: Bool?

    public init(id: String, from: Int64? = nil, follow: Bool? = nil) {
        self.id = id
        self.from = from
        self.follow = follow
    }
}

/// One `run.log` notification: a piece of the log of the run a `run.logs` request asked for.
public struct RunLogNotification: Hashable, Sendable, Codable {
    /// The id of the `run.logs` request this belongs to.
    public var request: RPCID
    public var runId: String
    public var offset: Int64
    public var next: Int64
    /// `stdout`, `stderr`, `system` or `setup`.
    public var kind: String
    public var step: String?
    /// The bytes as UTF-8 text (invalid sequences replaced).
    public var text: String

    public init(request: RPCID, runId: String, offset: Int64, next: Int64, kind: String, step: String?, text: String) {
        self.request = request
        self.runId = runId
        self.offset = offset
        self.next = next
        self.kind = kind
        self.step = step
        self.text = text
    }
}

/// The answer to `run.logs`.
public struct RunLogsResult: Hashable, Sendable, Codable {
    /// Pass as `from` to continue where this stream stopped.
    public var next: Int64
    /// Set when the log ended because the run finished.
    public var exitCode: Int32?

    public init(next: Int64, exitCode: Int32?) {
        self.next = next
        self.exitCode = exitCode
    }
}
