import Foundation

/// The running `ame`, as a plugin sees it: host methods to call and notifications to send.
///
/// Every method is safe to call from any task. Calls made after `$/cancel` (or after a
/// task is cancelled) throw `CancellationError`.
public final class AMEHost: @unchecked Sendable {
    /// What `initialize` said about the invocation.
    public let context: SessionContext
    public let protocolVersion: Int

    private let channel: StdioChannel
    private let lock = NSLock()
    private var nextID: Int64 = 1
    private var pending: [RPCID: CheckedContinuation<JSONValue, any Error>] = [:]
    private var logHandlers: [RPCID: @Sendable (RunLogNotification) -> Void] = [:]
    private var cancelled = false
    private var disconnected = false
    private var cancelHandlers: [@Sendable () -> Void] = []
    private var jsonOutput = false

    init(channel: StdioChannel, context: SessionContext, protocolVersion: Int) {
        self.channel = channel
        self.context = context
        self.protocolVersion = protocolVersion
    }

    // MARK: Host methods

    /// Calls a host method with raw JSON. Throws the host's `RPCError` when it refuses.
    public func call(_ method: String, params: JSONValue? = nil) async throws -> JSONValue {
        try await call(method, params: params, id: reserveID())
    }

    private func reserveID() -> RPCID {
        lock.withLock {
            defer { nextID += 1 }
            return .number(nextID)
        }
    }

