import Foundation

/// One firing of a schedule, recorded before its run starts (so a restart never runs the
/// same firing twice): `ame schedule history`.
public struct ScheduleFiring: Hashable, Sendable, Codable {
    public enum Trigger: String, Hashable, Sendable, Codable {
        /// On time.
        case cron
        /// A firing missed while the server was down, run once when it came back.
        case catchup
        /// `ame schedule run`.
        case manual
    }

    public enum Outcome: String, Hashable, Sendable, Codable {
        /// Recorded, its run not started yet.
        case pending
        /// Its run was submitted (`runID`).
        case started
        /// The previous run still ran (`concurrency: skip`).
        case skipped
        /// Waiting for the previous run to end (`concurrency: queue`).
        case queued
        /// Missed during downtime and not run (`catchup: false`, or covered by one catch-up run).
        case missed
        /// The run could not be submitted (`reason` says why).
        case failed
    }

    public var id: Int64
    public var schedule: String
    public var sourceID: String
    /// The cron time it stands for (for manual firings: when asked).
    public var scheduledFor: Date
    public var firedAt: Date
    public var trigger: Trigger
    public var outcome: Outcome
    public var runID: String?
    /// The commit the run was made from.
    public var commit: String?
    public var reason: String?

    public init(id: Int64, schedule: String, sourceID: String, scheduledFor: Date, firedAt: Date, trigger: Trigger,
                outcome: Outcome, runID: String? = nil, commit: String? = nil, reason: String? = nil) {
        self.id = id
        self.schedule = schedule
        self.sourceID = sourceID
        self.scheduledFor = scheduledFor
        self.firedAt = firedAt
        self.trigger = trigger
        self.outcome = outcome
        self.runID = runID
        self.commit = commit
        self.reason = reason
    }
}
