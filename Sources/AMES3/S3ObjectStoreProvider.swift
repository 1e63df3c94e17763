import AMEEngine
import Foundation

/// The engine's `ObjectStoreProvider`, backed by `S3Client`. The run agent hands it to the
/// run coordinator; the engine itself never sees HTTP.
public struct S3ObjectStoreProvider: ObjectStoreProvider {
    /// Adjusts each client's settings (tests shorten the back-off; nil: the defaults).
    let tune: (@Sendable (inout S3Client.Configuration) -> Void)?

    public init(tune: (@Sendable (inout S3Client.Configuration) -> Void)? = nil) {
        self.tune = tune
    }

    public func store(for connection: ObjectStoreConnection, events: @escaping @Sendable (String) -> Void) throws -> any ObjectStore {
        var configuration = S3Client.Configuration(
            endpoint: connection.endpoint, region: connection.region,
            credentials: connection.credentials,
            addressing: {
                switch connection.addressing {
                case .automatic: .automatic
                case .path: .path
                case .virtualHosted: .virtualHosted
                }
            }())
        tune?(&configuration)
        return S3ObjectStore(client: S3Client(configuration: configuration, events: events), credentialSource: connection.credentialSource)
    }
}

/// One bucket service through `S3Client`, with errors that say where the credentials came from.
struct S3ObjectStore: ObjectStore {
    let client: S3Client
    let credentialSource: String

    func list(bucket: String, prefix: String) async throws -> [StoredObject] {
        try await explained {
            try await client.listObjects(bucket: bucket, prefix: prefix).map { StoredObject(key: $0.key, size: $0.size, etag: $0.etag) }
        }
    }

    func head(bucket: String, key: String) async throws -> StoredObject? {
        try await explained {
            try await client.headObject(bucket: bucket, key: key).map { StoredObject(key: $0.key, size: $0.size, etag: $0.etag) }
        }
    }

    func download(bucket: String, object: StoredObject, to file: URL, progress: @escaping @Sendable (Int64) -> Void) async throws {
        try await explained {
            try await client.getObject(bucket: bucket, key: object.key, etag: object.etag, expectedSize: object.size, to: file, progress: progress)
        }
    }

    func upload(file: URL, bucket: String, key: String, progress: @escaping @Sendable (Int64) -> Void) async throws -> String {
        try await explained {
            try await client.uploadFile(file, bucket: bucket, key: key, progress: progress)
        }
    }

    /// Adds where the credentials came from to errors they may have caused.
    private func explained<T>(_ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch var error as S3Error where error.isAuthorization && error.hint == nil {
            error.hint = "check the credentials (\(credentialSource))"
            throw error
        }
    }
}

extension S3ObjectStoreProvider {
    /// The provider for a run agent. Settings for operators, all optional:
    /// `AME_S3_MAX_ATTEMPTS` (tries per request, default 5), `AME_S3_MULTIPART_THRESHOLD`
    /// and `AME_S3_PART_SIZE` (bytes, default 8 MiB each; parts are at least 5 MiB).
    public static func fromEnvironment(_ environment: [String: String]) -> S3ObjectStoreProvider {
        let attempts = environment["AME_S3_MAX_ATTEMPTS"].flatMap(Int.init).map { max(1, $0) }
        let threshold = environment["AME_S3_MULTIPART_THRESHOLD"].flatMap(Int64.init).map { max(5 << 20, $0) }
        let partSize = environment["AME_S3_PART_SIZE"].flatMap(Int64.init).map { max(5 << 20, $0) }
        if attempts == nil && threshold == nil && partSize == nil { return S3ObjectStoreProvider() }
        return S3ObjectStoreProvider { configuration in
            if let attempts { configuration.maxAttempts = attempts }
            if let threshold { configuration.multipartThreshold = threshold }
            if let partSize { configuration.partSize = partSize }
        }
    }
}
