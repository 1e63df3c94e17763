import AMECore
import AMEEngine
import Foundation
import Hummingbird

/// `/v1/projects`: the caller's tracked git repositories: track (fetched once before the
/// answer, so a wrong URL or credential fails here), list, untrack.
enum ProjectRoutes {
    struct ProjectList: Codable { var projects: [TrackedSource] }

    static func add(to group: RouterGroup<AMERequestContext>, state: ServerState) {
        group.get("projects") { _, context in
            let caller = try context.requireCaller()
            return try JSONResponse.make(ProjectList(projects: try state.scheduler.store.sources(owner: caller.user)))
        }

        group.post("projects") { request, context in
            let caller = try context.requireCaller()
            var request = request
            let body = try await request.decodeJSON(TrackRequest.self, limit: 64 << 10)
            let source = try await state.scheduler.track(body, owner: caller.user)
            context.logger.info("project tracked", metadata: ["source": "\(source.id)", "user": "\(caller.user)"])
            return try JSONResponse.make(source, status: .created)
        }

        group.delete("projects/{id}") { _, context in
            let caller = try context.requireCaller()
            let source = try state.scheduler.untrack(context.parameters.get("id") ?? "", owner: caller.user)
            context.logger.info("project untracked", metadata: ["source": "\(source.id)", "user": "\(caller.user)"])
            return try JSONResponse.make(source)
        }
    }
}
