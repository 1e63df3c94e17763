import AMECore
import AMEPluginKit
import Foundation

/// Answers the host methods a plugin calls during its session. Every failure becomes a
/// JSON-RPC error with a sentence and a hint, never a crash of the session.
struct PluginHostMethods: Sendable {
    let pluginName: String
    let context: CommandContext
    let services: PluginServices

    /// `notify` sends a notification to the plugin (the `run.log` stream).
    func handle(id: RPCID, method: String, params: JSONValue?, notify: @escaping @Sendable (RPCMessage) -> Void) async -> Result<JSONValue, RPCError> {
        do {
            switch method {
            case PluginMethod.projectGet:
                return .success(try projectDocument())
            case PluginMethod.runSubmit:
                let submit: RunSubmitParams = try decode(params, method: method)
                return .success(try JSONValue(encoding: try await services.submitProject(try submission(for: submit))))
            case PluginMethod.runGet:
                let reference: RunReference = try decode(params, method: method)
                return .success(try JSONValue(encoding: try await services.jobsAPI().getRun(reference.id)))
            case PluginMethod.runCancel:
                let reference: RunReference = try decode(params, method: method)
                return .success(try JSONValue(encoding: try await services.jobsAPI().cancelRun(reference.id)))
            case PluginMethod.runLogs:
                let request: RunLogsParams = try decode(params, method: method)
                return .success(try JSONValue(encoding: try await streamLogs(request, requestID: id, notify: notify)))
            case PluginMethod.tunnelOpen:
                let request: TunnelOpenParams = try decode(params, method: method)
                return .success(try JSONValue(encoding: try await services.openTunnel(request)))
            case PluginMethod.runList:
                let request: RunListParams = try decode(params, method: method)
                return .success(try JSONValue(encoding: RunListEnvelope(runs: try await listRuns(request))))
            case PluginMethod.artifactsDownload:
                let request: ArtifactsDownloadParams = try decode(params, method: method)
                return .success(try JSONValue(encoding: try await services.downloadArtifacts(request.runId)))
            case PluginMethod.projectSetImage:
                let request: ProjectSetImageParams = try decode(params, method: method)
                return .success(try JSONValue(encoding: try setImage(request)))
            case PluginMethod.registryTags:
                let request: RegistryTagsParams = try decode(params, method: method)
                return .success(try JSONValue(encoding: try await registryTags(request)))
            case PluginMethod.registryCredentials:
                let request: RegistryCredentialsParams = try decode(params, method: method)
                return .success(try JSONValue(encoding: try await registryCredentials(request)))
            default:
                return .failure(RPCError(.methodNotFound, "AME has no host method '\(method)'",
                                         hint: "host methods: \(PluginMethod.hostMethods.joined(separator: ", "))"))
            }
        } catch {
            return .failure(Self.rpcError(for: error))
        }
    }

    // MARK: project.get

    /// What `project.get` answers: the parsed and validated `ame.yaml`.
    struct ProjectDocument: Encodable {
        var projectName: String
        var directory: String
        var file: String
        var tasks: [TaskSpec]
        /// As `ame tasks --json` shows them, without the next firing.
        var recurringTasks: [TasksCommand.Schedule]
    }

    func projectDocument() throws -> JSONValue {
        let location = try ProjectLocation.find(file: nil, directory: nil, context: context)
        guard FileManager.default.fileExists(atPath: location.file.path) else {
            throw RPCError(.invalidProject, "there is no \(ProjectFile.fileName) in \(context.workingDirectory.path) or any folder above it",
                           hint: "run the plugin inside a project, or create one with 'ame create project'")
        }
        let project = try ProjectLoader(location: location, context: context).load()
        return try JSONValue(encoding: ProjectDocument(
            projectName: project.projectName, directory: location.directory.path, file: location.file.path,
            tasks: project.tasks,
            recurringTasks: project.recurringTasks.map {
                TasksCommand.Schedule(name: $0.name, taskRef: $0.taskRef, schedule: $0.schedule, timezone: $0.timezone, nextFiring: nil)
            }))
    }

    // MARK: run.submit

