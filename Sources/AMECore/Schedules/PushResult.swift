/// What `ame schedule push` gets back: the project as tracked and its schedules.
public struct PushResult: Hashable, Sendable, Codable {
    public var project: TrackedSource
    public var schedules: [ScheduleInfo]

    public init(project: TrackedSource, schedules: [ScheduleInfo]) {
        self.project = project
        self.schedules = schedules
    }
}
