import Foundation

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
    public var owner: String?
    public var createdAt: Date?
    public var startedAt: Date?
    public var finishedAt: Date?
    /// A service's ports; a port asked for as 0 holds the real one once the run has started.
    public var ports: [PluginPort]?
    /// The run's labels (`plugin: NAME` for a plugin's runs).
    public var labels: [String: String]?

    public var isFinished: Bool { ["succeeded", "failed", "cancelled", "lost", "skipped"].contains(status) }

    public init(id: String, task: String, project: String, status: String, reason: String? = nil, exitCode: Int32? = nil,
                logSize: Int64? = nil, owner: String? = nil, createdAt: Date? = nil, startedAt: Date? = nil, finishedAt: Date? = nil,
                ports: [PluginPort]? = nil, labels: [String: String]? = nil) {
        self.id = id
        self.task = task
        self.project = project
        self.status = status
        self.reason = reason
        self.exitCode = exitCode
        self.logSize = logSize
        self.owner = owner
        self.createdAt = createdAt
        self.startedAt = startedAt
        self.finishedAt = finishedAt
        self.ports = ports
        self.labels = labels
    }
}

/// `run.list`: the caller's runs, newest first, filtered.
public struct RunListParams: Hashable, Sendable, Codable {
    /// Only runs carrying every one of these labels (`{"plugin": "jupyter"}`).
    public var labels: [String: String]?
    /// Only runs not yet finished (queued, preparing or running).
    public var active: Bool?
    /// Only runs of this project (its `projectname`).
    public var project: String?
    /// At most this many (default 50, at most 500).
    public var limit: Int?

    public init(labels: [String: String]? = nil, active: Bool? = nil, project: String? = nil, limit: Int? = nil) {
        self.labels = labels
        self.active = active
        self.project = project
        self.limit = limit
    }
}

/// The answer to `run.list`.
public struct RunListResult: Hashable, Sendable, Codable {
    public var runs: [RunSummary]

    public init(runs: [RunSummary]) {
        self.runs = runs
    }
}

/// `artifacts.download`: bring a run's artifacts into the project directory, as `ame run`
/// does when a run ends.
public struct ArtifactsDownloadParams: Hashable, Sendable, Codable {
    public var runId: String

    public init(runId: String) {
        self.runId = runId
    }
}

/// The answer to `artifacts.download`.
public struct ArtifactsDownloadResult: Hashable, Sendable, Codable {
    /// One file the user changed after the run started: the run's version went to `savedAs`.
    public struct Conflict: Hashable, Sendable, Codable {
        public var path: String
        public var savedAs: String

        public init(path: String, savedAs: String) {
            self.path = path
            self.savedAs = savedAs
        }
    }

    /// The project directory the files went to.
    public var directory: String
    /// Files written (new, or unchanged here since the run started).
    public var written: [String]
    /// Files that were already as the run left them.
    public var unchanged: [String]
    public var conflicts: [Conflict]
    /// Sentences about artifacts that were not written (a path leading outside the project).
    public var skipped: [String]

    public init(directory: String, written: [String] = [], unchanged: [String] = [], conflicts: [Conflict] = [], skipped: [String] = []) {
        self.directory = directory
        self.written = written
        self.unchanged = unchanged
        self.conflicts = conflicts
        self.skipped = skipped
    }
}
