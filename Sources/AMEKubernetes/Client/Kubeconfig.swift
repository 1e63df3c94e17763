import Foundation
import Yams

/// A kubeconfig file (or several merged, as `KUBECONFIG=a:b` does): clusters, users,
/// contexts and the current context.
public struct Kubeconfig: Sendable {
    struct File: Decodable {
        var clusters: [Named<Cluster>]?
        var users: [Named<User>]?
        var contexts: [Named<Context>]?
        var currentContext: String?

        enum CodingKeys: String, CodingKey {
            case clusters, users, contexts
            case currentContext = "current-context"
        }
    }

    struct Named<Value: Decodable & Sendable>: Decodable, Sendable {
        var name: String
        var value: Value?

        enum CodingKeys: String, CodingKey { case name, cluster, user, context }

        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            name = try container.decode(String.self, forKey: .name)
            for key in [CodingKeys.cluster, .user, .context] where container.contains(key) {
                value = try container.decodeIfPresent(Value.self, forKey: key)
            }
        }
    }

    struct Cluster: Decodable, Sendable {
        var server: String?
        var certificateAuthority: String?
        var certificateAuthorityData: String?
        var insecureSkipTLSVerify: Bool?

        enum CodingKeys: String, CodingKey {
            case server
            case certificateAuthority = "certificate-authority"
            case certificateAuthorityData = "certificate-authority-data"
            case insecureSkipTLSVerify = "insecure-skip-tls-verify"
        }
    }

    struct User: Decodable, Sendable {
        var token: String?
        var tokenFile: String?
        var clientCertificate: String?
        var clientCertificateData: String?
        var clientKey: String?
        var clientKeyData: String?
        var exec: ExecConfig?
        var authProvider: AuthProvider?
        var username: String?

        enum CodingKeys: String, CodingKey {
            case token, tokenFile, exec, username
            case clientCertificate = "client-certificate"
            case clientCertificateData = "client-certificate-data"
            case clientKey = "client-key"
            case clientKeyData = "client-key-data"
            case authProvider = "auth-provider"
        }

        struct AuthProvider: Decodable, Sendable {
            var name: String?
        }
    }

    struct ExecConfig: Decodable, Sendable {
        var apiVersion: String?
        var command: String
        var args: [String]?
        var env: [Variable]?
        var installHint: String?

        struct Variable: Decodable, Sendable {
            var name: String
            var value: String
        }
    }

    struct Context: Decodable, Sendable {
        var cluster: String
        var user: String?
        var namespace: String?
    }

    /// Entries from each file, with the directory relative paths in it are relative to.
    var clusters: [String: (Cluster, URL)] = [:]
    var users: [String: (User, URL)] = [:]
    var contexts: [String: Context] = [:]
    var currentContext: String?
    var paths: [String] = []

    /// Loads and merges the files; as in kubectl, the first file to define a name (or the
    /// current context) wins. Files that do not exist are skipped unless none exists.
    public static func load(paths: [String]) throws(KubernetesConfiguration.LoadError) -> Kubeconfig {
        var config = Kubeconfig()
        for path in paths {
            let url = URL(fileURLWithPath: (path as NSString).expandingTildeInPath)
            guard let data = FileManager.default.contents(atPath: url.path) else { continue }
            config.paths.append(url.path)
            let file: File
            do {
                file = try YAMLDecoder().decode(File.self, from: String(decoding: data, as: UTF8.self))
            } catch {
                throw .init("the kubeconfig \(url.path) cannot be read: \(error)", hint: "check it with 'kubectl config view --kubeconfig \(url.path)'")
            }
            let base = url.deletingLastPathComponent()
            for entry in file.clusters ?? [] where config.clusters[entry.name] == nil {
                if let cluster = entry.value { config.clusters[entry.name] = (cluster, base) }
            }
            for entry in file.users ?? [] where config.users[entry.name] == nil {
                config.users[entry.name] = (entry.value ?? User(), base)
            }
            for entry in file.contexts ?? [] where config.contexts[entry.name] == nil {
                if let context = entry.value { config.contexts[entry.name] = context }
            }
            if config.currentContext == nil, let current = file.currentContext, !current.isEmpty {
                config.currentContext = current
            }
        }
        guard !config.paths.isEmpty else {
            throw .init("the kubeconfig \(paths.joined(separator: ":")) does not exist", hint: "pass the path of an existing kubeconfig")
        }
        return config
    }

    /// The API server and credentials of `context` (default: the current context).
    public func configuration(context name: String?) throws(KubernetesConfiguration.LoadError) -> KubernetesConfiguration {
        let files = paths.joined(separator: ":")
        guard let contextName = name ?? currentContext else {
            throw .init("the kubeconfig \(files) has no current context", hint: "pick one with 'kubectl config use-context NAME' or pass --context NAME")
        }
        guard let context = contexts[contextName] else {
            let known = contexts.keys.sorted()
            throw .init("the kubeconfig \(files) has no context '\(contextName)'",
                        hint: known.isEmpty ? "add one with 'kubectl config set-context'" : "contexts: \(known.joined(separator: ", "))")
        }
        guard let (cluster, clusterBase) = clusters[context.cluster] else {
            throw .init("context '\(contextName)' names the cluster '\(context.cluster)', which the kubeconfig \(files) does not define")
        }
        let serverText = cluster.server ?? ""
        let trimmed: String = serverText.hasSuffix("/") ? String(serverText.dropLast()) : serverText
        guard let server = URL(string: trimmed), server.scheme == "https" || server.scheme == "http" else {
            throw .init("cluster '\(context.cluster)' in \(files) has no usable server address ('\(serverText)')",
                        hint: "it should look like https://203.0.113.10:6443")
        }
        let source = "kubeconfig \(files) (context \(contextName))"
        let ca: [UInt8]?
        if let data = cluster.certificateAuthorityData {
            ca = try Self.decodeBase64(data, field: "certificate-authority-data of cluster '\(context.cluster)'", source: source)
        } else if let path = cluster.certificateAuthority {
            ca = try Self.read(path, base: clusterBase, field: "certificate-authority of cluster '\(context.cluster)'")
        } else {
            ca = nil
        }
        let credentials: KubernetesConfiguration.Credentials
        if let userName = context.user, let (user, userBase) = users[userName] {
            credentials = try Self.credentials(user, name: userName, base: userBase, source: source)
        } else {
            credentials = .none
        }
        return KubernetesConfiguration(server: server, certificateAuthority: ca, insecureSkipTLSVerify: cluster.insecureSkipTLSVerify ?? false,
                                       credentials: credentials, namespace: context.namespace, source: source)
    }

    private static func credentials(_ user: User, name: String, base: URL, source: String) throws(KubernetesConfiguration.LoadError) -> KubernetesConfiguration.Credentials {
        if let token = user.token, !token.isEmpty { return .bearerToken(token) }
        if let file = user.tokenFile, !file.isEmpty { return .tokenFile(resolve(file, base: base).path) }
        let certificate: [UInt8]?
        if let data = user.clientCertificateData {
            certificate = try decodeBase64(data, field: "client-certificate-data of user '\(name)'", source: source)
        } else if let path = user.clientCertificate {
            certificate = try read(path, base: base, field: "client-certificate of user '\(name)'")
        } else {
            certificate = nil
        }
        let key: [UInt8]?
        if let data = user.clientKeyData {
            key = try decodeBase64(data, field: "client-key-data of user '\(name)'", source: source)
        } else if let path = user.clientKey {
            key = try read(path, base: base, field: "client-key of user '\(name)'")
        } else {
            key = nil
        }
        switch (certificate, key) {
        case let (certificate?, key?):
            return .clientCertificate(certificate: certificate, key: key)
        case (.some, nil), (nil, .some):
            throw .init("user '\(name)' in \(source) has a client certificate without its key, or a key without its certificate")
        case (nil, nil):
            break
        }
        if let exec = user.exec {
            return .exec(ExecCredentialPlugin(command: exec.command, arguments: exec.args ?? [],
                                              environment: Dictionary((exec.env ?? []).map { ($0.name, $0.value) }, uniquingKeysWith: { $1 }),
                                              apiVersion: exec.apiVersion ?? "client.authentication.k8s.io/v1",
                                              installHint: exec.installHint))
        }
        if let provider = user.authProvider?.name {
            throw .init("user '\(name)' in \(source) uses the auth provider '\(provider)', which kubectl itself no longer supports",
                        hint: "use a token, a client certificate, or an exec credential plugin")
        }
        return .none
    }

    private static func decodeBase64(_ text: String, field: String, source: String) throws(KubernetesConfiguration.LoadError) -> [UInt8] {
        let cleaned = text.filter { !$0.isWhitespace }
        guard let data = Data(base64Encoded: cleaned) else {
            throw .init("\(field) in \(source) is not base64")
        }
        return [UInt8](data)
    }

    private static func resolve(_ path: String, base: URL) -> URL {
        let expanded = (path as NSString).expandingTildeInPath
        return expanded.hasPrefix("/") ? URL(fileURLWithPath: expanded) : base.appendingPathComponent(expanded)
    }

    private static func read(_ path: String, base: URL, field: String) throws(KubernetesConfiguration.LoadError) -> [UInt8] {
        let url = resolve(path, base: base)
        guard let data = FileManager.default.contents(atPath: url.path) else {
            throw .init("\(field) is \(url.path), which cannot be read")
        }
        return [UInt8](data)
    }
}
