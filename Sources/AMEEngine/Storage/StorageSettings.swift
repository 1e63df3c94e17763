import AMECore
import Foundation

/// The storage credentials an AME secret holds.
///
/// Format (documented in docs/s3.md): either `KEY=VALUE` lines, as in an env file or the
/// AWS credentials file —
///
///     AWS_ACCESS_KEY_ID=AKIA…
///     AWS_SECRET_ACCESS_KEY=…
///     AWS_SESSION_TOKEN=…          # optional
///     AWS_REGION=eu-central-1      # optional
///     AWS_ENDPOINT_URL=https://…   # optional, for S3-compatible stores
///
/// (`export ` prefixes, quotes, `#` comments, `[profile]` headers and the lower-case
/// `aws_access_key_id = …` spelling are accepted) — or one JSON object with the same keys
/// (also `accessKeyId`, `secretAccessKey`, `sessionToken`, `region`, `endpoint`).
public struct StorageSecret: Hashable, Sendable {
    public var credentials: ObjectStoreCredentials
    public var region: String?
    public var endpoint: String?

    public struct FormatError: Error, CustomStringConvertible {
        public var secret: String
        public var missing: [String]
        public var description: String {
            "the secret '\(secret)' holds no \(missing.joined(separator: " or ")): write it as AWS_ACCESS_KEY_ID=… and AWS_SECRET_ACCESS_KEY=… lines (AWS_SESSION_TOKEN, AWS_REGION and AWS_ENDPOINT_URL optional), or as a JSON object with those keys"
        }
    }

    /// Reads the value of the secret `name`; errors never quote the value.
    public static func parse(_ value: Data, name: String) throws -> StorageSecret {
        let text = String(decoding: value, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        var fields: [String: String] = [:]
        if text.hasPrefix("{"), let object = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any] {
            for (key, value) in object {
                if let string = value as? String { fields[normalized(key)] = string }
            }
        } else {
            for rawLine in text.split(whereSeparator: \.isNewline) {
                var line = rawLine.trimmingCharacters(in: .whitespaces)
                if line.isEmpty || line.hasPrefix("#") || line.hasPrefix(";") || line.hasPrefix("[") { continue }
                if line.hasPrefix("export ") { line = String(line.dropFirst("export ".count)) }
                guard let equals = line.firstIndex(of: "=") else { continue }
                let key = line[..<equals].trimmingCharacters(in: .whitespaces)
                var value = line[line.index(after: equals)...].trimmingCharacters(in: .whitespaces)
                if value.count >= 2, let first = value.first, first == "\"" || first == "'", value.last == first {
                    value = String(value.dropFirst().dropLast())
                }
                fields[normalized(key)] = value
            }
        }
        func field(_ names: String...) -> String? {
            names.lazy.compactMap { fields[$0] }.first { !$0.isEmpty }
        }
        let accessKey = field("awsaccesskeyid", "accesskeyid", "accesskey")
        let secretKey = field("awssecretaccesskey", "secretaccesskey", "secretkey")
        guard let accessKey, let secretKey else {
            throw FormatError(secret: name, missing: [accessKey == nil ? "AWS_ACCESS_KEY_ID" : nil,
                                                      secretKey == nil ? "AWS_SECRET_ACCESS_KEY" : nil].compactMap { $0 })
        }
        return StorageSecret(
            credentials: ObjectStoreCredentials(accessKeyID: accessKey, secretAccessKey: secretKey,
                                                sessionToken: field("awssessiontoken", "sessiontoken", "awssecuritytoken")),
            region: field("awsregion", "region", "awsdefaultregion"),
            endpoint: field("awsendpointurls3", "awsendpointurl", "endpointurl", "endpoint"))
    }

    /// `AWS_ACCESS_KEY_ID`, `aws_access_key_id` and `accessKeyId` all become `awsaccesskeyid`
    /// or `accesskeyid`.
    private static func normalized(_ key: String) -> String {
        key.lowercased().filter { $0.isLetter || $0.isNumber }
    }
}

/// Where an entry's endpoint, region and credentials come from, first match wins:
///
/// - credentials: the entry's `secret`; else the step's `secrets` whose envkeys are
///   `AWS_ACCESS_KEY_ID`/`AWS_SECRET_ACCESS_KEY` (and `AWS_SESSION_TOKEN`); else the owner's
///   AME secrets named `AWS_ACCESS_KEY_ID`/`AWS_SECRET_ACCESS_KEY`/`AWS_SESSION_TOKEN`; else the
///   same variables in the agent's environment; else none (unsigned requests, for public
///   buckets).
/// - endpoint: the entry's `endpoint`; the secret's `AWS_ENDPOINT_URL`; `AWS_ENDPOINT_URL_S3`
///   or `AWS_ENDPOINT_URL` in the step's `env`, then in the agent's environment; else AWS.
/// - region: the entry's `region`; the secret's; `AWS_REGION` or `AWS_DEFAULT_REGION` in the
///   step's `env`, then the agent's; else `us-east-1`.
/// - addressing: `AME_S3_ADDRESSING` (`path` or `virtual`) in the step's env or the agent's;
///   else automatic.
struct StorageSettingsResolver: Sendable {
    let vault: SecretVault
    let owner: String
    let baseEnvironment: [String: String]