    private func call(_ method: String, params: JSONValue?, id: RPCID) async throws -> JSONValue {
        try Task.checkCancellation()
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                let alreadyCancelled = lock.withLock { () -> Bool in
                    if cancelled || Task.isCancelled { return true }
                    pending[id] = continuation
                    return false
                }
                if alreadyCancelled {
                    continuation.resume(throwing: CancellationError())
                    return
                }
                channel.send(.request(id: id, method: method, params: params))
            }
        } onCancel: {
            self.fail(id, with: CancellationError())
        }
    }

    /// Calls a host method with typed parameters and result.
    public func call<Result: Decodable>(_ method: String, _ params: some Encodable, as type: Result.Type) async throws -> Result {
        let value = try await call(method, params: JSONValue(encoding: params))
        return try value.decode(type)
    }

    /// The project's `ame.yaml`, parsed and validated by AME, as JSON (the same shape as
    /// `ame tasks --json` describes each task).
    public func project() async throws -> JSONValue {
        try await call(PluginMethod.projectGet, params: .object([:]))
    }

    /// Uploads the project and starts a run of `task`; answers once the run is queued.
    public func submitRun(_ params: RunSubmitParams) async throws -> RunSummary {
        try await call(PluginMethod.runSubmit, params, as: RunSummary.self)
    }

    public func getRun(_ id: String) async throws -> RunSummary {
        try await call(PluginMethod.runGet, RunReference(id: id), as: RunSummary.self)
    }

    public func cancelRun(_ id: String) async throws -> RunSummary {
        try await call(PluginMethod.runCancel, RunReference(id: id), as: RunSummary.self)
    }

    /// Streams a run's log to `onChunk`; with `follow`, returns when the run has ended.
    public func logs(_ id: String, from offset: Int64 = 0, follow: Bool = true,
                     onChunk: @escaping @Sendable (RunLogNotification) -> Void) async throws -> RunLogsResult {
        let requestID = reserveID()
        lock.withLock { logHandlers[requestID] = onChunk }
        defer { _ = lock.withLock { logHandlers.removeValue(forKey: requestID) } }
        let params = try JSONValue(encoding: RunLogsParams(id: id, from: offset, follow: follow))
        return try await call(PluginMethod.runLogs, params: params, id: requestID).decode(RunLogsResult.self)
    }

    /// A local port forwarded to `port` of a service run.
    public func openTunnel(runId: String, port: Int, localPort: Int? = nil) async throws -> TunnelInfo {
        try await call(PluginMethod.tunnelOpen, TunnelOpenParams(runId: runId, port: port, localPort: localPort), as: TunnelInfo.self)
    }

    /// The user's runs, newest first, filtered by labels, state and project.
    public func listRuns(_ params: RunListParams) async throws -> [RunSummary] {
        try await call(PluginMethod.runList, params, as: RunListResult.self).runs
    }

    /// Brings the run's artifacts into the project directory (the nearest `ame.yaml` up
    /// from the working directory), as `ame run` does when a run ends.
    public func downloadArtifacts(runId: String) async throws -> ArtifactsDownloadResult {
        try await call(PluginMethod.artifactsDownload, ArtifactsDownloadParams(runId: runId), as: ArtifactsDownloadResult.self)
    }

    /// Host calls that still go through after `$/cancel`, for what a command must do on its
    /// way out when the user presses Ctrl-C: cancel the runs it started, bring back their
    /// files. They fail only when AME itself has gone.
    public var cleanup: AMEHostCleanup { AMEHostCleanup(host: self) }

    /// A call that ignores cancellation (of the session and of the calling task).
    func uncancellableCall(_ method: String, params: JSONValue?) async throws -> JSONValue {
        let id = reserveID()
        return try await withCheckedThrowingContinuation { continuation in
            let gone = lock.withLock { () -> Bool in
                if disconnected { return true }
                pending[id] = continuation
                return false
            }
            if gone {
                continuation.resume(throwing: CancellationError())
                return
            }
            channel.send(.request(id: id, method: method, params: params))
        }
    }

    /// Sets `image:` of `task` (or of its pipeline step `step`) in the project's `ame.yaml`.
    public func setImage(task: String, step: String? = nil, image: String) async throws -> ProjectSetImageResult {
        try await call(PluginMethod.projectSetImage, ProjectSetImageParams(task: task, step: step, image: image), as: ProjectSetImageResult.self)
    }

    /// The tags of an image repository, from its registry.
    public func registryTags(_ repository: String, insecure: Bool? = nil) async throws -> RegistryTagsResult {
        try await call(PluginMethod.registryTags, RegistryTagsParams(repository: repository, insecure: insecure), as: RegistryTagsResult.self)
    }

    /// The user's credentials for `registry` (a host or an image reference).
    public func registryCredentials(_ registry: String, secret: String? = nil) async throws -> RegistryCredentialsResult {
        try await call(PluginMethod.registryCredentials, RegistryCredentialsParams(registry: registry, secret: secret), as: RegistryCredentialsResult.self)
    }

    // MARK: Notifications

    /// Text for the user's stdout, followed by a newline.
    public func print(_ text: String) {
        write(text + "\n")
    }

    /// Text for the user's stdout, exactly as given (nothing when `printsJSON`).
    public func write(_ text: String) {
        guard !printsJSON else { return }
        channel.send(.notification(method: PluginMethod.output, params: OutputParams(text: text).json))
    }

    /// Set by a command given `--json`: its text for stdout is left out, and when it ends the
    /// runtime prints the outcome's `data` as one JSON document instead (every command that
    /// prints data takes `--json`). Messages (`log`) still go to stderr.
    public var printsJSON: Bool {
        get { lock.withLock { jsonOutput } }
        set { lock.withLock { jsonOutput = newValue } }
    }

    /// `data` as one line of JSON on the user's stdout.
    func writeJSON(_ data: JSONValue) {
        var bytes = JSONWriter.write(data)
        bytes.append(0x0A)
        channel.send(.notification(method: PluginMethod.output, params: OutputParams(text: String(decoding: bytes, as: UTF8.self)).json))
    }

    public func log(_ message: String, level: LogParams.Level = .info) {
        channel.send(.notification(method: PluginMethod.log, params: LogParams(level: level, message: message).json))
    }

    public func progress(_ title: String, done: Int64, total: Int64, detail: String? = nil) {
        channel.send(.notification(method: PluginMethod.progress, params: ProgressParams(title: title, done: done, total: total, detail: detail).json))
    }

    public func finishProgress(_ title: String) {
        channel.send(.notification(method: PluginMethod.progress, params: ProgressParams(title: title, finished: true).json))
    }

    public func notify(_ method: String, _ params: some Encodable) {
        guard let value = try? JSONValue(encoding: params) else { return }
        channel.send(.notification(method: method, params: value))
    }

    // MARK: Cancellation

    /// True once AME has sent `$/cancel` (the user pressed Ctrl-C).
    public var isCancelled: Bool { lock.withLock { cancelled } }

    /// Runs `handler` when AME asks the plugin to stop (at once if it already has).
    public func onCancel(_ handler: @escaping @Sendable () -> Void) {
        let runNow = lock.withLock { () -> Bool in
            if cancelled { return true }
            cancelHandlers.append(handler)
            return false
        }
        if runNow { handler() }
    }

    // MARK: Incoming (called by the runtime's reader)

    func receive(_ message: RPCMessage) {
        switch message {
        case .response(let id, let result):
            let continuation = lock.withLock { pending.removeValue(forKey: id) }
            switch result {
            case .success(let value): continuation?.resume(returning: value)
            case .failure(let error): continuation?.resume(throwing: error)
            }
        case .notification(PluginMethod.cancel, _):
            cancel()
        case .notification(PluginMethod.runLog, let params?):
            guard let chunk = try? params.decode(RunLogNotification.self) else { return }
            let handler = lock.withLock { logHandlers[chunk.request] }
            handler?(chunk)
        case .request(let id, let method, _):
            channel.send(.response(id: id, result: .failure(RPCError(.methodNotFound, "this plugin has no method '\(method)'"))))
        case .notification:
            break // Unknown notifications are ignored, as JSON-RPC asks.
        }
    }

    func cancel() {
        let (handlers, waiting) = lock.withLock { () -> ([@Sendable () -> Void], [CheckedContinuation<JSONValue, any Error>]) in
            guard !cancelled else { return ([], []) }
            cancelled = true
            defer { cancelHandlers = []; pending = [:] }
            return (cancelHandlers, Array(pending.values))
        }
        waiting.forEach { $0.resume(throwing: CancellationError()) }
        handlers.forEach { $0() }
    }

    /// AME went away (stdin closed): nothing pending can be answered any more.
    func disconnect() {
        let waiting = lock.withLock { () -> [CheckedContinuation<JSONValue, any Error>] in
            disconnected = true
            defer { pending = [:] }
            return Array(pending.values)
        }
        waiting.forEach { $0.resume(throwing: CancellationError()) }
        cancel()
    }

    private func fail(_ id: RPCID, with error: any Error) {
        let continuation = lock.withLock { pending.removeValue(forKey: id) }
        continuation?.resume(throwing: error)
    }
}

/// The host calls a command may still make after `$/cancel` (see `AMEHost.cleanup`).
public struct AMEHostCleanup: Sendable {
    let host: AMEHost

    public func call(_ method: String, params: JSONValue? = nil) async throws -> JSONValue {
        try await host.uncancellableCall(method, params: params)
    }

    public func call<Result: Decodable>(_ method: String, _ params: some Encodable, as type: Result.Type) async throws -> Result {
        try await call(method, params: JSONValue(encoding: params)).decode(type)
    }

    public func getRun(_ id: String) async throws -> RunSummary {
        try await call(PluginMethod.runGet, RunReference(id: id), as: RunSummary.self)
    }

    public func cancelRun(_ id: String) async throws -> RunSummary {
        try await call(PluginMethod.runCancel, RunReference(id: id), as: RunSummary.self)
    }

    public func downloadArtifacts(runId: String) async throws -> ArtifactsDownloadResult {
        try await call(PluginMethod.artifactsDownload, ArtifactsDownloadParams(runId: runId), as: ArtifactsDownloadResult.self)
    }
}
