import AMESystem
import Foundation

/// The dashboard's signed-in browsers, in memory: a server restart signs everyone out,
/// which is the safe direction. Keyed by the SHA-256 of the cookie, so a dump of this
/// table cannot be replayed. A session ends when idle too long, when old, on sign-out,
/// and when its token is revoked (checked on every request).
final class DashboardSessions: Sendable {
    static let cookieName = "ame_session"
    /// The sign-in form's own CSRF cookie (there is no session yet to hold the secret).
    static let signInCookieName = "ame_signin"

    let idleTimeout: TimeInterval
    let lifetime: TimeInterval
    private let sessions = Locked<[String: DashboardSession]>([:])
    private static let maximumCount = 10_000

    init(idleTimeout: TimeInterval = 12 * 3600, lifetime: TimeInterval = 7 * 24 * 3600) {
        self.idleTimeout = idleTimeout
        self.lifetime = lifetime
    }

    /// A new session for `caller`; the returned cookie value is the only copy of it.
    func create(for caller: Caller, now: Date = Date()) -> (cookie: String, session: DashboardSession) {
        let cookie = AccessToken.generate()
        let session = DashboardSession(caller: caller, csrfToken: AccessToken.generate(), createdAt: now, lastSeenAt: now)
        sessions.withLock { table in
            if table.count >= Self.maximumCount {
                // Full: drop what expired, then the least recently used.
                table = table.filter { !isExpired($0.value, now: now) }
                if table.count >= Self.maximumCount,
                   let oldest = table.min(by: { $0.value.lastSeenAt < $1.value.lastSeenAt })?.key {
                    table.removeValue(forKey: oldest)
                }
            }
            table[AccessToken.hash(cookie)] = session
        }
        return (cookie, session)
    }

    /// The live session for a cookie value, marked as just used; nil when unknown or expired.
    func session(forCookie cookie: String, now: Date = Date()) -> DashboardSession? {
        guard !cookie.isEmpty, cookie.utf8.count <= 512 else { return nil }
        let key = AccessToken.hash(cookie)
        return sessions.withLock { table -> DashboardSession? in
            guard var session = table[key] else { return nil }
            if isExpired(session, now: now) {
                table.removeValue(forKey: key)
                return nil
            }
            session.lastSeenAt = now
            table[key] = session
            return session
        }
    }

    func end(cookie: String) {
        let key = AccessToken.hash(cookie)
        _ = sessions.withLock { $0.removeValue(forKey: key) }
    }

    /// Every session of a token (it was revoked).
    func end(tokenID: String) {
        sessions.withLock { table in table = table.filter { $0.value.caller.tokenID != tokenID } }
    }

    private func isExpired(_ session: DashboardSession, now: Date) -> Bool {
        now.timeIntervalSince(session.lastSeenAt) > idleTimeout || now.timeIntervalSince(session.createdAt) > lifetime
    }
}
