import AMECore
import Foundation

/// Credentials for one git command, made from an AME secret: an HTTPS token becomes an
/// `Authorization: Basic` header passed through git's environment config
/// (`GIT_CONFIG_COUNT`), an SSH private key a 0600 file named in `GIT_SSH_COMMAND`,
/// removed when done. Neither is written to the repository's config, argv or a log.
struct GitCredentials: Sendable {
    var environment: [String: String] = [:]
    /// Values to scrub from git's messages.
    var secrets: [String] = []
    /// A key file to delete after the command.
    var keyFile: URL?

    static let none = GitCredentials()

    /// `value` is `TOKEN`, `USER:TOKEN` (HTTPS) or an OpenSSH/PEM private key.
    static func make(secret value: Data, scratch: URL) throws -> GitCredentials {
        let text = String(decoding: value, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        if text.hasPrefix("-----BEGIN") {
            let file = scratch.appendingPathComponent("key-\(UUID().uuidString.prefix(8))")
            guard FileManager.default.createFile(atPath: file.path, contents: Data((text + "\n").utf8),
                                                 attributes: [.posixPermissions: 0o600]) else {
                throw APIError(.internal, "cannot write the SSH key file under \(scratch.path)")
            }
            let command = "ssh -i '\(file.path)' -o IdentitiesOnly=yes -o BatchMode=yes -o StrictHostKeyChecking=accept-new "
                + "-o UserKnownHostsFile='\(scratch.appendingPathComponent("known_hosts").path)'"
            return GitCredentials(environment: ["GIT_SSH_COMMAND": command], secrets: [], keyFile: file)
        }
        // A bare token goes with a placeholder user, as GitHub, GitLab and Gitea accept.
        let pair = text.contains(":") ? text : "x-access-token:\(text)"
        let token = pair.split(separator: ":", maxSplits: 1).last.map(String.init) ?? text
        let header = "Authorization: Basic " + Data(pair.utf8).base64EncodedString()
        return GitCredentials(
            environment: ["GIT_CONFIG_COUNT": "1", "GIT_CONFIG_KEY_0": "http.extraHeader", "GIT_CONFIG_VALUE_0": header],
            secrets: [text, pair, token, header])
    }

    func cleanUp() {
        if let keyFile { try? FileManager.default.removeItem(at: keyFile) }
    }
}
