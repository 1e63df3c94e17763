import Foundation

/// A project the server schedules: a git repository it polls, or a project a user pushed
/// (`ame schedule push`). What `ame project list` shows.
public struct TrackedSource: Hashable, Sendable, Codable {
    public enum Kind: String, Hashable, Sendable, Codable {
        case git
        case push
    }

    /// "src_…": stable across renames of the repository.
    public var id: String
    /// Short name: the repository's last path component, or the pushed project's name.
    public var name: String
    public var owner: String
    public var kind: Kind
    /// The git URL as given (never with credentials in it); nil for pushed projects.
    public var url: String?
    /// The branch tracked; nil: the repository's default branch (its HEAD).
    public var branch: String?
    /// The AME secret holding the credentials (HTTPS token or SSH key); its name only.
    public var secret: String?
    public var intervalSeconds: Int
    /// The commit last fetched (for pushed projects: nil).
    public var lastCommit: String?
    public var lastCheckedAt: Date?
    /// Whether the last commit seen has an `ame.yaml`.
    public var hasProjectFile: Bool
    /// Problems of the newest `ame.yaml`; empty when it is valid. While it has errors, the
    /// schedules of the last valid one keep running.
    public var diagnostics: [Diagnostic]
    /// The commit whose `ame.yaml` the registered schedules come from.
    public var scheduledCommit: String?
    /// Names of the schedules registered from this source.
    public var schedules: [String]
    /// The last fetch or registration problem (git's message, credentials removed).
    public var lastError: String?
    public var createdAt: Date

    public init(id: String, name: String, owner: String, kind: Kind, url: String?, branch: String?, secret: String?,
                intervalSeconds: Int, lastCommit: String? = nil, lastCheckedAt: Date? = nil, hasProjectFile: Bool = false,
                diagnostics: [Diagnostic] = [], scheduledCommit: String? = nil, schedules: [String] = [],
                lastError: String? = nil, createdAt: Date) {
        self.id = id
        self.name = name
        self.owner = owner
        self.kind = kind
        self.url = url
        self.branch = branch
        self.secret = secret
        self.intervalSeconds = intervalSeconds
        self.lastCommit = lastCommit
        self.lastCheckedAt = lastCheckedAt
        self.hasProjectFile = hasProjectFile
        self.diagnostics = diagnostics
        self.scheduledCommit = scheduledCommit
        self.schedules = schedules
        self.lastError = lastError
        self.createdAt = createdAt
    }

    /// "no ame.yaml", "valid", "invalid (2 errors)": the validation column of `ame project list`.
    public var validationSummary: String {
        if lastCommit == nil && kind == .git { return lastError == nil ? "not fetched yet" : "fetch failed" }
        guard hasProjectFile else { return "no ame.yaml" }
        let errors = diagnostics.filter { $0.severity == .error }.count
        return errors == 0 ? "valid" : "invalid (\(errors) error\(errors == 1 ? "" : "s"))"
    }
}
