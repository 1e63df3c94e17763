import AMECore
import AMEEngine
import AMESystem
import Foundation
import Hummingbird
import NIOCore

/// `/v1/blobs`: which blobs are missing, uploading one by digest or many in one body
/// (`BlobFrame`s, stored with one flush for all), and downloading one.
/// Uploads stream into a `BlobIngest`, which hashes as it writes and makes the blob visible
/// only once the digest checks out, so a half-sent upload never appears.
enum BlobRoutes {
    struct MissingRequest: Codable { var digests: [Digest] }
    struct MissingResponse: Codable { var missing: [Digest] }
    struct Stored: Codable { var digest: Digest; var size: Int64 }
    struct StoredMany: Codable { var stored: [Stored] }

    static let maxDigestsPerCheck = 100_000
    static let maxBlobsPerUpload = 10_000

    static func add(to group: RouterGroup<AMERequestContext>, state: ServerState) {
        group.post("blobs/missing") { request, context in
            let api = state.api(for: try context.requireCaller())
            var request = request
            let body = try await request.decodeJSON(MissingRequest.self, limit: 8 << 20)
            guard body.digests.count <= maxDigestsPerCheck else {
                throw APIError(.invalidRequest, "at most \(maxDigestsPerCheck) digests per check", hint: "split the check")
            }
            return try JSONResponse.make(MissingResponse(missing: try await api.missingBlobs(body.digests)))
        }

        group.put("blobs/{digest}") { request, context in
            let caller = try context.requireCaller()
            let digest = try digestParameter(context)
            let ingest = try state.engine.blobs.makeIngest(expected: digest)
            do {
                for try await buffer in request.body {
                    try buffer.withUnsafeReadableBytes { bytes in try ingest.write(Data(bytes)) }
                }
                // The flush waits for the disk: not on one of the threads that run requests.
                let stored = try await BlockingWork.run { try ingest.finish() }
                // The bytes checked out: the caller holds this blob now (stored once, however
                // many users upload it).
                try state.engine.store.claimBlobs([stored], owner: caller.user)
                return try JSONResponse.make(Stored(digest: stored, size: ingest.byteCount), status: .created)
            } catch {
                ingest.abort()
                throw error
            }
        }

        group.post("blobs") { request, context in
            let caller = try context.requireCaller()
            let batch = state.engine.blobs.makeBatch()
            var ingest: BlobIngest?
            var remaining: Int64 = 0
            var header: [UInt8] = []
            var count = 0
            do {
                for try await buffer in request.body {
                    try buffer.withUnsafeReadableBytes { raw in
                        var bytes = raw[...]
                        while !bytes.isEmpty {
                            if let current = ingest {
                                let take = Int(min(Int64(bytes.count), remaining))
                                try current.write(UnsafeRawBufferPointer(rebasing: bytes.prefix(take)))
                                bytes = bytes.dropFirst(take)
                                remaining -= Int64(take)
                            } else {
                                let take = min(bytes.count, BlobFrame.headerSize - header.count)
                                header.append(contentsOf: bytes.prefix(take))
                                bytes = bytes.dropFirst(take)
                                guard header.count == BlobFrame.headerSize else { continue }
                                guard let (digest, size) = BlobFrame.parse(header) else {
                                    throw APIError(.invalidRequest, "blob \(count + 1) of the upload has an impossible length", hint: "send BlobFrames: digest, length, content")
                                }
                                count += 1
                                guard count <= maxBlobsPerUpload else {
                                    throw APIError(.invalidRequest, "at most \(maxBlobsPerUpload) blobs per upload", hint: "split the upload")
                                }
                                header = []
                                ingest = try state.engine.blobs.makeIngest(expected: digest)
                                remaining = size
                            }
                            if let current = ingest, remaining == 0 {
                                try batch.add(current)
                                ingest = nil
                            }
                        }
                    }
                }
                guard ingest == nil, header.isEmpty else {
                    throw APIError(.invalidRequest, "the upload ended inside blob \(header.isEmpty ? count : count + 1) (\(header.isEmpty ? "its content" : "its 40-byte header"))",
                                   hint: "send each blob as its digest, its length and all of its content")
                }
                // The flushes wait for the disk: not on one of the threads that run requests,
                // which meanwhile hash the other uploads arriving.
                let stored = try await BlockingWork.run { try batch.commit() }
                try state.engine.store.claimBlobs(stored.map(\.digest), owner: caller.user)
                return try JSONResponse.make(StoredMany(stored: stored.map { Stored(digest: $0.digest, size: $0.size) }), status: .created)
            } catch {
                ingest?.abort()
                batch.abort()
                throw error
            }
        }

        group.get("blobs/{digest}") { _, context in
            let caller = try context.requireCaller()
            let digest = try digestParameter(context)
            let url = try state.engine.readableBlob(digest, owner: caller.user, isAdmin: caller.admin && caller.runID == nil)
            return try fileResponse(url, contentType: "application/octet-stream", digest: digest)
        }
    }

    static func digestParameter(_ context: AMERequestContext) throws -> Digest {
        let text = context.parameters.get("digest") ?? ""
        guard let digest = Digest(hex: text.hasPrefix("sha256:") ? String(text.dropFirst(7)) : text) else {
            throw APIError(.invalidRequest, "'\(text)' is not a SHA-256 digest", hint: "use 64 hexadecimal digits")
        }
        return digest
    }

    /// Streams a file in 1 MiB pieces with its length.
    static func fileResponse(_ url: URL, contentType: String, digest: Digest) throws -> Response {
        let handle = try FileHandle(forReadingFrom: url)
        let size = Int(try handle.seekToEnd())
        try handle.seek(toOffset: 0)
        let body = ResponseBody(contentLength: size) { writer in
            defer { try? handle.close() }
            while true {
                let chunk = try handle.read(upToCount: 1 << 20) ?? Data()
                if chunk.isEmpty { break }
                try await writer.write(ByteBuffer(bytes: chunk))
            }
            try await writer.finish(nil)
        }
        return Response(status: .ok, headers: [.contentType: contentType, .contentLength: String(size),
                                               .eTag: "\"\(digest.hex)\""], body: body)
    }
}
