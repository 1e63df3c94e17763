import AMECore
import AMEEngine
import Foundation
import Hummingbird

/// `/v1/runs`: submit, list (paged), get, cancel, artifacts. Another user's run reads as
/// not found (the engine's jobs API decides); admins see every run.
enum RunRoutes {
    struct ArtifactList: Codable { var artifacts: [ArtifactRecord] }

    static func add(to group: RouterGroup<AMERequestContext>, state: ServerState) {
        group.post("runs") { request, context in
            let api = state.api(for: try context.requireCaller())
            var request = request
            let runRequest = try await request.decodeJSON(RunRequest.self, limit: 48 << 20)
            if let deferred = state.launcher as? DeferredRunLauncher { await deferred.waitForRoom() }
            let record = try await api.submitRun(runRequest)
            state.metrics.runSubmitted()
            return try JSONResponse.make(record, status: .created)
        }

        group.get("runs") { request, context in
            let api = state.api(for: try context.requireCaller())
            return try JSONResponse.make(try await api.listRuns(try query(from: request)))
        }

        group.get("runs/{id}") { _, context in
            let api = state.api(for: try context.requireCaller())
            return try JSONResponse.make(try await api.getRun(try runID(context)))
        }

        group.post("runs/{id}/cancel") { _, context in
            let api = state.api(for: try context.requireCaller())
            return try JSONResponse.make(try await api.cancelRun(try runID(context)))
        }

        group.get("runs/{id}/artifacts") { _, context in
            let api = state.api(for: try context.requireCaller())
            return try JSONResponse.make(ArtifactList(artifacts: try await api.artifacts(try runID(context))))
        }

        group.get("runs/{id}/logs") { request, context in
            let api = state.api(for: try context.requireCaller())
            let id = try runID(context)
            // Visibility first: another user's run is a 404 before any byte is streamed.
            _ = try await api.getRun(id)
            let from = try integer(request, "from") ?? 0
            guard from >= 0 else { throw APIError(.invalidRequest, "'from' must be 0 or more") }
            let follow = try boolean(request, "follow") ?? false
            return try LogStreaming.response(engine: state.engine, api: api, runID: id, from: from, follow: follow)
        }
    }

    static func runID(_ context: AMERequestContext) throws -> String {
        let id = context.parameters.get("id") ?? ""
        guard RunID.isWellFormed(id) else {
            throw APIError.notFound("run \(id)", hint: "list your runs with 'ame runs'")
        }
        return id
    }

    static func query(from request: Request) throws -> RunQuery {
        var query = RunQuery()
        if let limit = try integer(request, "limit") {
            guard (1...500).contains(limit) else { throw APIError(.invalidRequest, "'limit' must be between 1 and 500", hint: "page on with 'cursor'") }
            query.limit = Int(limit)
        }
        query.cursor = request.queryValue("cursor").flatMap { $0.isEmpty ? nil : $0 }
        if let status = request.queryValue("status"), !status.isEmpty {
            guard let value = RunStatus(rawValue: status) else {
                throw APIError(.invalidRequest, "'\(status)' is not a run status",
                               hint: "one of: \(RunStatus.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            query.status = value
        }
        query.task = request.queryValue("task").flatMap { $0.isEmpty ? nil : $0 }
        query.project = request.queryValue("project").flatMap { $0.isEmpty ? nil : $0 }
        query.allUsers = try boolean(request, "all") ?? false
        return query
    }

    static func integer(_ request: Request, _ name: String) throws -> Int64? {
        guard let text = request.queryValue(name) else { return nil }
        guard let value = Int64(text) else { throw APIError(.invalidRequest, "'\(name)' must be a whole number, not '\(text)'") }
        return value
    }

    static func boolean(_ request: Request, _ name: String) throws -> Bool? {
        guard let text = request.queryValue(name) else { return nil }
        switch text.lowercased() {
        case "true", "1", "yes", "": return true
        case "false", "0", "no": return false
        default: throw APIError(.invalidRequest, "'\(name)' must be true or false, not '\(text)'")
        }
    }
}
