/// `progress` (plugin → core, notification): a one-line progress bar on stderr, drawn only
/// when stderr is a terminal. Send `done == total` (or `finished`) to clear it.
public struct ProgressParams: Hashable, Sendable {
    public var title: String
    public var done: Int64?
    public var total: Int64?
    public var detail: String?
    public var finished: Bool?

    public init(title: String, done: Int64? = nil, total: Int64? = nil, detail: String? = nil, finished: Bool? = nil) {
        self.title = title
        self.done = done
        self.total = total
        self.detail = detail
        self.finished = finished
    }
}
