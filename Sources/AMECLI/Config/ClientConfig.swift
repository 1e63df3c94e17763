import AMESystem
import Foundation
import Yams

/// `$XDG_CONFIG_HOME/ame/config.yaml` (mode 0600: it holds tokens): the servers `ame setup`
/// saved, by name, and which one is in use.
///
/// ```yaml
/// current: ame.example
/// servers:
///   ame.example:
///     url: https://ame.example
///     token: ame_…
/// ```
public struct ClientConfig: Codable, Equatable, Sendable {
    public struct Server: Codable, Equatable, Sendable {
        public var url: String
        public var token: String?
    }

    public var current: String?
    public var servers: [String: Server]

    public init(current: String? = nil, servers: [String: Server] = [:]) {
        self.current = current
        self.servers = servers
    }

    public var currentServer: (name: String, server: Server)? {
        guard let current, let server = servers[current] else { return nil }
        return (current, server)
    }

    public static func path(environment: [String: String]) -> URL {
        URL(fileURLWithPath: filePath(environment: environment), isDirectory: false)
    }

    /// `path` as a string. Built without URL's API: every plugin session reads the config
    /// at its start, and URL's path API costs a scan of the binary's conformances at first use.
    static func filePath(environment: [String: String]) -> String {
        FilePaths.joined(directoryPath(environment: environment), "config.yaml")
    }

    /// `$XDG_CONFIG_HOME/ame` (or `~/.config/ame`): the config file's folder, `AME_CONFIG_DIR` for plugins.
    static func directoryPath(environment: [String: String]) -> String {
        AMEDirectories.config(environment: environment)
    }

    /// The saved configuration; empty when there is no file yet.
    public static func load(environment: [String: String]) throws -> ClientConfig {
        let filePath = filePath(environment: environment)
        guard let data = FileBytes.read(filePath) else { return ClientConfig() }
        let text = String(decoding: data, as: UTF8.self)
        if text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty { return ClientConfig() }
        do {
            var config = try YAMLDecoder().decode(ClientConfig.self, from: text)
            if config.servers.isEmpty { config.servers = [:] }
            return config
        } catch {
            throw CLIError("cannot read \(filePath): \(error)",
                           hint: "fix it, or remove it and run 'ame setup URL' again")
        }
    }

    /// Writes the file atomically with mode 0600 (its folder 0700).
    public func save(environment: [String: String]) throws {
        let file = ClientConfig.path(environment: environment)
        let directory = file.deletingLastPathComponent()
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true,
                                                attributes: [.posixPermissions: 0o700])
        let yaml = try YAMLEncoder().encode(self)
        let text = "# ame's servers (written by 'ame setup'); it holds tokens: keep it private\n" + yaml
        try AtomicFile.write(Data(text.utf8), to: file, permissions: 0o600)
    }

    /// A name for a server from its URL: its host, with the port when it is not the default.
    public static func defaultName(for url: URL) -> String {
        var name = url.host ?? "server"
        if let port = url.port, !(url.scheme == "https" && port == 443), !(url.scheme == "http" && port == 80) {
            name += "-\(port)"
        }
        return name
    }

    /// `https://ame.example/` → `https://ame.example`; no scheme means https.
    public static func normalize(_ text: String) throws -> URL {
        var value = text.trimmingCharacters(in: .whitespaces)
        if !value.contains("://") { value = "https://" + value }
        while value.hasSuffix("/") { value.removeLast() }
        guard let url = URL(string: value), let scheme = url.scheme?.lowercased(), scheme == "http" || scheme == "https",
              let host = url.host, !host.isEmpty else {
            throw CLIError("'\(text)' is not a server URL", hint: "give it as https://ame.example (or http://127.0.0.1:8080)", exitCode: 2)
        }
        return url
    }
}

/// Which server (if any) a command talks to: `AME_SERVER`/`AME_TOKEN`, else the current
/// server of config.yaml; nil means the embedded engine.
public struct ServerSelection: Equatable, Sendable {
    public var name: String?
    public var url: URL
    public var token: String?

    public static func resolve(environment: [String: String]) throws -> ServerSelection? {
        let tokenOverride = environment["AME_TOKEN"].flatMap { $0.isEmpty ? nil : $0 }
        if let server = environment["AME_SERVER"].flatMap({ $0.isEmpty ? nil : $0 }) {
            let url = try ClientConfig.normalize(server)
            // A token saved for the same URL serves when AME_TOKEN is not set.
            let config = try? ClientConfig.load(environment: environment)
            let saved = config?.servers.first { (try? ClientConfig.normalize($0.value.url)) == url }
            return ServerSelection(name: saved?.key, url: url, token: tokenOverride ?? saved?.value.token)
        }
        let config = try ClientConfig.load(environment: environment)
        guard let (name, server) = config.currentServer else { return nil }
        return ServerSelection(name: name, url: try ClientConfig.normalize(server.url), token: tokenOverride ?? server.token)
    }
}
