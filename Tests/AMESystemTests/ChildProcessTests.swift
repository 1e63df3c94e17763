import AMESystem
import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

@Suite struct ChildProcessTests {
    let environment = ["PATH": "/usr/bin:/bin"]

    @Test func capturesOutputAndExitCode() async throws {
        var configuration = ChildProcess.Configuration(executable: "sh", arguments: ["-c", "echo out; echo err >&2; exit 3"], environment: environment)
        configuration.standardOutput = .pipe
        configuration.standardError = .pipe
        let child = try ChildProcess.spawn(configuration)
        let outHandle = try #require(child.standardOutput)
        let errHandle = try #require(child.standardError)
        async let out = PipeReader.readAll(outHandle)
        async let err = PipeReader.readAll(errHandle)
        let status = await child.waitForExit()
        #expect(status == .exited(3))
        #expect(String(decoding: await out, as: UTF8.self) == "out\n")
        #expect(String(decoding: await err, as: UTF8.self) == "err\n")
    }

    @Test func missingExecutableIsAnError() throws {
        #expect(throws: ChildProcess.SpawnError.self) {
            _ = try ChildProcess.spawn(.init(executable: "/nonexistent/ame-nothing", environment: environment))
        }
        #expect(throws: ChildProcess.SpawnError.self) {
            _ = try ChildProcess.spawn(.init(executable: "ame-no-such-command", environment: environment))
        }
    }

    @Test func groupSignalReachesGrandchildren() async throws {
        // The shell starts a background sleep; killing the session must end both.
        let marker = "ame-test-\(UUID().uuidString.prefix(8))"
        var configuration = ChildProcess.Configuration(
            executable: "sh", arguments: ["-c", "sleep 300 & echo $!; wait"], environment: environment)
        configuration.standardOutput = .pipe
        _ = marker
        let child = try ChildProcess.spawn(configuration)
        let handle = try #require(child.standardOutput)
        var firstLine = ""
        for await chunk in PipeReader.chunks(of: handle) {
            firstLine += String(decoding: chunk, as: UTF8.self)
            if firstLine.contains("\n") { break }
        }
        let grandchild = try #require(pid_t(firstLine.trimmingCharacters(in: .whitespacesAndNewlines)))
        #expect(ProcessTable.entry(pid: grandchild)?.session == child.pid)
        ProcessTable.killSession(child.pid)
        let status = await child.waitForExit()
        #expect(status == .signaled(SIGKILL))
        // The grandchild is reparented and reaped by init; give it a moment.
        var alive = true
        for _ in 0..<100 where alive {
            alive = ProcessTable.isAlive(pid: grandchild, startTime: nil)
            if alive { try await Task.sleep(for: .milliseconds(20)) }
        }
        #expect(!alive)
    }

    @Test func waitingTwiceGivesTheSameStatus() async throws {
        let child = try ChildProcess.spawn(.init(executable: "true", environment: environment))
        let first = await child.waitForExit()
        let second = await child.waitForExit()
        #expect(first == .exited(0))
        #expect(second == first)
    }
}
