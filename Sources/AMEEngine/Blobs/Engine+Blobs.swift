import AMECore
import Foundation

/// Blobs as users see them: private to whoever proved they hold the bytes. The store keeps
/// each content once; a user's claim (an upload of the bytes, or a run of theirs that
/// produced them) is what lets them read it or use it in a run, so asking which blobs are
/// missing tells nobody what anyone else has stored.
extension Engine {
    /// The digests `owner` must upload: those they hold no claim on, and those not stored
    /// (or no longer: quarantined). Each once, in order.
    public func missingBlobs(_ digests: [Digest], owner: String) throws -> [Digest] {
        let unclaimed = Set(try store.unclaimedBlobs(digests, owner: owner))
        var seen = Set<Digest>()
        return digests.filter { seen.insert($0).inserted && (unclaimed.contains($0) || !blobs.contains($0)) }
    }

    /// Stores an upload of `owner`'s (checked against its digest) and records their claim.
    public func putBlob(fileAt file: URL, digest: Digest, owner: String) throws {
        _ = try blobs.put(fileAt: file, expected: digest)
        try store.claimBlobs([digest], owner: owner)
    }

    public func putBlobs(_ files: [(digest: Digest, file: URL)], owner: String) throws {
        _ = try blobs.put(files: files.map { ($0.file, $0.digest) })
        try store.claimBlobs(files.map(\.digest), owner: owner)
    }

    /// The blob's file when `owner` may read it (they hold a claim, or they are an admin) and
    /// its bytes still match its digest; a blob they may not read is as not found.
    public func readableBlob(_ digest: Digest, owner: String, isAdmin: Bool) throws -> URL {
        let holds = try isAdmin || store.holdsBlob(digest, owner: owner)
        guard holds, let url = blobs.path(for: digest) else {
            throw APIError.notFound("blob \(digest.short)", hint: "upload it first")
        }
        try blobs.checkIntegrity(digest)
        return url
    }
}
