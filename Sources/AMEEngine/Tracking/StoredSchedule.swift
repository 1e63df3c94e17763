import AMECore
import Foundation

/// A schedule row: a `recurring_tasks` entry registered from a source, with the time up to
/// which its firings have been handled (`cursor`).
public struct StoredSchedule: Hashable, Sendable {
    public var sourceID: String
    public var sourceName: String
    public var owner: String
    public var definition: RecurringTask
    /// The commit (or nil for a pushed project) its definition and its runs come from.
    public var commit: String?
    /// Every firing at or before this time has been recorded.
    public var cursor: Date

    public var fullName: String { "\(sourceName)/\(definition.name)" }

    public var timeZone: TimeZone {
        definition.timezone.flatMap(TimeZone.init(identifier:)) ?? TimeZone(identifier: "UTC") ?? .current
    }

    /// The zone as the project wrote it, "UTC" by default (Foundation on Linux names UTC "GMT").
    public var timeZoneName: String {
        definition.timezone.flatMap { TimeZone(identifier: $0) == nil ? nil : $0 } ?? "UTC"
    }

    public func nextFiring(after date: Date) -> Date? {
        definition.cron?.nextFiring(after: max(date, cursor), in: timeZone)
    }
}
