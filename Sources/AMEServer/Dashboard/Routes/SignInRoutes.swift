import AMECore
import Foundation
import HTTPTypes
import Hummingbird

/// Sign-in with a token, sign-out. The sign-in form carries its own CSRF secret in a
/// short-lived cookie (there is no session yet), so another site cannot sign a browser in
/// under its own token either.
enum SignInRoutes {
    static func add(open: RouterGroup<AMERequestContext>, pages: RouterGroup<AMERequestContext>, state: ServerState) {
        let secure = state.serverName.lowercased().hasPrefix("https://")

        open.get("signin") { request, context in
            let next = DashboardLink.safeNext(request.queryValue("next"))
            if context.session != nil { return DashboardResponse.redirect(to: next) }
            return form(next: next, error: nil, status: .ok, state: state, secure: secure)
        }

        open.post("signin") { request, context in
            let form = try await DashboardForm.read(request)
            let next = DashboardLink.safeNext(form["next"])
            guard let expected = request.cookies[DashboardSessions.signInCookieName]?.value, let sent = form["csrf"],
                  !expected.isEmpty, AccessToken.constantTimeEquals(expected, sent) else {
                return Self.form(next: next, error: "The sign-in form expired or did not come from this server. Please sign in again.",
                                 status: .forbidden, state: state, secure: secure)
            }
            let token = (form["token"] ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
            guard !token.isEmpty, let caller = state.tokens.authenticate(token) else {
                context.logger.notice("dashboard sign-in refused")
                return Self.form(next: next, error: "That token is not valid (unknown or revoked). Check it with 'ame whoami' or ask your admin for a new one.",
                                 status: .unauthorized, state: state, secure: secure)
            }
            let (cookie, _) = state.sessions.create(for: caller)
            context.logger.info("dashboard sign-in", metadata: ["user": "\(caller.user)", "token_id": "\(caller.tokenID)"])
            return DashboardResponse.redirect(to: next, headers: [
                DashboardResponse.cookie(DashboardSessions.cookieName, cookie, maxAge: Int(state.sessions.lifetime), secure: secure),
                DashboardResponse.expiredCookie(DashboardSessions.signInCookieName, path: "/signin", secure: secure),
            ])
        }

        pages.post("signout") { request, context in
            let session = try context.requireSession()
            try DashboardMiddleware.checkCSRF(try await DashboardForm.read(request), session: session)
            if let cookie = request.cookies[DashboardSessions.cookieName]?.value { state.sessions.end(cookie: cookie) }
            return DashboardResponse.redirect(to: "/signin", headers: [
                DashboardResponse.expiredCookie(DashboardSessions.cookieName, secure: secure),
            ])
        }
    }

    /// The form with a fresh CSRF secret, in the page and in a cookie only /signin sees.
    static func form(next: String, error: String?, status: HTTPResponse.Status, state: ServerState, secure: Bool) -> Response {
        let csrf = AccessToken.generate()
        return DashboardResponse.html(SignInPage.render(next: next, csrf: csrf, error: error, serverName: state.dashboardServerLabel),
                                      status: status,
                                      headers: [DashboardResponse.cookie(DashboardSessions.signInCookieName, csrf, path: "/signin",
                                                                         maxAge: 3600, secure: secure)])
    }
}
