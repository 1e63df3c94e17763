import Foundation

/// What the engine needs from an object store (S3 and the stores that speak its API) to
/// fetch a run's inputs and upload its artifacts.
///
/// The engine never speaks HTTP: the concrete client (`AMES3.S3ObjectStoreProvider`) is
/// injected where the engine's run coordinator is built (the run agent), and tests can
/// inject a fake.
public protocol ObjectStoreProvider: Sendable {
    /// A store for `connection`. `events` receives sentences worth a log line (a retry after
    /// a 503, say); they never contain credentials.
    func store(for connection: ObjectStoreConnection, events: @escaping @Sendable (String) -> Void) throws -> any ObjectStore
}

/// One bucket-holding service, with the credentials of one caller.
public protocol ObjectStore: Sendable {
    /// Every object whose key starts with `prefix`, across all pages of the listing.
    func list(bucket: String, prefix: String) async throws -> [StoredObject]
    /// The object at `key`, or nil when there is none.
    func head(bucket: String, key: String) async throws -> StoredObject?
    /// Writes the object's bytes to `file` (replacing it). Throws unless exactly
    /// `object.size` bytes of the object with `object.etag` arrived.
    func download(bucket: String, object: StoredObject, to file: URL,
                  progress: @escaping @Sendable (Int64) -> Void) async throws
    /// Uploads `file` to `key` (in parts when it is large), with checksums the store
    /// verifies; returns the new object's ETag.
    func upload(file: URL, bucket: String, key: String,
                progress: @escaping @Sendable (Int64) -> Void) async throws -> String
}

/// An object as a listing or a HEAD describes it.
public struct StoredObject: Hashable, Sendable, Codable {
    public var key: String
    public var size: Int64
    /// Without the surrounding quotes.
    public var etag: String

    public init(key: String, size: Int64, etag: String) {
        self.key = key
        self.size = size
        self.etag = etag
    }
}

/// Access keys for an object store. Its description never shows them.
public struct ObjectStoreCredentials: Hashable, Sendable, CustomStringConvertible {
    public var accessKeyID: String
    public var secretAccessKey: String
    public var sessionToken: String?

    public init(accessKeyID: String, secretAccessKey: String, sessionToken: String? = nil) {
        self.accessKeyID = accessKeyID
        self.secretAccessKey = secretAccessKey
        self.sessionToken = sessionToken
    }

    public var description: String { "credentials (hidden)" }

    /// Every value that must never appear in a log line or a message.
    public var sensitiveValues: [String] {
        [accessKeyID, secretAccessKey, sessionToken].compactMap { $0 }.filter { !$0.isEmpty }
    }
}

/// How a bucket appears in request URLs.
public enum S3Addressing: String, Hashable, Sendable {
    /// Virtual-hosted on AWS (path-style for bucket names with dots), path-style on any
    /// other endpoint (MinIO, Ceph and most S3-compatible stores expect that).
    case automatic
    /// `https://endpoint/bucket/key`.
    case path
    /// `https://bucket.endpoint/key`.
    case virtualHosted = "virtual"
}

/// Where a bucket lives and who is asking.
public struct ObjectStoreConnection: Hashable, Sendable {
    /// An S3-compatible endpoint (`http://127.0.0.1:9000`); nil for AWS S3 in `region`.
    public var endpoint: URL?
    public var region: String
    /// Nil: requests go unsigned (public buckets).
    public var credentials: ObjectStoreCredentials?
    public var addressing: S3Addressing
    /// Where the credentials came from ("the secret 's3'"), for messages.
    public var credentialSource: String

    public init(endpoint: URL?, region: String, credentials: ObjectStoreCredentials?, addressing: S3Addressing = .automatic,
                credentialSource: String) {
        self.endpoint = endpoint
        self.region = region
        self.credentials = credentials
        self.addressing = addressing
        self.credentialSource = credentialSource
    }

    /// What identifies the service in cache keys: the endpoint, or AWS.
    var serviceIdentity: String {
        guard let endpoint, let host = endpoint.host else { return "aws" }
        return "\(endpoint.scheme ?? "https")://\(host)\(endpoint.port.map { ":\($0)" } ?? "")"
    }

    /// `text` with every credential value replaced by `***`.
    public func redact(_ text: String) -> String {
        var result = text
        for value in credentials?.sensitiveValues ?? [] where value.count >= 4 {
            result = result.replacingOccurrences(of: value, with: "***")
        }
        return result
    }
}
