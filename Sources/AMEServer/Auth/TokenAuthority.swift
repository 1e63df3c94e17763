import AMECore
import AMEEngine
import AMESystem
import Foundation
import Logging

/// Who a request speaks for, once its token checked out.
public struct Caller: Sendable, Hashable {
    public var user: String
    public var admin: Bool
    public var tokenID: String
    /// Set when the token is a run's agent token (see `RunAgentTokens`).
    public var runID: String? = nil
}

/// Checks bearer tokens against the hashes in the database, makes and revokes tokens, and
/// sets up the first admin token. Recently checked tokens are remembered for a moment so a
/// burst of requests does not read the database for each; revoking forgets at once.
public final class TokenAuthority: Sendable {
    let store: RunStore
    private let cache = Locked<[String: (token: StoredToken, checked: Date)]>([:])
    private static let cacheLifetime: TimeInterval = 5
    private static let touchInterval: TimeInterval = 60

    public init(store: RunStore) {
        self.store = store
    }

    /// The caller a token stands for, or nil (unknown, revoked or malformed).
    public func authenticate(_ token: String) -> Caller? {
        guard !token.isEmpty, token.utf8.count <= 512 else { return nil }
        let hash = AccessToken.hash(token)
        let now = Date()
        let cached = cache.withLock { $0[hash] }
        let stored: StoredToken
        if let cached, now.timeIntervalSince(cached.checked) < Self.cacheLifetime {
            stored = cached.token
        } else {
            guard let found = try? store.token(hash: hash) else { return nil }
            stored = found
            cache.withLock { cache in
                if cache.count > 10_000 { cache.removeAll() }
                cache[hash] = (found, now)
            }
        }
        guard AccessToken.constantTimeEquals(stored.hash, hash), !stored.isRevoked else { return nil }
        // A run's agent token expires with its run, even before it is revoked.
        if let runID = stored.runID {
            guard (try? store.isRunActive(runID)) == true else { return nil }
        }
        if stored.lastUsedAt.map({ now.timeIntervalSince($0) > Self.touchInterval }) ?? true {
            try? store.touchToken(id: stored.id, at: now)
            cache.withLock { $0[hash]?.token.lastUsedAt = now }
        }
        return Caller(user: stored.user, admin: stored.admin, tokenID: stored.id, runID: stored.runID)
    }

    /// Whether the token is still valid (a dashboard session ends with its token).
    public func isActive(tokenID: String) -> Bool {
        guard let stored = try? store.token(id: tokenID) else { return false }
        return !stored.isRevoked
    }

    /// Makes a token for `user`; the returned value is the only time the token is seen.
    public func create(user: String, admin: Bool, description: String?) throws -> (token: String, record: StoredToken) {
        try Self.checkUser(user)
        let token = AccessToken.generate()
        let record = StoredToken(id: AccessToken.makeID(), user: user, admin: admin, hash: AccessToken.hash(token),
                                 description: description, createdAt: Date())
        try store.insertToken(record)
        return (token, record)
    }

    public func list() throws -> [StoredToken] { try store.tokens() }

    /// A token for the Pods of one run, acting as its owner: it reaches only the blob
    /// routes, and only while the run is active (see `authenticate`).
    public func createRunToken(runID: String, owner: String) throws -> String {
        let token = AccessToken.generate()
        try store.insertToken(StoredToken(id: AccessToken.makeID(), user: owner, admin: false, hash: AccessToken.hash(token),
                                          description: "agent of run \(runID)", createdAt: Date(), runID: runID))
        return token
    }

    /// Ends every agent token of the run.
    public func revokeRunTokens(runID: String) {
        _ = try? store.revokeRunTokens(runID: runID)
        cache.withLock { cache in cache = cache.filter { $0.value.token.runID != runID } }
    }

    public func revoke(id: String) throws -> StoredToken {
        guard try store.revokeToken(id: id), let record = try store.token(id: id) else {
            throw APIError.notFound("token \(id)", hint: "list tokens with 'ame token list'")
        }
        cache.withLock { $0.removeValue(forKey: record.hash) }
        return record
    }

    /// At start: adopts `AME_ADMIN_TOKEN` if given; otherwise, when no admin token exists,
    /// makes one and returns it so it can be printed once.
    public func bootstrapAdmin(presetToken: String?, user: String = "admin", logger: Logger) throws -> String? {
        try Self.checkUser(user)
        if let presetToken {
            guard AccessToken.isAcceptable(presetToken) else {
                throw APIError(.invalidRequest, "AME_ADMIN_TOKEN must be 16 to 512 printable characters without spaces",
                               hint: "generate one with: openssl rand -hex 32")
            }
            let hash = AccessToken.hash(presetToken)
            if let existing = try store.token(hash: hash) {
                guard !existing.isRevoked, existing.admin else {
                    throw APIError(.conflict, "AME_ADMIN_TOKEN names a token that was revoked or is not an admin's",
                                   hint: "choose a new AME_ADMIN_TOKEN")
                }
                return nil
            }
            try store.insertToken(StoredToken(id: AccessToken.makeID(), user: user, admin: true, hash: hash,
                                              description: "from AME_ADMIN_TOKEN", createdAt: Date()))
            logger.info("admin token from AME_ADMIN_TOKEN stored (hashed)")
            return nil
        }
        guard try !store.hasActiveAdminToken() else { return nil }
        let (token, record) = try create(user: user, admin: true, description: "first admin token")
        logger.info("created the first admin token", metadata: ["token_id": "\(record.id)"])
        return token
    }

    /// User names are what `ame whoami` shows and what runs are filed under.
    static func checkUser(_ user: String) throws {
        let allowed = user.utf8.allSatisfy { byte in
            (0x30...0x39).contains(byte) || (0x41...0x5A).contains(byte) || (0x61...0x7A).contains(byte)
                || byte == 0x2D || byte == 0x5F || byte == 0x2E || byte == 0x40
        }
        guard allowed, !user.isEmpty, user.utf8.count <= 64 else {
            throw APIError(.invalidRequest, "'\(user)' is not a valid user name",
                           hint: "use letters, digits, '.', '_', '-' and '@' (at most 64)")
        }
    }
}
