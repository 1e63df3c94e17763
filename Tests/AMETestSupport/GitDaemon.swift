import AMESystem
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// `git daemon` on 127.0.0.1, serving every repository under `root` (git://).
public final class GitDaemon: @unchecked Sendable {
    public let port: Int
    public let root: URL
    let process: ChildProcess

    public init(root: URL) throws {
        self.root = root
        var lastError: (any Error)?
        for _ in 0..<5 {
            let port = try TCPSocket.freePort()
            var configuration = ChildProcess.Configuration(
                executable: "/usr/bin/git",
                arguments: ["daemon", "--reuseaddr", "--export-all", "--listen=127.0.0.1", "--port=\(port)",
                            "--base-path=\(root.path)", root.path],
                environment: ProcessInfo.processInfo.environment)
            configuration.standardOutput = .null
            configuration.standardError = .null
            let process = try ChildProcess.spawn(configuration)
            let deadline = Date().addingTimeInterval(15)
            while Date() < deadline, process.exitStatusIfEnded == nil, !TCPSocket.isAccepting(port: port) { usleep(20_000) }
            if TCPSocket.isAccepting(port: port) {
                self.port = port
                self.process = process
                return
            }
            process.sendToGroup(SIGKILL)
            lastError = GitTestRepository.GitError(description: "git daemon did not listen on \(port)")
        }
        throw lastError!
    }

    /// git://127.0.0.1:PORT/NAME for a repository at ROOT/NAME.
    public func url(_ name: String) -> String { "git://127.0.0.1:\(port)/\(name)" }

    public func stop() {
        process.sendToGroup(SIGKILL)
        while process.exitStatusIfEnded == nil { usleep(2_000) }
    }

    deinit { stop() }
}
