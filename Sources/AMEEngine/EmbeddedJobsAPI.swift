import AMECore
import AMESystem
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The jobs API served by the engine in this process: what `ame` uses when no server is
/// set up, and what `ame-server` wraps in HTTP (with `owner` set per request).
public struct EmbeddedJobsAPI: JobsAPI {
    public let engine: Engine
    public let launcher: any RunLauncher
    public let owner: String
    public let isAdmin: Bool
    public let serverName: String
    /// What `whoami` says of how runs are confined ("on", "off", "pods").
    public let sandbox: String
    /// Whether the engine's own failures (its blob and log stores') leave as `APIError`s, as
    /// the CLI's embedded engine needs; `ame-server` passes them on to its error middleware,
    /// which translates them alike but keeps the details for its log.
    public let translatesEngineFailures: Bool

    public init(engine: Engine, launcher: any RunLauncher, owner: String, isAdmin: Bool = true, serverName: String = "embedded",
                sandbox: String? = nil, translatesEngineFailures: Bool = true) {
        self.engine = engine
        self.launcher = launcher
        self.owner = owner
        self.isAdmin = isAdmin
        self.serverName = serverName
        self.sandbox = sandbox ?? (engine.configuration.sandbox ? "on" : "off")
        self.translatesEngineFailures = translatesEngineFailures
    }

    public func whoami() async throws -> Identity {
        Identity(user: owner, admin: isAdmin, server: serverName, sandbox: sandbox, version: BuildInfo.version)
    }

    // MARK: Blobs

    public func missingBlobs(_ digests: [Digest]) async throws -> [Digest] {
        try reportingAsAPI { try engine.missingBlobs(digests, owner: owner) }
    }

    public func uploadBlob(_ digest: Digest, from file: URL) async throws {
        try reportingAsAPI { try engine.putBlob(fileAt: file, digest: digest, owner: owner) }
    }

    public func uploadBlobs(_ files: [(digest: Digest, file: URL)]) async throws {
        try reportingAsAPI { try engine.putBlobs(files, owner: owner) }
    }

    /// Records the caller's claim on blobs stored in this process (a `BlobBatchWriter` of
    /// this engine's store, which hashed what it stored).
    public func claimStoredBlobs(_ digests: some Collection<Digest>) throws {
        try engine.store.claimBlobs(digests.filter { engine.blobs.contains($0) }, owner: owner)
    }

    public func downloadBlob(_ digest: Digest, to file: URL) async throws {
        try reportingAsAPI {
            _ = try engine.readableBlob(digest, owner: owner, isAdmin: isAdmin)
            try engine.blobs.copy(digest, to: file, executable: false)
        }
    }

    /// The engine's own failures as `APIError`s (`APIError.fromEngine`), as a server reports
    /// them: the CLI never sees the engine's error types.
    func reportingAsAPI<Value>(_ body: () throws -> Value) throws -> Value {
        do {
            return try body()
        } catch {
            throw translatesEngineFailures ? APIError.fromEngine(error) : error
        }
    }

    // MARK: Runs

    public func submitRun(_ request: RunRequest) async throws -> RunRecord {
        let run = try engine.submit(request, owner: owner, executor: launcher.executorKind)
        Trace.mark("submit: stored")
        do {
            try launcher.launch(run, engine: engine)
            Trace.mark("submit: launched")
        } catch {
            let reason = "could not start the run agent: \(error)"
            try? engine.store.setStatus(run.id, .failed, reason: reason, exitCode: 1)
            throw APIError(.internal, reason)
        }
        return try await getRun(run.id)
    }

    /// The run, if the caller may see it (another user's run reads as not found).
    func visibleRun(_ id: String) throws -> StoredRun {
        guard RunID.isWellFormed(id), let run = try engine.store.storedRun(id), isAdmin || run.record.owner == owner else {
            throw APIError.notFound("run \(id)", hint: "list your runs with 'ame runs'")
        }
        return run
    }

    public func listRuns(_ query: RunQuery) async throws -> RunPage {
        RunRecovery(engine: engine).recoverLostRuns()
        let scope = (isAdmin && query.allUsers) ? nil : owner
        var page = try engine.store.listRuns(owner: scope, query: query)
        for index in page.runs.indices {
            page.runs[index].logSize = engine.logs.size(runID: page.runs[index].id)
        }
        return page
    }

