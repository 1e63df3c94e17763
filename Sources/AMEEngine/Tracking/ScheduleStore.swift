import AMECore
import Foundation

/// Read access to tracked sources, schedules and their history, for the API and the
/// dashboard. Writes go through `RecurringScheduler`, which owns the rules.
public struct ScheduleStore: Sendable {
    let store: RunStore

    public init(store: RunStore) {
        self.store = store
    }

    /// Sources of `owner` (nil: everyone's), oldest first.
    public func sources(owner: String?) throws -> [TrackedSource] {
        try store.sources(owner: owner)
    }

    public func source(id: String) throws -> TrackedSource? {
        try store.source(id: id)
    }

    /// The source `reference` names for `owner`: its id, its name or its URL.
    public func source(owner: String, reference: String) throws -> TrackedSource {
        let candidates = try store.sources(owner: owner)
        if let match = candidates.first(where: { $0.id == reference || $0.name == reference || $0.url == reference }) {
            return match
        }
        let hint = Suggestion.closest(to: reference, in: candidates.map(\.name)).map { "did you mean '\($0)'?" }
            ?? (candidates.isEmpty ? "track one with 'ame project track URL'" : "list them with 'ame project list'")
        throw APIError.notFound("tracked project '\(reference)'", hint: hint)
    }

    /// Registered schedules of `owner` (nil: everyone's), with their next firing after `now`.
    public func schedules(owner: String?, now: Date) throws -> [ScheduleInfo] {
        try store.schedules(owner: owner).map { try info($0, now: now) }
    }

    public func stored(owner: String?) throws -> [StoredSchedule] {
        try store.schedules(owner: owner)
    }

    /// One schedule's public view, with its next firing after `now` and its last firing.
    public func info(_ schedule: StoredSchedule, now: Date) throws -> ScheduleInfo {
        ScheduleInfo(fullName: schedule.fullName, name: schedule.definition.name, sourceID: schedule.sourceID,
                     sourceName: schedule.sourceName, owner: schedule.owner, taskRef: schedule.definition.taskRef,
                     expression: schedule.definition.schedule, timezone: schedule.timeZoneName,
                     concurrency: schedule.definition.concurrency, catchup: schedule.definition.catchup,
                     commit: schedule.commit, nextFiring: schedule.nextFiring(after: now),
                     lastFiring: try store.firings(sourceID: schedule.sourceID, schedule: schedule.definition.name, limit: 1).first)
    }

    /// The schedule `reference` (`SOURCE/NAME`, or `NAME` when only one source has it).
    public func schedule(owner: String, reference: String) throws -> StoredSchedule {
        let all = try store.schedules(owner: owner)
        if let exact = all.first(where: { $0.fullName == reference }) { return exact }
        let byName = all.filter { $0.definition.name == reference }
        if byName.count == 1 { return byName[0] }
        if byName.count > 1 {
            throw APIError(.invalidRequest, "several projects have a schedule '\(reference)'",
                           hint: "name one of: \(byName.map(\.fullName).joined(separator: ", "))")
        }
        let hint = Suggestion.closest(to: reference, in: all.map(\.fullName) + all.map(\.definition.name)).map { "did you mean '\($0)'?" }
            ?? (all.isEmpty ? "schedules come from recurring_tasks in a tracked ame.yaml ('ame project track URL' or 'ame schedule push')"
                            : "list them with 'ame schedule list'")
        throw APIError.notFound("schedule '\(reference)'", hint: hint)
    }

    /// The schedule's firings, newest first.
    public func history(_ schedule: StoredSchedule, limit: Int = 50) throws -> [ScheduleFiring] {
        try store.firings(sourceID: schedule.sourceID, schedule: schedule.definition.name, limit: limit)
    }
}
