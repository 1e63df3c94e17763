import AMESystem
import AMETestSupport
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Debian's Chromium, headless, driven over the DevTools protocol by
/// Tests/Helpers/browser/cdp_driver.py (standard library only): one JSON command per line
/// in, one JSON answer per line out. Commands wait with their own timeouts in the driver.
final class HeadlessChromium: @unchecked Sendable {
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    let process: ChildProcess
    let profile: TemporaryDirectory
    private let answers = LineQueue()
    private let input: FileHandle

    static var driverScript: URL {
        Fixtures.repositoryRoot.appendingPathComponent("Tests/Helpers/browser/cdp_driver.py")
    }

    /// Starts Chromium; fails with what to install when it is missing (.ci/run installs it).
    static func start() async throws -> HeadlessChromium {
        let environment = ProcessInfo.processInfo.environment
        guard let chromium = ExecutableLookup.find("chromium", path: environment["PATH"]) else {
            throw Failure(description: "the dashboard's browser tests need Debian's 'chromium' (apt-get install chromium; .ci/run does)")
        }
        let python = try await realPython()
        let profile = try TemporaryDirectory(prefix: "ame-chromium")
        var configuration = ChildProcess.Configuration(executable: python, arguments: [driverScript.path, chromium, profile.path],
                                                       environment: environment)
        configuration.standardInput = .pipe
        configuration.standardOutput = .pipe
        configuration.standardError = .inherit
        let process = try ChildProcess.spawn(configuration)
        let browser = HeadlessChromium(process: process, profile: profile)
        let hello = try await browser.answer()
        guard hello["ok"] as? Bool == true else {
            let log = (try? String(contentsOf: profile.url.appendingPathComponent("chromium.log"), encoding: .utf8)) ?? ""
            throw Failure(description: "Chromium did not start: \(hello["error"] ?? "?")\n\(log)")
        }
        return browser
    }

    /// The interpreter behind pyenv's `python3` shim, so the driver is the process we hold.
    static func realPython() async throws -> String {
        let environment = ProcessInfo.processInfo.environment
        guard let shim = ExecutableLookup.find("python3", path: environment["PATH"]) else {
            throw Failure(description: "the browser driver needs python3 on PATH")
        }
        var configuration = ChildProcess.Configuration(executable: shim, arguments: ["-c", "import sys; print(sys.executable)"],
                                                       environment: environment, workingDirectory: "/")
        configuration.standardOutput = .pipe
        configuration.standardError = .null
        let probe = try ChildProcess.spawn(configuration)
        var output = Data()
        if let handle = probe.standardOutput { output = await PipeReader.readAll(handle) }
        let path = String(decoding: output, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        let status = await probe.waitForExit()
        guard status.succeeded, !path.isEmpty else { throw Failure(description: "python3 could not name its interpreter (\(status))") }
        return path
    }

    private init(process: ChildProcess, profile: TemporaryDirectory) {
        self.process = process
        self.profile = profile
        input = process.standardInput!
        let answers = self.answers
        if let output = process.standardOutput {
            Task.detached {
                var pending = Data()
                for await chunk in PipeReader.chunks(of: output) {
                    pending.append(chunk)
                    while let newline = pending.firstIndex(of: 0x0A) {
                        answers.push(String(decoding: pending[pending.startIndex..<newline], as: UTF8.self))
                        pending.removeSubrange(pending.startIndex...newline)
                    }
                }
                answers.finish()
            }
        }
    }

    deinit {
        try? input.close()
        // The driver ends Chromium when its input closes; make sure of it a moment later.
        let process = self.process
        DispatchQueue.global().asyncAfter(deadline: .now() + 15) { process.sendToGroup(SIGKILL) }
    }

    private func answer() async throws -> [String: Any] {
        guard let line = await answers.next() else {
            throw Failure(description: "the browser driver ended (\(String(describing: process.exitStatusIfEnded)))")
        }
        guard let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] else {
            throw Failure(description: "the browser driver said: \(line)")
        }
        return object
    }

    /// Sends one command and returns its answer; a failed command throws its reason.
    @discardableResult
    func command(_ op: String, _ parameters: [String: Any] = [:]) async throws -> [String: Any] {
        var message = parameters
        message["op"] = op
        var data = try JSONSerialization.data(withJSONObject: message)
        data.append(0x0A)
        input.write(data)
        let result = try await answer()
        guard result["ok"] as? Bool == true else {
            throw Failure(description: "\(op) failed: \(result["error"] ?? "?")")
        }
        return result
    }

    func navigate(_ url: String) async throws {
        try await command("navigate", ["url": url])
    }

    @discardableResult
    func evaluate(_ expression: String) async throws -> Any? {
        try await command("eval", ["expression": expression])["value"]
    }

    func string(_ expression: String) async throws -> String {
        try await evaluate(expression) as? String ?? ""
    }

    /// Waits (in the browser, every 100 ms) until `expression` is truthy.
    func waitFor(_ expression: String, timeout: Double = 60) async throws {
        try await command("waitFor", ["expression": expression, "timeout": timeout])
    }

    func screenshot(to file: URL) async throws {
        try FileManager.default.createDirectory(at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
        try await command("screenshot", ["path": file.path])
    }

    /// Console errors, uncaught exceptions and failed loads the browser reported so far.
    func consoleProblems() async throws -> [String] {
        try await command("console")["problems"] as? [String] ?? []
    }

    func cookies() async throws -> [[String: Any]] {
        try await command("cookies")["cookies"] as? [[String: Any]] ?? []
    }

    func close() async {
        _ = try? await command("close")
    }
}

/// Lines handed from the reading task to whoever waits for the next one.
final class LineQueue: @unchecked Sendable {
    private let lock = NSLock()
    private var lines: [String] = []
    private var waiter: CheckedContinuation<String?, Never>?
    private var finished = false

    func push(_ line: String) {
        let waiter = lock.withLock { () -> CheckedContinuation<String?, Never>? in
            if let waiter = self.waiter {
                self.waiter = nil
                return waiter
            }
            lines.append(line)
            return nil
        }
        waiter?.resume(returning: line)
    }

    func finish() {
        let waiter = lock.withLock { () -> CheckedContinuation<String?, Never>? in
            finished = true
            defer { self.waiter = nil }
            return self.waiter
        }
        waiter?.resume(returning: nil)
    }

    func next() async -> String? {
        await withCheckedContinuation { continuation in
            let immediate: String?? = lock.withLock {
                if !lines.isEmpty { return .some(lines.removeFirst()) }
                if finished { return .some(nil) }
                waiter = continuation
                return nil
            }
            if let immediate { continuation.resume(returning: immediate) }
        }
    }
}
