import AMECore
import AMESystem
import Foundation

/// The engine's state in one place: database, blobs, logs, secrets and settings. The
/// embedded jobs API, the server and every run agent open the same data directory.
public final class Engine: Sendable {
    public let layout: EngineLayout
    public let configuration: EngineConfiguration
    public let store: RunStore
    public let blobs: BlobStore
    public let logs: LogStore
    public let vault: SecretVault

    public init(layout: EngineLayout, configuration: EngineConfiguration) throws {
        try layout.create()
        Trace.mark("engine: directories")
        self.layout = layout
        self.configuration = configuration
        store = try RunStore(path: layout.database)
        Trace.mark("engine: database")
        blobs = try BlobStore(directory: layout.blobs, temporaryDirectory: layout.temporary)
        logs = try LogStore(directory: layout.logs)
        vault = try SecretVault(store: store, keyFile: layout.secretKey)
        Trace.mark("engine: stores")
    }

    var admission: Admission {
        Admission(store: store, capacity: configuration.capacity, maxConcurrentRunsPerUser: configuration.maxConcurrentRunsPerUser)
    }
}
