import AMESystem
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Starting, stopping and restarting the real `ame-server` of a sandbox. Everything here
/// blocks its thread (it runs from initializers and deinitializers) and uses no Swift
/// concurrency, so it cannot starve the test's async threads.
extension AMESandbox {
    public static var serverBinary: URL { Fixtures.productsDirectory.appendingPathComponent("ame-server") }

    public struct ServerStartError: Error, CustomStringConvertible {
        public var description: String
    }

    /// Starts `ame-server` on 127.0.0.1 (`port` 0: any free port) with the sandbox's data
    /// directory and admin token, and waits until it listens. `softOpenFileLimit` starts it
    /// as a shell with that `ulimit -Sn` would.
    @discardableResult
    public func startServer(port: Int = 0, extraEnvironment: [String: String] = [:], softOpenFileLimit: Int? = nil) throws -> ServerHandle {
        let data = directory.url.appendingPathComponent("server-data")
        let logFile = directory.url.appendingPathComponent("server.log")
        let token = server?.adminToken ?? "ame_test_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased()
        var arguments = ["--host", "127.0.0.1", "--port", String(port), "--data-dir", data.path,
                         "--cache-dir", Self.sharedCache.appendingPathComponent("ame").path,
                         "--agent", Fixtures.ameBinary.path, "--log-level", "warning"]
        if let config = environment["AME_ENGINE_CONFIG"] { arguments += ["--config", config] }
        arguments += serverArguments
        var serverEnvironment = environment
        serverEnvironment["AME_ADMIN_TOKEN"] = token
        serverEnvironment["AME_ADMIN_USER"] = environment["USER"] ?? "tester"
        serverEnvironment.merge(extraEnvironment) { _, new in new }
        // Appending, so a restart keeps what the previous server said.
        let descriptor = open(logFile.path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw ServerStartError(description: "cannot write \(logFile.path)") }
        defer { close(descriptor) }
        let startOffset = lseek(descriptor, 0, SEEK_END)
        var executable = Self.serverBinary.path
        if let softOpenFileLimit {
            arguments = ["-c", "ulimit -Sn \(softOpenFileLimit) && exec \"$0\" \"$@\"", executable] + arguments
            executable = "/bin/sh"
        }
        var configuration = ChildProcess.Configuration(executable: executable, arguments: arguments,
                                                       environment: serverEnvironment, workingDirectory: directory.url.path)
        configuration.standardInput = .null
        configuration.standardOutput = .fileDescriptor(descriptor)
        configuration.standardError = .fileDescriptor(descriptor)
        configuration.newSession = true
        configuration.parentDeathSignal = SIGKILL
        let process = try ChildProcess.spawn(configuration)

        let deadline = Date().addingTimeInterval(60)
        var url: String?
        while url == nil {
            if let text = try? String(contentsOf: logFile, encoding: .utf8) {
                let fresh = String(decoding: Array(text.utf8).dropFirst(Int(startOffset)), as: UTF8.self)
                if let range = fresh.range(of: "listening on ") {
                    let rest = fresh[range.upperBound...]
                    if let end = rest.firstIndex(of: "\n") { url = String(rest[..<end]) }
                }
            }
            if url != nil { break }
            if let status = process.exitStatusIfEnded {
                throw ServerStartError(description: "ame-server exited (\(status)) before listening:\n\((try? String(contentsOf: logFile, encoding: .utf8)) ?? "")")
            }
            if Date() > deadline {
                process.sendToGroup(SIGKILL)
                throw ServerStartError(description: "ame-server did not listen within 60 s:\n\((try? String(contentsOf: logFile, encoding: .utf8)) ?? "")")
            }
            usleep(10_000)
        }
        let handle = ServerHandle(process: process, url: url!, adminToken: token, dataDirectory: data)
        server = handle
        return handle
    }

    /// The server's log so far (its stdout and stderr).
    public var serverLog: String {
        (try? String(contentsOf: directory.url.appendingPathComponent("server.log"), encoding: .utf8)) ?? ""
    }

    /// Stops the server: `signal` (SIGTERM by default), then SIGKILL after `grace`.
    public func stopServer(signal: Int32 = SIGTERM, grace: TimeInterval = 10) {
        guard let process = server?.process else { return }
        process.send(signal)
        let deadline = Date().addingTimeInterval(grace)
        while process.exitStatusIfEnded == nil {
            if Date() > deadline {
                process.send(SIGKILL)
                while process.exitStatusIfEnded == nil { usleep(5_000) }
                break
            }
            usleep(5_000)
        }
    }

    /// `kill -9` of the server, as a crash would.
    public func killServer() {
        stopServer(signal: SIGKILL, grace: 10)
    }

    /// Starts the server again on the same port and data directory (same URL and tokens).
    @discardableResult
    public func restartServer() throws -> ServerHandle {
        guard let previous = server else { return try startServer() }
        if previous.process.exitStatusIfEnded == nil { stopServer() }
        let port = Int(previous.url.split(separator: ":").last ?? "0") ?? 0
        var lastError: (any Error)?
        // The port is free again at once, but allow a moment for the kernel.
        for _ in 0..<20 {
            do {
                return try startServer(port: port)
            } catch {
                lastError = error
                usleep(100_000)
            }
        }
        throw lastError!
    }

    /// Runs `ame ARGS` to completion from a blocking context.
    public func runBlocking(_ arguments: [String], environment extra: [String: String] = [:]) throws -> (status: TerminationStatus, output: String) {
        let output = directory.url.appendingPathComponent("setup-\(UUID().uuidString.prefix(6)).log")
        let descriptor = open(output.path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        defer { close(descriptor); unlink(output.path) }
        var configuration = ChildProcess.Configuration(executable: Fixtures.ameBinary.path, arguments: arguments,
                                                       environment: environment.merging(extra) { _, new in new },
                                                       workingDirectory: directory.url.path)
        configuration.standardInput = .null
        configuration.standardOutput = .fileDescriptor(descriptor)
        configuration.standardError = .fileDescriptor(descriptor)
        let process = try ChildProcess.spawn(configuration)
        var status = process.exitStatusIfEnded
        while status == nil {
            usleep(5_000)
            status = process.exitStatusIfEnded
        }
        return (status!, (try? String(contentsOf: output, encoding: .utf8)) ?? "")
    }

    /// For the `.server` transport: a live server, and `ame setup` pointing the sandbox's
    /// `ame` at it with the admin token (which acts as the sandbox's user, as the embedded
    /// engine's local user is an admin of it).
    public func connectToNewServer(port: Int = 0) throws {
        let handle = try startServer(port: port)
        let (status, output) = try runBlocking(["setup", handle.url, "--token", handle.adminToken, "--name", "sandbox"])
        guard status.succeeded else {
            stopServer()
            throw ServerStartError(description: "ame setup \(handle.url) failed (\(status)):\n\(output)\nserver log:\n\(serverLog)")
        }
    }
}