    struct Entry {
        var secret: String?
        var endpoint: String?
        var region: String?
    }

    struct Problem: Error, CustomStringConvertible {
        var description: String
    }

    func connection(for entry: Entry, step: TaskSpec?) throws -> ObjectStoreConnection {
        let stepEnvironment = Dictionary((step?.env ?? []).map { ($0.key, $0.value) }, uniquingKeysWith: { _, last in last })
        func variable(_ names: String...) -> String? {
            for environment in [stepEnvironment, baseEnvironment] {
                if let value = names.lazy.compactMap({ environment[$0] }).first(where: { !$0.isEmpty }) { return value }
            }
            return nil
        }

        var secret: StorageSecret?
        var credentials: ObjectStoreCredentials?
        var source = "no credentials (unsigned requests)"
        if let name = entry.secret {
            guard let value = try vault.value(owner: owner, name: name) else {
                throw Problem(description: "the secret '\(name)' is not set (set it with 'ame secret set \(name)')")
            }
            secret = try StorageSecret.parse(value, name: name)
            credentials = secret?.credentials
            source = "the secret '\(name)'"
        } else if let fromStep = try stepSecretCredentials(step) {
            credentials = fromStep.0
            source = fromStep.1
        } else if let id = try vault.value(owner: owner, name: "AWS_ACCESS_KEY_ID"),
                  let key = try vault.value(owner: owner, name: "AWS_SECRET_ACCESS_KEY") {
            let token = try vault.value(owner: owner, name: "AWS_SESSION_TOKEN")
            credentials = ObjectStoreCredentials(accessKeyID: Self.text(id), secretAccessKey: Self.text(key),
                                                 sessionToken: token.map(Self.text))
            source = "the secrets AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY"
        } else if let id = baseEnvironment["AWS_ACCESS_KEY_ID"], let key = baseEnvironment["AWS_SECRET_ACCESS_KEY"], !id.isEmpty, !key.isEmpty {
            credentials = ObjectStoreCredentials(accessKeyID: id, secretAccessKey: key,
                                                 sessionToken: baseEnvironment["AWS_SESSION_TOKEN"].flatMap { $0.isEmpty ? nil : $0 })
            source = "AWS_ACCESS_KEY_ID from the engine's environment"
        }

        let endpointText = entry.endpoint ?? secret?.endpoint ?? variable("AWS_ENDPOINT_URL_S3", "AWS_ENDPOINT_URL")
        var endpoint: URL?
        if let endpointText {
            guard let url = URL(string: endpointText), ["http", "https"].contains(url.scheme ?? ""), url.host != nil else {
                throw Problem(description: "the S3 endpoint '\(endpointText)' is not an http:// or https:// URL")
            }
            endpoint = url
        }
        let region = entry.region ?? secret?.region ?? variable("AWS_REGION", "AWS_DEFAULT_REGION") ?? "us-east-1"
        let addressing = variable("AME_S3_ADDRESSING").flatMap(S3Addressing.init(rawValue:)) ?? .automatic
        return ObjectStoreConnection(endpoint: endpoint, region: region, credentials: credentials, addressing: addressing,
                                     credentialSource: source)
    }

    /// Credentials from the step's own `secrets`, by the env keys they are given.
    private func stepSecretCredentials(_ step: TaskSpec?) throws -> (ObjectStoreCredentials, String)? {
        guard let step else { return nil }
        func value(_ envKey: String) throws -> (String, String)? {
            guard let ref = step.secrets.first(where: { $0.envKey == envKey }),
                  let value = try vault.value(owner: owner, name: ref.name) else { return nil }
            return (ref.name, Self.text(value))
        }
        guard let id = try value("AWS_ACCESS_KEY_ID"), let key = try value("AWS_SECRET_ACCESS_KEY") else { return nil }
        let token = try value("AWS_SESSION_TOKEN")
        return (ObjectStoreCredentials(accessKeyID: id.1, secretAccessKey: key.1, sessionToken: token?.1),
                "the secrets '\(id.0)' and '\(key.0)'")
    }

    private static func text(_ data: Data) -> String {
        String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
