import AMECLI
import AMETestSupport
import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// `ame NAME` as a user runs it: the real binary in its own process, with real signals. A
/// plugin whose describe document is cached runs before Swift's async runtime starts, on
/// `ame`'s main thread; these tests hold that path to what the in-process sessions promise.
@Suite("ame NAME in a process of its own: the cached path, Ctrl-C as a signal")
struct DispatchProcessTests {
    /// Starts the real `ame` with `arguments` in `testbed`'s sandbox.
    func start(_ arguments: [String], testbed: PluginTestbed) throws -> (Process, Pipe, Pipe) {
        let process = Process()
        process.executableURL = Fixtures.ameBinary
        process.arguments = arguments
        process.environment = testbed.environment
        process.currentDirectoryURL = testbed.workingDirectory
        let stdout = Pipe()
        let stderr = Pipe()
        process.standardOutput = stdout
        process.standardError = stderr
        try process.run()
        return (process, stdout, stderr)
    }

    /// Waits for `ame` to end; one that hangs is killed after 30 s (and fails the test)
    /// rather than holding up the whole run.
    func finish(_ process: Process, _ stdout: Pipe, _ stderr: Pipe) -> (status: Int32, stdout: String, stderr: String) {
        let pid = process.processIdentifier
        DispatchQueue.global().asyncAfter(deadline: .now() + 30) { [process] in
            if process.isRunning { kill(pid, SIGKILL) }
        }
        let out = stdout.fileHandleForReading.readDataToEndOfFile()
        let err = stderr.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: out, as: UTF8.self), String(decoding: err, as: UTF8.self))
    }

    /// A sandbox with plugin `name`, which answers `initialize`, reads `run`, says it is at
    /// work and then runs `session`; its describe document is cached, so that `ame name`
    /// takes the cached path.
    func sandbox(plugin name: String, session: String) async throws -> PluginTestbed {
        let testbed = try PluginTestbed()
        testbed.environment["AME_PLUGIN_PATH"] = testbed.path("plugin-path")
        testbed.environment["AME_TEST_READY"] = testbed.path("ready")
        try testbed.write("plugin-path/ame-\(name)", FixturePlugin.script(name: name, session: """
            \(FixturePlugin.answerInitialize)
            read -r line
            touch "$AME_TEST_READY"
            \(session)
            """))
        let list = await testbed.run(["plugin", "list"])
        #expect(list.stdout.contains(name))
        return testbed
    }

    /// Waits (20 s at most) for the plugin to say it is at work.
    func waitUntilReady(_ testbed: PluginTestbed) async throws {
        let started = ContinuousClock.now
        while !FileManager.default.fileExists(atPath: testbed.path("ready")), ContinuousClock.now - started < .seconds(20) {
            try await Task.sleep(for: .milliseconds(20))
        }
    }

    @Test("the second run (describe cached) works as the first did, and ame adds no thread of its own")
    func cachedDispatch() async throws {
        let testbed = try PluginTestbed()
        testbed.environment["AME_PLUGIN_PATH"] = testbed.path("plugin-path")
        // Reports how many threads its `ame` has while it runs, then answers like any plugin.
        try testbed.write("plugin-path/ame-counter", FixturePlugin.script(name: "counter", session: """
            \(FixturePlugin.answerInitialize)
            read -r line
            threads=$(sed -n 's/^Threads:[[:space:]]*//p' /proc/$PPID/status)
            printf 'threads of ame: %s\\n' "$threads" >&2
            printf '%s\\n' '{"jsonrpc":"2.0","id":2,"result":{"exitCode":7}}'
            """))
        var results: [(status: Int32, stdout: String, stderr: String)] = []
        for _ in 0..<2 {
            let (process, stdout, stderr) = try start(["counter", "go"], testbed: testbed)
            results.append(finish(process, stdout, stderr))
        }
        for result in results {
            #expect(result.status == 7, "\(result.stderr)")
            #expect(result.stderr.contains("threads of ame: "), "\(result.stderr)")
        }
        // The first run did the handshake (async runtime, its threads); the second is served
        // from the cache on the main thread alone.
        #expect(results[1].stderr.contains("threads of ame: 1\n"), "\(results[1].stderr)")
    }

    @Test("Ctrl-C (SIGINT to ame) sends $/cancel on the cached path; the plugin stops and ame exits 130")
    func interruptOnCachedPath() async throws {
        let testbed = try await sandbox(plugin: "stubborn", session: """
            read -r cancel
            case "$cancel" in *'"$/cancel"'*) printf '%s\\n' '{"jsonrpc":"2.0","id":2,"error":{"code":-32002,"message":"cancelled"}}';; esac
            """)

        let started = ContinuousClock.now
        let (process, stdout, stderr) = try start(["stubborn", "go"], testbed: testbed)
        try await waitUntilReady(testbed)
        kill(process.processIdentifier, SIGINT)
        let result = finish(process, stdout, stderr)
        #expect(result.status == 130, "\(result.stderr)")
        #expect(result.stderr.contains("asked stubborn to stop"), "\(result.stderr)")
        #expect(ContinuousClock.now - started < .seconds(20))
    }

    @Test("on the cached path the second Ctrl-C terminates a plugin that ignores $/cancel")
    func secondInterruptTerminates() async throws {
        let testbed = try await sandbox(plugin: "deaf", session: "while :; do sleep 0.1; done")
        let started = ContinuousClock.now
        let (process, stdout, stderr) = try start(["deaf", "go"], testbed: testbed)
        try await waitUntilReady(testbed)
        kill(process.processIdentifier, SIGINT)
        try await Task.sleep(for: .milliseconds(300))
        kill(process.processIdentifier, SIGINT)
        let result = finish(process, stdout, stderr)
        #expect(result.status == 130, "\(result.stderr)")
        #expect(result.stderr.contains("terminating deaf"), "\(result.stderr)")
        #expect(ContinuousClock.now - started < .seconds(20))
    }
}
