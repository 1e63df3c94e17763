/// `run.get` and `run.cancel`: which run.
public struct RunReference: Hashable, Sendable, Codable {
    public var id: String

    public init(id: String) {
        self.id = id
    }
}

/// The fields of a run record that most plugins need. The host sends the whole record
/// (see docs/plugins.md); decoding into this keeps what is listed here.
public struct RunSummary: Hashable, Sendable, Codable {
    public var id: String
    public var task: String
    public var project: String
    /// `queued`, `preparing`, `running`, `succeeded`, `failed`, `cancelled` or `lost`.
    public var status: String
    public var reason: String?
    public var exitCode: Int32?
    /// Where the run's log ends now (a byte offset for `run.logs`).
    public var logSize: Int64?

    public var isFinished: Bool { ["succeeded", "failed", "cancelled", "lost", "skipped"].contains(status) }
}
