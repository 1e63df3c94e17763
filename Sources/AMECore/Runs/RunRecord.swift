import Foundation

/// A run as the jobs API reports it.
public struct RunRecord: Hashable, Sendable, Codable {
    public var id: String
    public var owner: String
    public var project: String
    public var task: String
    public var status: RunStatus
    /// Why the run is in its status, in a sentence: "waiting for 2 cpus (4 of 4 in use)",
    /// "step 'train' failed with exit code 3".
    public var reason: String?
    public var exitCode: Int32?
    public var createdAt: Date
    public var startedAt: Date?
    public var finishedAt: Date?
    public var steps: [StepRecord]
    /// Service runs (with ports) run until cancelled.
    public var ports: [PortSpec]
    /// Where the run's log currently ends (a byte offset for `logs --from`).
    public var logSize: Int64
    /// The labels the run was submitted with (`plugin: jupyter` for a plugin's runs); nil
    /// from an engine that does not report them.
    public var labels: [String: String]?

    public init(
        id: String, owner: String, project: String, task: String, status: RunStatus, reason: String? = nil,
        exitCode: Int32? = nil, createdAt: Date, startedAt: Date? = nil, finishedAt: Date? = nil,
        steps: [StepRecord] = [], ports: [PortSpec] = [], logSize: Int64 = 0, labels: [String: String]? = nil
    ) {
        self.id = id
        self.owner = owner
        self.project = project
        self.task = task
        self.status = status
        self.reason = reason
        self.exitCode = exitCode
        self.createdAt = createdAt
        self.startedAt = startedAt
        self.finishedAt = finishedAt
        self.steps = steps
        self.ports = ports
        self.logSize = logSize
        self.labels = labels
    }

    public var isService: Bool { !ports.isEmpty }
}

/// One step of a run (a single-command task has one step named after the task).
public struct StepRecord: Hashable, Sendable, Codable {
    public var name: String
    public var status: RunStatus
    public var needs: [String]
    public var exitCode: Int32?
    public var reason: String?
    public var attempts: [AttemptRecord]

    public init(name: String, status: RunStatus, needs: [String] = [], exitCode: Int32? = nil, reason: String? = nil, attempts: [AttemptRecord] = []) {
        self.name = name
        self.status = status
        self.needs = needs
        self.exitCode = exitCode
        self.reason = reason
        self.attempts = attempts
    }
}

/// One try of a step, with the resources it ran with.
public struct AttemptRecord: Hashable, Sendable, Codable {
    public enum Outcome: String, Hashable, Sendable, Codable {
        case exited
        /// Killed for exceeding its memory limit.
        case outOfMemory = "oom"
        case timedOut = "timeout"
        case cancelled
        /// Could not start (a missing secret, an environment that failed to build).
        case failedToStart = "start_failed"
        case lost
    }

    public var number: Int
    public var status: RunStatus
    public var resources: Resources
    public var outcome: Outcome?
    public var exitCode: Int32?
    public var reason: String?
    public var startedAt: Date?
    public var finishedAt: Date?

    public init(number: Int, status: RunStatus, resources: Resources, outcome: Outcome? = nil, exitCode: Int32? = nil,
                reason: String? = nil, startedAt: Date? = nil, finishedAt: Date? = nil) {
        self.number = number
        self.status = status
        self.resources = resources
        self.outcome = outcome
        self.exitCode = exitCode
        self.reason = reason
        self.startedAt = startedAt
        self.finishedAt = finishedAt
    }
}
