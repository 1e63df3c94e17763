import AMECore
import Foundation
import GRDB

/// Blobs are private to whoever proved they have them: a user who uploaded the bytes (or
/// whose run produced them) holds a claim, and only claims let a user read a blob or use it
/// in a run. The bytes are stored once however many users claim them.
extension RunStore {
    /// Records that `owner` holds these blobs.
    public func claimBlobs(_ digests: some Collection<Digest>, owner: String) throws {
        guard !digests.isEmpty else { return }
        try pool.write { db in
            let statement = try db.cachedStatement(sql: "INSERT OR IGNORE INTO blob_claims (owner, digest) VALUES (?, ?)")
            for digest in digests {
                try statement.execute(arguments: [owner, digest.hex])
            }
        }
    }

    /// The digests among `digests` that `owner` holds no claim on, each once, in order.
    public func unclaimedBlobs(_ digests: [Digest], owner: String) throws -> [Digest] {
        var seen = Set<Digest>()
        let unique = digests.filter { seen.insert($0).inserted }
        guard !unique.isEmpty else { return [] }
        return try pool.read { db in
            let statement = try db.cachedStatement(sql: "SELECT 1 FROM blob_claims WHERE owner = ? AND digest = ?")
            return try unique.filter { digest in
                try Int.fetchOne(statement, arguments: [owner, digest.hex]) == nil
            }
        }
    }

    public func holdsBlob(_ digest: Digest, owner: String) throws -> Bool {
        try unclaimedBlobs([digest], owner: owner).isEmpty
    }
}
