import AMECore
import AMEEngine
import Foundation

/// A user name and password for a registry, and where they were found.
public struct RegistryCredential: Hashable, Sendable {
    public var username: String
    public var password: String
    /// `secret:NAME` or the path of the auth file.
    public var source: String

    public init(username: String, password: String, source: String) {
        self.username = username
        self.password = password
        self.source = source
    }
}

/// Finds the credentials for a registry, first match wins:
///
/// 1. the AME secret named explicitly, or else `registry-HOST` (`registry-ghcr.io`,
///    `registry-127.0.0.1-5000`: a port's `:` written as `-`), holding `USER:PASSWORD`,
///    `username=…`/`password=…` lines, or `{"username": …, "password": …}`;
/// 2. the container auth files podman, buildah, skopeo and docker use: `$REGISTRY_AUTH_FILE`,
///    `$XDG_RUNTIME_DIR/containers/auth.json`, `$XDG_CONFIG_HOME/containers/auth.json`
///    (`~/.config/containers/auth.json`), `$DOCKER_CONFIG/config.json` (`~/.docker/config.json`).
///
/// Credential helpers (`credHelpers`, `credsStore`) are not run; their registries are
/// reached anonymously unless a secret names them.
public struct RegistryCredentialStore: Sendable {
    public var environment: [String: String]
    /// The value of an AME secret, or nil when it is not set (or cannot be read here).
    public var readSecret: @Sendable (String) async throws -> Data?

    public init(environment: [String: String], readSecret: @escaping @Sendable (String) async throws -> Data?) {
        self.environment = environment
        self.readSecret = readSecret
    }

    /// AME's own secrets when the engine is embedded (a server never hands out values:
    /// then only the auth files are used).
    public static func live(context: CommandContext) -> RegistryCredentialStore {
        RegistryCredentialStore(environment: context.environment) { name in
            guard let api = try? context.jobsAPI() as? EmbeddedJobsAPI else { return nil }
            return try api.engine.vault.value(owner: api.owner, name: name)
        }
    }

    public struct Failure: Error, Sendable, CustomStringConvertible {
        public var message: String
        public var hint: String?
        public var description: String { message }
    }

    /// The secret AME looks for when none is named: `registry-` and the host, `:` as `-`.
    public static func secretName(for registry: String) -> String {
        let host = registry.lowercased().replacingOccurrences(of: "[", with: "").replacingOccurrences(of: "]", with: "")
            .replacingOccurrences(of: ":", with: "-")
        return "registry-\(host)"
    }

    /// Credentials for `registry` (and the repository `path` in it, for auth files keyed by
    /// namespace), or nil for anonymous access.
    public func credential(for registry: String, path: String? = nil, secret: String? = nil) async throws -> RegistryCredential? {
        let name = secret ?? Self.secretName(for: registry)
        if Names.isValidSecretName(name), let data = try await readSecret(name) {
            guard let (username, password) = Self.parseSecret(data) else {
                throw Failure(message: "the AME secret '\(name)' does not hold registry credentials",
                              hint: "set it to USER:PASSWORD, e.g. printf 'ada:TOKEN' | ame secret set \(name)")
            }
            return RegistryCredential(username: username, password: password, source: "secret:\(name)")
        }
        if let secret {
            throw Failure(message: "the AME secret '\(secret)' is not set",
                          hint: "set it to USER:PASSWORD with: printf 'ada:TOKEN' | ame secret set \(secret)")
        }
        for file in authFiles() {
            guard let data = FileManager.default.contents(atPath: file.path),
                  let (username, password) = Self.lookUp(registry: registry, path: path, inAuthFile: data) else { continue }
            return RegistryCredential(username: username, password: password, source: file.path)
        }
        return nil
    }

