import AMEPluginKit
import Foundation

/// Registry settings shared by the commands that talk to registries.
struct RegistryAccess: Sendable {
    var environment: [String: String]
    /// `--insecure`: plain HTTP or unverified TLS for every registry.
    var insecure: Bool
    /// `--tls-verify`: overrides the choice made per registry.
    var tlsVerify: Bool?

    /// Whether TLS is verified for `image`'s registry: not for loopback registries (as podman
    /// does), nor for those listed in `AME_INSECURE_REGISTRIES`, nor with `--insecure`.
    func verifiesTLS(for image: ImageName) -> Bool {
        if let tlsVerify { return tlsVerify }
        if insecure || image.isLoopback { return false }
        let listed = (environment["AME_INSECURE_REGISTRIES"] ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        return !listed.contains(image.registry)
    }

    /// The credentials AME knows for these registries. When any comes from an AME secret
    /// (which builders cannot read), they are all written to a private auth file for the
    /// builder, removed when `body` returns; otherwise builders use their own login.
    func withAuthFile<T>(for images: [ImageName], secret: String?, secretFor target: ImageName?, host: AMEHost,
                         _ body: (URL?) async throws -> T) async throws -> T {
        var found: [RegistryCredentialsResult] = []
        var seen = Set<String>()
        for image in images where seen.insert(image.registry).inserted {
            let wantsSecret = target.map { $0.registry == image.registry } == true ? secret : nil
            // Fully qualified (`docker.io/python`), so AME reads it as an image, not a host.
            let credentials = try await host.registryCredentials("\(image.registry)/\(image.path)", secret: wantsSecret)
            if credentials.found { found.append(credentials) }
        }
        guard found.contains(where: { $0.source?.hasPrefix("secret:") == true }) else { return try await body(nil) }
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("ame-image-auth-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        defer { try? FileManager.default.removeItem(at: folder) }
        var auths: [String: JSONValue] = [:]
        for credentials in found {
            let token = Data("\(credentials.username ?? ""):\(credentials.password ?? "")".utf8).base64EncodedString()
            auths[credentials.registry] = ["auth": .string(token)]
            if credentials.registry == "docker.io" { auths["https://index.docker.io/v1/"] = ["auth": .string(token)] }
        }
        let file = folder.appendingPathComponent("config.json")
        FileManager.default.createFile(atPath: file.path, contents: Data(JSONWriter.write(["auths": .object(auths)])),
                                       attributes: [.posixPermissions: 0o600])
        return try await body(file)
    }
}

/// What the plugin remembers per project between commands (the last build and push), under
/// `$AME_DATA_DIR/plugin-data/image/`.
struct PluginState: Codable, Sendable {
    struct Entry: Codable, Sendable {
        var lastBuild: String?
        var builder: String?
        var lastPush: String?
        var digest: String?
    }

    var projects: [String: Entry] = [:]

    static func file(environment: [String: String]) -> URL {
        let data = environment["AME_DATA_DIR"].flatMap { $0.isEmpty ? nil : $0 }
            ?? ((environment["XDG_DATA_HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? "\(environment["HOME"] ?? NSHomeDirectory())/.local/share") + "/ame")
        return URL(fileURLWithPath: data).appendingPathComponent("plugin-data/image/state.json")
    }

    static func load(environment: [String: String]) -> PluginState {
        guard let data = FileManager.default.contents(atPath: file(environment: environment).path),
              let state = try? JSONDecoder().decode(PluginState.self, from: data) else { return PluginState() }
        return state
    }

    static func update(environment: [String: String], project: URL, _ change: (inout Entry) -> Void) {
        var state = load(environment: environment)
        change(&state.projects[project.path, default: Entry()])
        let url = file(environment: environment)
        try? FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        if let data = try? encoder.encode(state) {
            try? data.write(to: url, options: .atomic)
        }
    }
}

extension ImageName {
    /// Parses a reference the user typed, failing with a usage error that says what is wrong.
    static func argument(_ text: String, what: String) throws -> ImageName {
        do {
            return try ImageName(parsing: text)
        } catch {
            throw PluginFailure("\(what) \(error)", hint: "an image reference looks like registry.example.com/team/name:tag", exitCode: 64)
        }
    }
}

/// A tag from the time, as `ame image build` names images when no tag is given: sortable
/// and unique per second (`20260314-093015`).
func timestampTag(_ date: Date = Date()) -> String {
    let formatter = DateFormatter()
    formatter.locale = Locale(identifier: "en_US_POSIX")
    formatter.timeZone = TimeZone(identifier: "UTC")
    formatter.dateFormat = "yyyyMMdd-HHmmss"
    return formatter.string(from: date)
}

/// The project's name as an image repository component (lowercase, `[a-z0-9._-]`).
func repositoryComponent(_ name: String) -> String {
    let mapped = name.lowercased().map { $0.isASCII && ($0.isLetter || $0.isNumber) ? $0 : "-" }
    let trimmed = String(mapped).trimmingCharacters(in: CharacterSet(charactersIn: "-"))
    var collapsed = ""
    for c in trimmed where !(c == "-" && collapsed.hasSuffix("-")) { collapsed.append(c) }
    return collapsed.isEmpty ? "project" : collapsed
}
