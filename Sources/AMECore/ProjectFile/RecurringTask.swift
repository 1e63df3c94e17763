/// A schedule from `recurring_tasks`: run `taskRef` whenever `schedule` fires.
public struct RecurringTask: Hashable, Sendable, Codable {
    public enum Concurrency: String, Hashable, Sendable, Codable {
        /// A firing while the previous run still runs is skipped and recorded.
        case skip
        /// It waits for the previous run instead.
        case queue
    }

    public var name: String
    public var taskRef: String
    public var schedule: String
    /// An IANA zone such as `Europe/Oslo`; UTC when absent.
    public var timezone: String?
    public var concurrency: Concurrency
    /// Whether firings missed during downtime run once when the server is back.
    public var catchup: Bool

    public init(name: String, taskRef: String, schedule: String, timezone: String? = nil, concurrency: Concurrency = .skip, catchup: Bool = true) {
        self.name = name
        self.taskRef = taskRef
        self.schedule = schedule
        self.timezone = timezone
        self.concurrency = concurrency
        self.catchup = catchup
    }

    enum CodingKeys: String, CodingKey {
        case name
        case taskRef = "taskref"
        case schedule, timezone, concurrency, catchup
    }

    /// The parsed schedule (validated when the file was read).
    public var cron: CronSchedule? { try? CronSchedule(parsing: schedule) }
}