    func submission(for params: RunSubmitParams) throws -> PluginRunSubmission {
        let location = try ProjectLocation.find(file: nil, directory: nil, context: context)
        guard FileManager.default.fileExists(atPath: location.file.path) else {
            throw RPCError(.invalidProject, "there is no \(ProjectFile.fileName) in \(context.workingDirectory.path) or any folder above it",
                           hint: "run the plugin inside a project, or create one with 'ame create project'")
        }
        func variables(_ values: [String: String]?) throws -> [EnvVar] {
            try (values ?? [:]).sorted(by: { $0.key < $1.key }).map { key, value in
                guard EnvVar.isValidKey(key) else {
                    throw RPCError(.invalidParams, "'\(key)' is not a valid environment variable name",
                                   hint: "use letters, digits and underscores, not starting with a digit")
                }
                return EnvVar(key: key, value: value)
            }
        }
        let env = try variables(params.env)
        let secretEnv = try variables(params.secretEnv)
        for port in params.ports ?? [] where !(0...65535).contains(port.port) {
            throw RPCError(.invalidParams, "\(port.port) is not a port number", hint: "give ports from 1 to 65535, or 0 for a free one")
        }
        if let seconds = params.idleTimeoutSeconds, seconds <= 0 {
            throw RPCError(.invalidParams, "idleTimeoutSeconds must be positive")
        }
        var resources: Resources?
        if let requested = params.resources {
            do {
                resources = try JSONValue(encoding: requested).decode(Resources.self)
            } catch {
                throw RPCError(.invalidParams, "the resources of run.submit cannot be read: \(error)",
                               hint: "write them as in ame.yaml: {\"cpu\": \"2\", \"memory\": \"8Gi\", \"gpus\": 1}")
            }
        }
        var dependencies: DependencyManager?
        if let text = params.dependencies {
            guard let manager = DependencyManager(rawValue: text) else {
                throw RPCError(.invalidParams, "'\(text)' is not a way to build the environment",
                               hint: "dependencies takes \(DependencyManager.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            dependencies = manager
        }
        var labels = params.labels ?? [:]
        labels["plugin"] = pluginName
        return PluginRunSubmission(
            task: params.task, projectDirectory: location.directory, projectFile: location.file.lastPathComponent,
            env: env, command: params.command, resources: resources,
            ports: (params.ports ?? []).map { PortSpec(port: $0.port, name: $0.name) }, labels: labels,
            secretEnv: secretEnv, extraPackages: params.extraPackages ?? [], image: params.image,
            idleTimeoutSeconds: params.idleTimeoutSeconds, dependencies: dependencies)
    }

    // MARK: run.list

    /// What `run.list` answers: full run records (`RunSummary` reads what it needs of them).
    struct RunListEnvelope: Encodable {
        var runs: [RunRecord]
    }

    /// Pages through the caller's runs, newest first, keeping those that match; stops after
    /// `limit` matches or a few thousand runs looked at.
    func listRuns(_ request: RunListParams) async throws -> [RunRecord] {
        let api = try services.jobsAPI()
        let limit = min(max(request.limit ?? 50, 1), 500)
        let wanted = request.labels ?? [:]
        var found: [RunRecord] = []
        var cursor: String?
        var looked = 0
        repeat {
            let page = try await api.listRuns(RunQuery(limit: 200, cursor: cursor, project: request.project))
            for run in page.runs {
                if request.active == true && !run.status.isActive { continue }
                if !wanted.allSatisfy({ run.labels?[$0.key] == $0.value }) { continue }
                found.append(run)
                if found.count == limit { break }
            }
            looked += page.runs.count
            cursor = page.nextCursor
        } while cursor != nil && found.count < limit && looked < 5000
        return found
    }

    // MARK: run.logs

    func streamLogs(_ request: RunLogsParams, requestID: RPCID, notify: @escaping @Sendable (RPCMessage) -> Void) async throws -> RunLogsResult {
        let api = try services.jobsAPI()
        var next = request.from ?? 0
        var exitCode: Int32?
        for try await event in api.logs(request.id, from: next, follow: request.follow ?? true) {
            try Task.checkCancellation()
            next = event.next
            if event.kind == .end {
                exitCode = event.exitCode
                continue
            }
            let chunk = RunLogNotification(request: requestID, runId: request.id, offset: event.offset, next: event.next,
                                           kind: event.kind.rawValue, step: event.step, text: event.text)
            if let params = try? JSONValue(encoding: chunk) {
                notify(.notification(method: PluginMethod.runLog, params: params))
            }
        }
        return RunLogsResult(next: next, exitCode: exitCode)
    }

    // MARK: Errors

    func decode<T: Decodable>(_ params: JSONValue?, method: String) throws -> T {
        do {
            return try (params ?? .object([:])).decode(T.self)
        } catch let error as DecodingError {
            throw RPCError(.invalidParams, "the parameters of \(method) are wrong: \(PluginHandshake.describe(error))",
                           hint: "see docs/plugins.md for \(method)")
        }
    }

    static func rpcError(for error: any Error) -> RPCError {
        switch error {
        case let rpc as RPCError:
            return rpc
        case let api as APIError:
            let code: RPCErrorCode = switch api.code {
            case .notFound: .notFound
            case .invalidProject: .invalidProject
            case .unavailable: .unavailable
            case .invalidRequest: .invalidParams
            default: .hostFailure
            }
            return RPCError(code, api.message, hint: api.hint)
        case let failure as DiagnosticsFailure:
            let errors = failure.diagnostics.filter { $0.severity == .error }
            let first = errors.first.map { $0.rendered(source: nil) } ?? "the project file is invalid"
            return RPCError(.invalidProject, "\(ProjectFile.fileName) has \(errors.count) error\(errors.count == 1 ? "" : "s"); the first: \(first)",
                            hint: "run 'ame validate' to see them all")
        case let unavailable as ServiceUnavailable:
            return RPCError(.unavailable, unavailable.message, hint: unavailable.hint)
        case let cli as CLIError:
            return RPCError(.hostFailure, cli.message, hint: cli.hint)
        case is CancellationError:
            return RPCError(.cancelled, "the host call was cancelled")
        default:
            return RPCError(.hostFailure, "\(error)")
        }
    }
}
