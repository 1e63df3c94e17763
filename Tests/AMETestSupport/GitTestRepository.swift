import AMESystem
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A real git repository made by a test: files committed with the system `git`, served
/// as `file://`, by `git daemon` or by `git http-backend` (see `GitDaemon`, `GitHTTPServer`).
public final class GitTestRepository: @unchecked Sendable {
    public let directory: URL

    public init(at directory: URL, branch: String = "main") throws {
        self.directory = directory
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        try git(["init", "--quiet", "--initial-branch", branch])
        try git(["config", "user.email", "tests@ame.invalid"])
        try git(["config", "user.name", "AME tests"])
    }

    public var fileURL: String { "file://" + directory.path }

    /// Writes (or, for nil, removes) files and commits them; returns the commit's sha.
    @discardableResult
    public func commit(_ files: [String: String?], message: String = "change") throws -> String {
        for (path, content) in files {
            let file = directory.appendingPathComponent(path)
            if let content {
                try FileManager.default.createDirectory(at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
                try Data(content.utf8).write(to: file)
                try git(["add", "--", path])
            } else {
                try git(["rm", "--quiet", "--", path])
            }
        }
        try git(["commit", "--quiet", "--allow-empty", "-m", message])
        return try git(["rev-parse", "HEAD"]).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    public struct GitError: Error, CustomStringConvertible {
        public var description: String
    }

    /// `git ARGS` in the repository; its stdout.
    @discardableResult
    public func git(_ arguments: [String]) throws -> String {
        try Self.run(arguments, in: directory)
    }

    @discardableResult
    public static func run(_ arguments: [String], in directory: URL, environment extra: [String: String] = [:]) throws -> String {
        let output = FileManager.default.temporaryDirectory.appendingPathComponent("git-test-\(UUID().uuidString.prefix(8))")
        let descriptor = open(output.path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        defer { close(descriptor); unlink(output.path) }
        var environment = ProcessInfo.processInfo.environment
        environment["GIT_CONFIG_NOSYSTEM"] = "1"
        environment.merge(extra) { _, new in new }
        var configuration = ChildProcess.Configuration(executable: "/usr/bin/git", arguments: arguments, environment: environment,
                                                       workingDirectory: directory.path)
        configuration.standardOutput = .fileDescriptor(descriptor)
        configuration.standardError = .fileDescriptor(descriptor)
        let process = try ChildProcess.spawn(configuration)
        var status = process.exitStatusIfEnded
        while status == nil {
            usleep(2_000)
            status = process.exitStatusIfEnded
        }
        let text = (try? String(contentsOf: output, encoding: .utf8)) ?? ""
        guard status?.succeeded == true else {
            throw GitError(description: "git \(arguments.joined(separator: " ")) failed (\(status.map { "\($0)" } ?? "?")): \(text)")
        }
        return text
    }
}
