import AMECore
import AMEEngine
import Foundation
import HTTPTypes
import Hummingbird

/// In front of every dashboard route: finds the browser's session (its token must still be
/// valid), sends a browser without one to sign in (when `requireSession`), checks that a
/// POST comes from a page of this server, renders failures as HTML pages, and adds the
/// security headers.
struct DashboardMiddleware: RouterMiddleware {
    typealias Context = AMERequestContext
    let state: ServerState
    let requireSession: Bool

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        if let cookie = request.cookies[DashboardSessions.cookieName]?.value,
           let session = state.sessions.session(forCookie: cookie) {
            if state.tokens.isActive(tokenID: session.caller.tokenID) {
                context.session = session
                context.caller = session.caller
                context.logger[metadataKey: "user"] = "\(session.caller.user)"
            } else {
                state.sessions.end(tokenID: session.caller.tokenID)
            }
        }
        var response: Response
        do {
            if requireSession && context.session == nil {
                throw DashboardRedirect(location: "/signin" + DashboardLink.query([("next", Self.pathAndQuery(request))]))
            }
            if request.method == .post { try Self.checkOrigin(request) }
            response = try await next(request, context)
        } catch let redirect as DashboardRedirect {
            response = DashboardResponse.redirect(to: redirect.location)
        } catch {
            let apiError = ErrorMiddleware.apiError(for: error)
            if apiError.code == .internal {
                context.logger.error("dashboard request failed", metadata: ["error": "\(String(describing: error))", "path": "\(request.uri.path)"])
            }
            response = DashboardResponse.html(ErrorPage.render(apiError, session: context.session, serverName: state.dashboardServerLabel),
                                              status: HTTPResponse.Status(code: apiError.code.httpStatus))
        }
        for field in DashboardResponse.securityHeaders where response.headers[field.name] == nil {
            response.headers.append(field)
        }
        return response
    }

    static func pathAndQuery(_ request: Request) -> String {
        let query = request.uri.query.map { "?" + $0 } ?? ""
        return request.uri.path + query
    }

    /// A browser names the page a POST comes from (`Origin`); one from another site is
    /// refused even before the CSRF token is looked at.
    static func checkOrigin(_ request: Request) throws {
        guard let origin = request.headers[.origin] else { return }
        // HTTP/1.1's Host header arrives as the request's authority.
        let host = request.head.authority ?? ""
        let authority = origin.split(separator: "/", omittingEmptySubsequences: true).dropFirst().first.map(String.init)
        guard origin != "null", let authority, authority.lowercased() == host.lowercased() else {
            throw APIError(.forbidden, "this form was sent from another site (\(origin))",
                           hint: "use the dashboard's own pages to make changes")
        }
    }

    /// A POST must carry the session's CSRF token (the hidden `csrf` field).
    static func checkCSRF(_ form: DashboardForm, session: DashboardSession) throws {
        guard let sent = form["csrf"], AccessToken.constantTimeEquals(sent, session.csrfToken) else {
            throw APIError(.forbidden, "the form's security token is missing or wrong",
                           hint: "reload the page and try again; forms must come from the dashboard itself")
        }
    }
}

extension AMERequestContext {
    /// The session of a route behind `DashboardMiddleware(requireSession: true)`.
    func requireSession() throws -> DashboardSession {
        guard let session else { throw DashboardRedirect(location: "/signin") }
        return session
    }
}
