import Foundation

/// What this machine remembers about the notebook sessions it started: the token (the
/// engine keeps it sealed and never gives it back), so `attach` and `list` can print a
/// working URL. One file per run, `$AME_DATA_DIR/plugin-data/jupyter/RUN.json`, readable by
/// the user alone (as Jupyter's own `jpserver-*.json` runtime files are), deleted by `stop`.
struct SessionStore {
    struct Session: Codable, Sendable {
        var runId: String
        var token: String
        /// `embedded` or the server's URL.
        var server: String
        var projectDirectory: String?
        var createdAt: Date
    }

    let directory: URL

    init(environment: [String: String] = ProcessInfo.processInfo.environment) {
        let data = environment["AME_DATA_DIR"].map { URL(fileURLWithPath: $0) }
            ?? FileManager.default.homeDirectoryForCurrentUser.appendingPathComponent(".local/share/ame")
        directory = data.appendingPathComponent("plugin-data/jupyter")
    }

    func save(_ session: Session) throws {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        let data = try encoder.encode(session)
        let file = self.file(session.runId)
        let temporary = directory.appendingPathComponent(".\(session.runId).\(UUID().uuidString)")
        // Private before the token is written into it.
        guard FileManager.default.createFile(atPath: temporary.path, contents: nil, attributes: [.posixPermissions: 0o600]) else {
            throw CocoaError(.fileWriteUnknown)
        }
        let handle = try FileHandle(forWritingTo: temporary)
        try handle.write(contentsOf: data)
        try handle.close()
        if rename(temporary.path, file.path) != 0 {
            try? FileManager.default.removeItem(at: temporary)
            throw CocoaError(.fileWriteUnknown)
        }
    }

    func load(_ runId: String) -> Session? {
        guard isSafe(runId), let data = FileManager.default.contents(atPath: file(runId).path) else { return nil }
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return try? decoder.decode(Session.self, from: data)
    }

    func remove(_ runId: String) {
        guard isSafe(runId) else { return }
        try? FileManager.default.removeItem(at: file(runId))
    }

    /// Every remembered session.
    func all() -> [Session] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        return names.filter { $0.hasSuffix(".json") && !$0.hasPrefix(".") }.compactMap { load(String($0.dropLast(5))) }
    }

    private func file(_ runId: String) -> URL {
        directory.appendingPathComponent("\(runId).json")
    }

    /// Run ids are letters, digits and dashes; nothing else may reach a path.
    private func isSafe(_ runId: String) -> Bool {
        !runId.isEmpty && runId.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-") }
    }
}
