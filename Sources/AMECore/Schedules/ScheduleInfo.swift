import Foundation

/// A registered schedule, as `ame schedule list` shows it.
public struct ScheduleInfo: Hashable, Sendable, Codable {
    /// `SOURCE/NAME`: unique per user; `NAME` alone works where it is unambiguous.
    public var fullName: String
    public var name: String
    public var sourceID: String
    public var sourceName: String
    public var owner: String
    public var taskRef: String
    public var expression: String
    /// The IANA zone the expression is read in.
    public var timezone: String
    public var concurrency: RecurringTask.Concurrency
    public var catchup: Bool
    /// The commit (of a tracked repository) its definition came from.
    public var commit: String?
    public var nextFiring: Date?
    public var lastFiring: ScheduleFiring?

    public init(fullName: String, name: String, sourceID: String, sourceName: String, owner: String, taskRef: String,
                expression: String, timezone: String, concurrency: RecurringTask.Concurrency, catchup: Bool,
                commit: String?, nextFiring: Date?, lastFiring: ScheduleFiring?) {
        self.fullName = fullName
        self.name = name
        self.sourceID = sourceID
        self.sourceName = sourceName
        self.owner = owner
        self.taskRef = taskRef
        self.expression = expression
        self.timezone = timezone
        self.concurrency = concurrency
        self.catchup = catchup
        self.commit = commit
        self.nextFiring = nextFiring
        self.lastFiring = lastFiring
    }
}