    /// The auth files in the order they are read.
    public func authFiles() -> [URL] {
        let home = environment["HOME"] ?? NSHomeDirectory()
        var files: [String] = []
        if let file = environment["REGISTRY_AUTH_FILE"], !file.isEmpty { files.append(file) }
        if let runtime = environment["XDG_RUNTIME_DIR"], !runtime.isEmpty { files.append("\(runtime)/containers/auth.json") }
        let config = environment["XDG_CONFIG_HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? "\(home)/.config"
        files.append("\(config)/containers/auth.json")
        let docker = environment["DOCKER_CONFIG"].flatMap { $0.isEmpty ? nil : $0 } ?? "\(home)/.docker"
        files.append("\(docker)/config.json")
        var seen = Set<String>()
        return files.filter { seen.insert($0).inserted }.map { URL(fileURLWithPath: $0) }
    }

    /// A secret's value as credentials: `USER:PASSWORD`, `username=`/`password=` lines, or JSON.
    static func parseSecret(_ data: Data) -> (String, String)? {
        let text = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        if text.hasPrefix("{") {
            guard let object = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any] else { return nil }
            if let username = object["username"] as? String, let password = object["password"] as? String { return (username, password) }
            if let auth = object["auth"] as? String { return decodeAuth(auth) }
            return nil
        }
        var fields: [String: String] = [:]
        for line in text.split(whereSeparator: \.isNewline) {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            guard let equals = trimmed.firstIndex(of: "=") else { continue }
            let key = trimmed[..<equals].trimmingCharacters(in: .whitespaces).lowercased()
            var value = trimmed[trimmed.index(after: equals)...].trimmingCharacters(in: .whitespaces)
            if value.count >= 2, let first = value.first, first == "\"" || first == "'", value.last == first {
                value = String(value.dropFirst().dropLast())
            }
            fields[key.replacingOccurrences(of: "registry_", with: "")] = value
        }
        if let username = fields["username"] ?? fields["user"], let password = fields["password"] ?? fields["token"] {
            return (username, password)
        }
        guard !text.contains("\n"), let colon = text.firstIndex(of: ":") else { return nil }
        let username = String(text[..<colon])
        let password = String(text[text.index(after: colon)...])
        return username.isEmpty || password.isEmpty ? nil : (username, password)
    }

    /// The entry of `auths` for the registry (or a namespace of it holding `path`): the
    /// longest matching key wins, as in containers-auth.json(5).
    static func lookUp(registry: String, path: String?, inAuthFile data: Data) -> (String, String)? {
        guard let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
              let auths = object["auths"] as? [String: Any] else { return nil }
        let wanted = registry == RegistryRepository.dockerHub ? ["docker.io", "index.docker.io", "registry-1.docker.io"] : [registry]
        var best: (length: Int, credentials: (String, String))?
        for (key, value) in auths {
            let normalized = normalizeKey(key)
            let matches = wanted.contains { candidate in
                normalized == candidate || (path.map { normalized.hasPrefix("\(candidate)/") && "\(candidate)/\($0)/".hasPrefix(normalized + "/") } ?? false)
            }
            guard matches, let entry = value as? [String: Any] else { continue }
            var credentials: (String, String)?
            if let auth = entry["auth"] as? String, !auth.isEmpty {
                credentials = decodeAuth(auth)
            } else if let username = entry["username"] as? String, let password = entry["password"] as? String {
                credentials = (username, password)
            }
            guard let credentials else { continue }
            if best == nil || normalized.count > best!.length { best = (normalized.count, credentials) }
        }
        return best?.credentials
    }

    /// `https://index.docker.io/v1/` → `index.docker.io`; `quay.io/team` stays.
    static func normalizeKey(_ key: String) -> String {
        var text = key
        for scheme in ["https://", "http://"] where text.hasPrefix(scheme) { text.removeFirst(scheme.count) }
        while text.hasSuffix("/") { text.removeLast() }
        for suffix in ["/v1", "/v2"] where text.hasSuffix(suffix) { text.removeLast(suffix.count) }
        return text
    }

    static func decodeAuth(_ auth: String) -> (String, String)? {
        guard let data = Data(base64Encoded: auth.trimmingCharacters(in: .whitespacesAndNewlines)) else { return nil }
        let text = String(decoding: data, as: UTF8.self)
        guard let colon = text.firstIndex(of: ":") else { return nil }
        return (String(text[..<colon]), String(text[text.index(after: colon)...]))
    }
}
