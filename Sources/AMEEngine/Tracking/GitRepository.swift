import AMECore
import Foundation

/// A tracked source's bare repository under the data directory: fetched from the URL on
/// each poll (the URL is passed on the command line, never stored as a remote), read at a
/// commit, and exported to a directory when a schedule fires.
struct GitRepository: Sendable {
    let directory: URL
    let runner: GitRunner

    /// The ref the tracked branch is fetched into.
    static let trackedRef = "refs/ame/tracked"

    /// Fetches `branch` (nil: the remote's HEAD) and returns the commit it points at.
    func fetch(url: String, branch: String?, credentials: GitCredentials) async throws -> String {
        if !FileManager.default.fileExists(atPath: directory.appendingPathComponent("HEAD").path) {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            let initialized = try await runner.run(["init", "--bare", "--quiet", directory.path])
            guard initialized.status.succeeded else {
                throw APIError(.internal, "cannot create \(directory.path): \(initialized.stderr)")
            }
        }
        let source = branch.map { "refs/heads/\($0)" } ?? "HEAD"
        var environment = credentials.environment
        // Only transports that make sense for a server (no ext::, no fd::).
        environment["GIT_ALLOW_PROTOCOL"] = "file:git:http:https:ssh"
        let fetched = try await runner.run(
            ["--git-dir", directory.path, "fetch", "--quiet", "--no-tags", "--no-write-fetch-head", url, "+\(source):\(Self.trackedRef)"],
            environment: environment, secrets: credentials.secrets)
        guard fetched.status.succeeded else {
            let message = fetched.stderr.trimmingCharacters(in: .whitespacesAndNewlines)
            throw APIError(.invalidRequest, "git could not fetch \(branch.map { "branch '\($0)' of " } ?? "")\(url): \(message.isEmpty ? "\(fetched.status)" : message)",
                           hint: Self.hint(for: message, branch: branch))
        }
        return try await resolve(Self.trackedRef)
    }

    func resolve(_ ref: String) async throws -> String {
        let parsed = try await runner.run(["--git-dir", directory.path, "rev-parse", "--verify", "--quiet", "\(ref)^{commit}"])
        let sha = String(decoding: parsed.stdout, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        guard parsed.status.succeeded, !sha.isEmpty else { throw APIError(.notFound, "no commit at \(ref)") }
        return sha
    }

    /// The file's content at `commit`, or nil when the commit has no such file.
    func file(_ path: String, at commit: String) async throws -> Data? {
        let listed = try await runner.run(["--git-dir", directory.path, "ls-tree", "--name-only", commit, "--", path])
        guard listed.status.succeeded else { throw APIError(.internal, "git ls-tree failed: \(listed.stderr)") }
        guard !listed.stdout.isEmpty else { return nil }
        let shown = try await runner.run(["--git-dir", directory.path, "cat-file", "blob", "\(commit):\(path)"])
        guard shown.status.succeeded else { return nil }
        return shown.stdout
    }

    /// Writes the tree of `commit` into `target` (which must exist), without touching the
    /// repository's own index.
    func export(_ commit: String, to target: URL) async throws {
        let index = runner.scratch.appendingPathComponent("index-\(UUID().uuidString.prefix(8))")
        defer { try? FileManager.default.removeItem(at: index) }
        let checkedOut = try await runner.run(
            ["--git-dir", directory.path, "--work-tree", target.path, "-c", "core.hooksPath=/dev/null",
             "checkout", "--quiet", "--force", commit, "--", "."],
            environment: ["GIT_INDEX_FILE": index.path])
        guard checkedOut.status.succeeded else {
            throw APIError(.internal, "cannot check out \(commit.prefix(12)): \(checkedOut.stderr)")
        }
    }

    static func hint(for message: String, branch: String?) -> String {
        let lower = message.lowercased()
        if lower.contains("authentication") || lower.contains("401") || lower.contains("403") || lower.contains("could not read username")
            || lower.contains("permission denied") {
            return "give the credentials as an AME secret: ame secret set NAME, then --secret NAME"
        }
        if lower.contains("couldn't find remote ref") || lower.contains("could not find remote ref") {
            return "check the branch name\(branch.map { " ('\($0)')" } ?? "")"
        }
        return "check the URL, and that the server can reach it"
    }
}
