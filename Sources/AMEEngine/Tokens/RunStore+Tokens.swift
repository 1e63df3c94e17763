import AMECore
import Foundation
import GRDB

/// An access token as the database keeps it: who it speaks for, and the SHA-256 of the
/// token (never the token itself).
public struct StoredToken: Hashable, Sendable, Codable {
    /// A public handle for listing and revoking ("tok_…"); it reveals nothing of the token.
    public var id: String
    public var user: String
    public var admin: Bool
    /// Lowercase hex SHA-256 of the token.
    public var hash: String
    public var description: String?
    public var createdAt: Date
    public var lastUsedAt: Date?
    public var revokedAt: Date?
    /// Set for a run's agent token: it works only for that run's files, while it runs.
    public var runID: String?

    public init(id: String, user: String, admin: Bool, hash: String, description: String?, createdAt: Date,
                lastUsedAt: Date? = nil, revokedAt: Date? = nil, runID: String? = nil) {
        self.id = id
        self.user = user
        self.admin = admin
        self.hash = hash
        self.description = description
        self.createdAt = createdAt
        self.lastUsedAt = lastUsedAt
        self.revokedAt = revokedAt
        self.runID = runID
    }

    public var isRevoked: Bool { revokedAt != nil }
}

/// Token rows, for the server's authentication (the engine itself never checks tokens).
extension RunStore {
    public func insertToken(_ token: StoredToken) throws {
        try pool.write { db in
            try db.execute(sql: """
                INSERT INTO tokens (id, user, admin, hash, description, created_at, run_id) VALUES (?, ?, ?, ?, ?, ?, ?)
                """, arguments: [token.id, token.user, token.admin, token.hash, token.description,
                                 token.createdAt.timeIntervalSince1970, token.runID])
        }
    }

    /// The token whose hash is `hash`, revoked or not.
    public func token(hash: String) throws -> StoredToken? {
        try pool.read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM tokens WHERE hash = ?", arguments: [hash]).map(Self.token(from:))
        }
    }

    public func token(id: String) throws -> StoredToken? {
        try pool.read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM tokens WHERE id = ?", arguments: [id]).map(Self.token(from:))
        }
    }

    /// Every token people made, oldest first (runs' agent tokens are not listed).
    public func tokens() throws -> [StoredToken] {
        try pool.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM tokens WHERE run_id IS NULL ORDER BY created_at, id").map(Self.token(from:))
        }
    }

    /// Whether the run exists and has not finished (an agent token works only then).
    public func isRunActive(_ id: String) throws -> Bool {
        try pool.read { db in
            try Bool.fetchOne(db, sql: "SELECT status IN ('queued', 'preparing', 'running') FROM runs WHERE id = ?", arguments: [id]) ?? false
        }
    }

    /// Revokes every agent token of the run; how many were still valid.
    @discardableResult
    public func revokeRunTokens(runID: String, at date: Date = Date()) throws -> Int {
        try pool.write { db in
            try db.execute(sql: "UPDATE tokens SET revoked_at = ? WHERE run_id = ? AND revoked_at IS NULL",
                           arguments: [date.timeIntervalSince1970, runID])
            return db.changesCount
        }
    }

    /// Whether any admin token is still valid.
    public func hasActiveAdminToken() throws -> Bool {
        try pool.read { db in
            try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM tokens WHERE admin = 1 AND revoked_at IS NULL AND run_id IS NULL)") ?? false
        }
    }

    /// Marks the token revoked; false when there is no such token or it already was.
    @discardableResult
    public func revokeToken(id: String, at date: Date = Date()) throws -> Bool {
        try pool.write { db in
            try db.execute(sql: "UPDATE tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL",
                           arguments: [date.timeIntervalSince1970, id])
            return db.changesCount > 0
        }
    }

    public func touchToken(id: String, at date: Date = Date()) throws {
        try pool.write { db in
            try db.execute(sql: "UPDATE tokens SET last_used_at = ? WHERE id = ?", arguments: [date.timeIntervalSince1970, id])
        }
    }

    /// How many runs are in each status (for the server's metrics).
    public func runCountsByStatus() throws -> [RunStatus: Int] {
        try pool.read { db in
            var counts: [RunStatus: Int] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT status, n FROM run_counts WHERE n > 0") {
                if let status = RunStatus(rawValue: row["status"]) { counts[status] = row["n"] }
            }
            return counts
        }
    }

    private static func token(from row: Row) -> StoredToken {
        StoredToken(
            id: row["id"], user: row["user"], admin: row["admin"], hash: row["hash"], description: row["description"],
            createdAt: Date(timeIntervalSince1970: row["created_at"]),
            lastUsedAt: (row["last_used_at"] as Double?).map { Date(timeIntervalSince1970: $0) },
            revokedAt: (row["revoked_at"] as Double?).map { Date(timeIntervalSince1970: $0) },
            runID: row["run_id"])
    }
}
