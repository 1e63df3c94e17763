import Foundation
import GRDB

/// The unprivileged uid each AME user's sandboxed commands run as when the sandbox is
/// started by root: one per user, the same for all their runs (so the environments and
/// package caches their builds write stay theirs), never a uid of this machine's own users.
extension RunStore {
    /// The first uid handed out; below 2,097,152 so that plain tar archives can record it.
    public static let firstSandboxUID: UInt32 = 1_800_000

    /// `user`'s sandbox uid, allocated on first use.
    public func sandboxUID(for user: String) throws -> UInt32 {
        // Known users (every run but a user's first) need no write lock.
        if let uid = try pool.read({ db in try Int64.fetchOne(db, sql: "SELECT uid FROM sandbox_users WHERE user = ?", arguments: [user]) }) {
            return UInt32(uid)
        }
        return try immediate { db in
            if let uid = try Int64.fetchOne(db, sql: "SELECT uid FROM sandbox_users WHERE user = ?", arguments: [user]) {
                return UInt32(uid)
            }
            let highest = try Int64.fetchOne(db, sql: "SELECT MAX(uid) FROM sandbox_users") ?? Int64(Self.firstSandboxUID) - 1
            let uid = highest + 1
            try db.execute(sql: "INSERT INTO sandbox_users (user, uid) VALUES (?, ?)", arguments: [user, uid])
            return UInt32(uid)
        }
    }
}
