import AMECore
import AMESystem
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Runs the system `git` with a clean environment: no user or system config (so nothing a
/// helper or an `includeIf` does can store or leak credentials), no prompts, a deadline,
/// and output captured to files. Secrets go in through `environment` only (never argv,
/// never a config file), and every message that leaves is scrubbed of them.
struct GitRunner: Sendable {
    var executable: String
    /// A private scratch directory (HOME for git, the output files).
    var scratch: URL
    var timeout: Duration = .seconds(120)

    struct Output: Sendable {
        var status: TerminationStatus
        var stdout: Data
        var stderr: String
    }

    static func locate(environment: [String: String] = ProcessInfo.processInfo.environment) throws -> String {
        guard let git = ExecutableLookup.find("git", path: environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin") else {
            throw APIError(.unavailable, "the server cannot track git repositories: 'git' is not installed",
                           hint: "install git on the server (apt-get install git)")
        }
        return git
    }

    /// `git ARGS`; `secrets` are scrubbed from what is returned.
    func run(_ arguments: [String], in directory: URL? = nil, environment extra: [String: String] = [:],
             secrets: [String] = []) async throws -> Output {
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true,
                                                attributes: [.posixPermissions: 0o700])
        let tag = UUID().uuidString.prefix(8)
        let outFile = scratch.appendingPathComponent("git-\(tag).out")
        let errFile = scratch.appendingPathComponent("git-\(tag).err")
        let out = open(outFile.path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        let err = open(errFile.path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        defer {
            if out >= 0 { close(out) }
            if err >= 0 { close(err) }
            unlink(outFile.path)
            unlink(errFile.path)
        }
        guard out >= 0, err >= 0 else { throw APIError(.internal, "cannot write git's output under \(scratch.path)") }
        var environment: [String: String] = [
            "PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin",
            "HOME": scratch.path,
            "LANG": "C",
            "GIT_CONFIG_NOSYSTEM": "1",
            "GIT_CONFIG_GLOBAL": "/dev/null",
            "GIT_TERMINAL_PROMPT": "0",
            // Stalled transfers fail instead of hanging the scheduler.
            "GIT_HTTP_LOW_SPEED_LIMIT": "1000",
            "GIT_HTTP_LOW_SPEED_TIME": "30",
        ]
        environment.merge(extra) { _, new in new }
        var configuration = ChildProcess.Configuration(executable: executable, arguments: arguments, environment: environment,
                                                       workingDirectory: (directory ?? scratch).path)
        configuration.standardInput = .null
        configuration.standardOutput = .fileDescriptor(out)
        configuration.standardError = .fileDescriptor(err)
        let child = try ChildProcess.spawn(configuration)
        let deadline = ContinuousClock.now.advanced(by: timeout)
        var status = child.exitStatusIfEnded
        while status == nil {
            if ContinuousClock.now > deadline {
                child.sendToGroup(SIGKILL)
                _ = await child.waitForExit()
                throw APIError(.unavailable, "git \(arguments.first ?? "") did not finish within \(timeout)",
                               hint: "check that the repository's server answers")
            }
            try? await Task.sleep(for: .milliseconds(20))
            status = child.exitStatusIfEnded
        }
        let stdout = (try? Data(contentsOf: outFile)) ?? Data()
        let stderr = String(decoding: (try? Data(contentsOf: errFile)) ?? Data(), as: UTF8.self)
        return Output(status: status ?? .exited(1), stdout: stdout, stderr: Self.scrub(stderr, secrets: secrets))
    }

    /// `text` without any of `secrets` (nor their base64 forms, which an auth header carries).
    static func scrub(_ text: String, secrets: [String]) -> String {
        var result = text
        for secret in secrets where secret.count >= 4 {
            result = result.replacingOccurrences(of: secret, with: "***")
            result = result.replacingOccurrences(of: Data(secret.utf8).base64EncodedString(), with: "***")
        }
        return result
    }
}
