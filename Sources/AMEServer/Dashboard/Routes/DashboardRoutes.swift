import AMECore
import AMEEngine
import Foundation
import Hummingbird
import NIOCore

/// The web dashboard at `/`: server-rendered pages over the same engine calls as the API
/// (`state.api(for:)`), so a user sees only their runs and an admin sees everyone's.
/// Browsers authenticate with a session cookie made at sign-in, not a bearer token.
enum DashboardRoutes {
    /// The first path segments the dashboard serves; the API's bearer-token check leaves
    /// these to `DashboardMiddleware`.
    static let sections: Set<String> = ["signin", "signout", "runs", "secrets", "schedules", "projects", "assets", "favicon.ico"]

    static func owns(_ path: String) -> Bool {
        if path == "/" { return true }
        let first = path.dropFirst().split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
        return path.hasPrefix("/") && sections.contains(String(first))
    }

    static func add(to router: Router<AMERequestContext>, state: ServerState) {
        let open = router.group().add(middleware: DashboardMiddleware(state: state, requireSession: false))
        let pages = router.group().add(middleware: DashboardMiddleware(state: state, requireSession: true))
        SignInRoutes.add(open: open, pages: pages, state: state)
        DashboardAssets.add(to: open)
        open.get("/") { _, _ in DashboardResponse.redirect(to: "/runs") }

        pages.get("runs") { request, context in
            let session = try context.requireSession()
            var query = try RunRoutes.query(from: request)
            let limitGiven = request.queryValue("limit") != nil
            if !limitGiven { query.limit = 25 }
            let page = try await state.api(for: session.caller).listRuns(query)
            return DashboardResponse.html(RunsPage.render(page, query: query, limitGiven: limitGiven, session: session,
                                                          serverName: state.dashboardServerLabel))
        }

        pages.get("runs/{id}") { _, context in
            let session = try context.requireSession()
            let api = state.api(for: session.caller)
            let id = try RunRoutes.runID(context)
            let run = try await api.getRun(id)
            let artifacts = try await api.artifacts(id)
            // The start of the log goes into the page (readable without JavaScript); the
            // script follows on from where this stopped.
            let chunk = try state.engine.logs.read(runID: id, from: 0, maxBytes: 256 << 10)
            let log = RunDetailPage.LogStart(events: chunk.events, next: chunk.next, ended: chunk.ended)
            return DashboardResponse.html(RunDetailPage.render(run, artifacts: artifacts, log: log, session: session,
                                                               serverName: state.dashboardServerLabel))
        }

        // The log as the API streams it (NDJSON, `from` and `follow`), for the page's script.
        pages.get("runs/{id}/log") { request, context in
            let api = state.api(for: try context.requireSession().caller)
            let id = try RunRoutes.runID(context)
            _ = try await api.getRun(id)
            let from = try RunRoutes.integer(request, "from") ?? 0
            guard from >= 0 else { throw APIError(.invalidRequest, "'from' must be 0 or more") }
            let follow = try RunRoutes.boolean(request, "follow") ?? false
            return try LogStreaming.response(engine: state.engine, api: api, runID: id, from: from, follow: follow)
        }

        pages.get("runs/{id}/download") { request, context in
            let api = state.api(for: try context.requireSession().caller)
            let id = try RunRoutes.runID(context)
            guard let path = request.queryValue("path"), !path.isEmpty else {
                throw APIError(.invalidRequest, "which file? the link needs '?path=FILE'", hint: "use the links on the run's page")
            }
            guard let artifact = try await api.artifacts(id).first(where: { $0.path == path }) else {
                throw APIError.notFound("artifact '\(path)' of run \(id)", hint: "the run's page lists its artifacts")
            }
            guard let file = state.engine.blobs.path(for: artifact.digest) else {
                throw APIError(.notFound, "the content of '\(path)' is no longer stored", hint: "run the task again")
            }
            try state.engine.blobs.checkIntegrity(artifact.digest)
            var response = try BlobRoutes.fileResponse(file, contentType: "application/octet-stream", digest: artifact.digest)
            response.headers[.contentDisposition] = contentDisposition(filename: path)
            return response
        }

        pages.post("runs/{id}/cancel") { request, context in
            let session = try context.requireSession()
            try DashboardMiddleware.checkCSRF(try await DashboardForm.read(request), session: session)
            let id = try RunRoutes.runID(context)
            _ = try await state.api(for: session.caller).cancelRun(id)
            return DashboardResponse.redirect(to: DashboardLink.run(id))
        }

        pages.get("secrets") { _, context in
            let session = try context.requireSession()
            let secrets = try await state.api(for: session.caller).listSecrets()
            return DashboardResponse.html(SecretsPage.render(secrets, session: session, serverName: state.dashboardServerLabel))
        }

        pages.get("schedules") { _, context in
            let session = try context.requireSession()
            let schedules = try state.scheduler.store.schedules(owner: session.caller.user, now: state.scheduler.clock.now())
            return DashboardResponse.html(SchedulesPage.render(schedules, session: session, serverName: state.dashboardServerLabel))
        }

        pages.get("schedules/{source}/{name}") { _, context in
            let session = try context.requireSession()
            let reference = try ScheduleRoutes.reference(context)
            // Another user's schedule reads as not found, as in the API.
            let stored = try state.scheduler.store.schedule(owner: session.caller.user, reference: reference)
            let info = try state.scheduler.store.info(stored, now: state.scheduler.clock.now())
            let firings = try state.scheduler.store.history(stored, limit: 100)
            return DashboardResponse.html(ScheduleHistoryPage.render(info, firings: firings, session: session, serverName: state.dashboardServerLabel))
        }

        pages.get("projects") { _, context in
            let session = try context.requireSession()
            let sources = try state.scheduler.store.sources(owner: session.caller.user)
            return DashboardResponse.html(ProjectsPage.render(sources, session: session, serverName: state.dashboardServerLabel))
        }
    }

    /// `attachment` with the file's last path component: plain ASCII in `filename`, the
    /// exact name in `filename*` (RFC 6266).
    static func contentDisposition(filename path: String) -> String {
        let name = path.split(separator: "/").last.map(String.init) ?? "artifact"
        let ascii = String(name.unicodeScalars.map { scalar -> Character in
            scalar.isASCII && scalar.value >= 0x20 && scalar != "\"" && scalar != "\\" && scalar != ";" ? Character(scalar) : "_"
        })
        return "attachment; filename=\"\(ascii)\"; filename*=UTF-8''\(DashboardLink.encode(name))"
    }
}
