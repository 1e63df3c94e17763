import Foundation
import AMEPluginKit

/// `$AME_DATA_DIR/plugin-data/mlflow/server.json`, readable by the user alone.
struct ServerStateStore {
    let directory: URL

    init(environment: [String: String] = ProcessInfo.processInfo.environment) {
        let data = environment["AME_DATA_DIR"].map { URL(fileURLWithPath: $0) }
            ?? FileManager.default.homeDirectoryForCurrentUser.appendingPathComponent(".local/share/ame")
        directory = data.appendingPathComponent("plugin-data/mlflow")
    }

    var file: URL { directory.appendingPathComponent("server.json") }

    /// The default home of the store on the embedded engine (this machine).
    var storeDirectory: URL { directory.appendingPathComponent("store") }

    func load() throws -> ServerState? {
        guard let data = FileManager.default.contents(atPath: file.path) else { return nil }
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        do {
            return try decoder.decode(ServerState.self, from: data)
        } catch {
            throw PluginFailure("\(file.path) cannot be read: \(error)",
                                hint: "remove it and run 'ame mlflow start' again (the MLflow store itself is kept)")
        }
    }

    func save(_ state: ServerState) throws {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        let temporary = directory.appendingPathComponent(".server.json.\(UUID().uuidString)")
        guard FileManager.default.createFile(atPath: temporary.path, contents: try encoder.encode(state),
                                             attributes: [.posixPermissions: 0o600]) else {
            throw PluginFailure("cannot write \(temporary.path)", hint: "check that \(directory.path) is writable")
        }
        if rename(temporary.path, file.path) != 0 {
            try? FileManager.default.removeItem(at: temporary)
            throw PluginFailure("cannot write \(file.path)", hint: "check that \(directory.path) is writable")
        }
    }
}
