import Foundation

/// Everything the CLI (and plugins, through it) can ask of AME, whether the engine runs in
/// this process or behind `ame-server`. The two implementations are `EmbeddedJobsAPI`
/// (AMEEngine) and `HTTPJobsAPI` (AMEClient); one contract test suite runs against both.
public protocol JobsAPI: Sendable {
    /// Who the caller is (on the embedded engine: the local user).
    func whoami() async throws -> Identity

    // MARK: Blobs
    /// The digests among `digests` that the engine does not hold yet.
    func missingBlobs(_ digests: [Digest]) async throws -> [Digest]
    /// Stores the file's content; the engine verifies it hashes to `digest`.
    func uploadBlob(_ digest: Digest, from file: URL) async throws
    /// Stores several files at once (the embedded engine flushes them to disk together).
    func uploadBlobs(_ files: [(digest: Digest, file: URL)]) async throws
    /// Writes the blob's content to `file` (atomically), verifying its digest.
    func downloadBlob(_ digest: Digest, to file: URL) async throws

    // MARK: Runs
    func submitRun(_ request: RunRequest) async throws -> RunRecord
    func listRuns(_ query: RunQuery) async throws -> RunPage
    func getRun(_ id: String) async throws -> RunRecord
    func cancelRun(_ id: String) async throws -> RunRecord
    /// The run's log from byte `offset`; with `follow`, it continues until the run ends
    /// (the stream's last event is then of kind `.end`).
    func logs(_ id: String, from offset: Int64, follow: Bool) -> AsyncThrowingStream<LogEvent, any Error>
    func artifacts(_ id: String) async throws -> [ArtifactRecord]

    /// A connection to a service run's port (`port` as the run declared it).
    func openTunnel(_ id: String, port: Int) async throws -> any ByteStream

    // MARK: Secrets
    func setSecret(_ name: String, value: Data) async throws
    func listSecrets() async throws -> [SecretInfo]
    func deleteSecret(_ name: String) async throws
}

extension JobsAPI {
    public func uploadBlobs(_ files: [(digest: Digest, file: URL)]) async throws {
        for (digest, file) in files { try await uploadBlob(digest, from: file) }
    }

    public func openTunnel(_ id: String, port: Int) async throws -> any ByteStream {
        throw APIError(.invalidRequest, "this engine cannot open tunnels to run ports")
    }
}

/// The caller, as the engine knows it.
public struct Identity: Hashable, Sendable, Codable {
    public var user: String
    public var admin: Bool
    /// "embedded" or the server's URL.
    public var server: String
    /// How the engine confines runs: "on" (every local step and build in a sandbox), "off"
    /// (as the engine's own user, seeing what it sees), "pods" (each step in a Kubernetes Pod).
    public var sandbox: String?
    /// The AME version of the engine that answered (the server's, for a server); nil from
    /// a server too old to say.
    public var version: String?

    public init(user: String, admin: Bool, server: String, sandbox: String? = nil, version: String? = nil) {
        self.user = user
        self.admin = admin
        self.server = server
        self.sandbox = sandbox
        self.version = version
    }
}

/// A secret's name and dates; its value never leaves the vault through the API.
public struct SecretInfo: Hashable, Sendable, Codable {
    public var name: String
    public var createdAt: Date
    public var updatedAt: Date

    public init(name: String, createdAt: Date, updatedAt: Date) {
        self.name = name
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }
}

/// Filters and paging for `listRuns`, newest first.
public struct RunQuery: Hashable, Sendable, Codable {
    public var limit: Int
    /// The `nextCursor` of the previous page.
    public var cursor: String?
    public var status: RunStatus?
    public var task: String?
    public var project: String?
    /// Admins only: every user's runs.
    public var allUsers: Bool

    public init(limit: Int = 50, cursor: String? = nil, status: RunStatus? = nil, task: String? = nil, project: String? = nil, allUsers: Bool = false) {
        self.limit = limit
        self.cursor = cursor
        self.status = status
        self.task = task
        self.project = project
        self.allUsers = allUsers
    }
}

public struct RunPage: Hashable, Sendable, Codable {
    public var runs: [RunRecord]
    public var nextCursor: String?

    public init(runs: [RunRecord], nextCursor: String?) {
        self.runs = runs
        self.nextCursor = nextCursor
    }
}
