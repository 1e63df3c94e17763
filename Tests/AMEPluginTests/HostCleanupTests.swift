@testable import AMEPluginKit
import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// After `$/cancel` a plugin's host calls fail, except those made through `host.cleanup`:
/// what a command must still do on its way out (cancel its run, bring its files back).
@Suite("AMEHost.cleanup and the new protocol types")
struct HostCleanupTests {
    /// A host whose messages to AME land in a pipe the test reads.
    func host() throws -> (AMEHost, FileHandle) {
        var descriptors: [Int32] = [0, 0]
        try #require(pipe(&descriptors) == 0)
        let channel = StdioChannel(input: -1, output: descriptors[1])
        let context = SessionContext(workingDirectory: "/", projectDirectory: nil, server: "embedded", output: "text",
                                     tty: .init(stdin: false, stdout: false, stderr: false), color: false, width: 80)
        return (AMEHost(channel: channel, context: context, protocolVersion: 1), FileHandle(fileDescriptor: descriptors[0], closeOnDealloc: true))
    }

    func nextRequest(_ reader: FileHandle) throws -> (RPCID, String) {
        var line = Data()
        while true {
            let byte = reader.readData(ofLength: 1)
            try #require(!byte.isEmpty)
            if byte.first == 0x0A { break }
            line.append(byte)
        }
        let message = try RPCMessage.parse(line)
        guard case .request(let id, let method, _) = message else {
            Issue.record("not a request: \(String(decoding: line, as: UTF8.self))")
            throw CancellationError()
        }
        return (id, method)
    }

    @Test("calls after $/cancel fail; cleanup calls go through")
    func cleanupAfterCancel() async throws {
        let (host, reader) = try host()
        host.receive(.notification(method: PluginMethod.cancel, params: .object([:])))
        #expect(host.isCancelled)
        await #expect(throws: CancellationError.self) { _ = try await host.getRun("r-1") }

        let cancelled = Task { try await host.cleanup.cancelRun("r-1") }
        let (id, method) = try nextRequest(reader)
        #expect(method == PluginMethod.runCancel)
        host.receive(.response(id: id, result: .success(["id": "r-1", "task": "jupyter", "project": "p", "status": "cancelled",
                                                          "ports": [["port": 41000, "name": "lab"]], "labels": ["plugin": "jupyter"]])))
        let run = try await cancelled.value
        #expect(run.status == "cancelled")
        #expect(run.ports == [PluginPort(port: 41000, name: "lab")])
        #expect(run.labels?["plugin"] == "jupyter")

        // Once AME has gone, even cleanup calls end (with nobody to answer them).
        let waiting = Task { try await host.cleanup.getRun("r-1") }
        _ = try nextRequest(reader)
        host.disconnect()
        await #expect(throws: CancellationError.self) { _ = try await waiting.value }
        await #expect(throws: CancellationError.self) { _ = try await host.cleanup.getRun("r-1") }
    }

    @Test("a port is a number on the wire, or an object with its name")
    func portsOnTheWire() throws {
        let params = RunSubmitParams(task: "t", ports: [8888, PluginPort(port: 0, name: "lab")], secretEnv: ["T": "x"], extraPackages: ["jupyterlab"])
        let json = try JSONValue(encoding: params)
        #expect(json["ports"] == [8888, ["port": 0, "name": "lab"]])
        #expect(try json.decode(RunSubmitParams.self) == params)
        // What older plugins send still reads.
        let old: JSONValue = ["task": "t", "ports": [8080]]
        #expect(try old.decode(RunSubmitParams.self).ports == [PluginPort(port: 8080)])
    }
}