    public func getRun(_ id: String) async throws -> RunRecord {
        var run = try visibleRun(id)
        if run.record.status.isActive, RunRecovery(engine: engine).isLost(run, now: Date()) {
            RunRecovery(engine: engine).recoverLostRuns()
            run = try visibleRun(id)
        }
        var record = run.record
        record.logSize = engine.logs.size(runID: id)
        return record
    }

    public func cancelRun(_ id: String) async throws -> RunRecord {
        let run = try visibleRun(id)
        guard run.record.status.isActive else { return run.record }
        try engine.store.requestCancel(id)
        if launcher.cancel(run) {
            // Carried in this process (a Kubernetes run): its coordinator deletes the Pod
            // and records the run as cancelled.
        } else if let pid = run.agentPID, ProcessTable.isAlive(pid: pid, startTime: run.agentStartTime) {
            kill(pid, SIGTERM)
        } else {
            // No agent to do it: the run is cancelled here.
            engine.endRun(id, Engine.RunEnding(.cancelled, reason: "cancelled", exitCode: 130))
        }
        return try await getRun(id)
    }

    public func logs(_ id: String, from offset: Int64, follow: Bool) -> AsyncThrowingStream<LogEvent, any Error> {
        let engine = self.engine
        let translates = translatesEngineFailures
        let visible = Result { try visibleRun(id) }
        return AsyncThrowingStream { continuation in
            let task = Task {
                do {
                    _ = try visible.get()
                    if try engine.store.isPruned(id) {
                        let days = engine.configuration.runRetentionSeconds.map { " \($0 / 86400) days" } ?? ""
                        throw APIError(.notFound, "the log of run \(id) was removed",
                                       hint: "the server keeps the logs of finished runs for\(days) (retention in its settings); the run's status and files remain: ame status \(id), ame pull \(id)")
                    }
                    if !follow {
                        var cursor = offset
                        while true {
                            let chunk = try engine.logs.read(runID: id, from: cursor)
                            for event in chunk.events { continuation.yield(event) }
                            if chunk.events.isEmpty || chunk.next == cursor { break }
                            cursor = chunk.next
                        }
                        continuation.finish()
                        return
                    }
                    // Follow until the end record; meanwhile check that the run's agent is
                    // alive, so a crashed agent ends the stream (recovery writes the end).
                    let watchdog = Task {
                        while !Task.isCancelled {
                            try? await Task.sleep(for: .seconds(1))
                            if let run = try? engine.store.storedRun(id), run.record.status.isActive,
                               RunRecovery(engine: engine).isLost(run, now: Date()) {
                                RunRecovery(engine: engine).recoverLostRuns()
                            }
                        }
                    }
                    defer { watchdog.cancel() }
                    for try await event in engine.logs.follow(runID: id, from: offset) {
                        continuation.yield(event)
                    }
                    continuation.finish()
                } catch {
                    continuation.finish(throwing: translates ? APIError.fromEngine(error) : error)
                }
            }
            continuation.onTermination = { _ in task.cancel() }
        }
    }

    public func artifacts(_ id: String) async throws -> [ArtifactRecord] {
        _ = try visibleRun(id)
        return try engine.store.artifacts(id)
    }

    public func openTunnel(_ id: String, port: Int) async throws -> any ByteStream {
        let run = try checkTunnel(id, port: port)
        return try await launcher.connectService(run, port: port)
    }

    /// Whether `openTunnel` may dial run `id`'s `port`: the caller sees the run, it is still
    /// active, and it declares the port. The server asks before upgrading to a WebSocket.
    @discardableResult
    public func checkTunnel(_ id: String, port: Int) throws -> StoredRun {
        let run = try visibleRun(id)
        guard run.record.status.isActive else {
            throw APIError(.conflict, "run \(id) has ended (\(run.record.status.rawValue)); its ports are closed")
        }
        guard run.record.ports.contains(where: { $0.port == port }) else {
            let ports = run.record.ports.map { String($0.port) }
            throw APIError(.notFound, "run \(id) has no port \(port)",
                           hint: ports.isEmpty ? "the run is not a service (it declares no ports)" : "its ports: \(ports.joined(separator: ", "))")
        }
        return run
    }

    // MARK: Secrets

    public func setSecret(_ name: String, value: Data) async throws {
        try engine.vault.set(owner: owner, name: name, value: value)
    }

    public func listSecrets() async throws -> [SecretInfo] {
        try engine.vault.list(owner: owner)
    }

    public func deleteSecret(_ name: String) async throws {
        guard try engine.vault.delete(owner: owner, name: name) else {
            throw APIError.notFound("secret '\(name)'", hint: "list secrets with 'ame secret list'")
        }
    }
}
