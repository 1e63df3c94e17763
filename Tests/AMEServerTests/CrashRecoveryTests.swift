import AMEClient
import AMECore
import AMETestSupport
import Foundation
import Testing

/// A run the server acknowledged (201) is a promise: `kill -9` of the server in the middle
/// of a burst of submissions must not turn any of them into a lost run.
@Suite("Crash recovery of ame-server", .serialized)
struct CrashRecoveryTests {
    final class Acknowledged: @unchecked Sendable {
        private let lock = NSLock()
        private var ids: [String] = []
        var count: Int { lock.withLock { ids.count } }
        var all: [String] { lock.withLock { ids } }
        func add(_ id: String) { lock.withLock { ids.append(id) } }
    }

    @Test func everyRunAcknowledgedBeforeAKillIsRunAfterTheRestart() async throws {
        let sandbox = try AMESandbox(.embedded, engineConfig: "capacity: {cpu: 6}\n")
        try sandbox.connectToNewServer()
        let server = try #require(sandbox.server)
        let api = HTTPJobsAPI(baseURL: URL(string: server.url)!, token: server.adminToken)
        let yaml = Data("projectname: burst\ntasks:\n  quick: {runcommand: 'true', resources: {cpu: 100m}}\n".utf8)
        let file = sandbox.directory.url.appendingPathComponent("ame.yaml")
        try yaml.write(to: file)
        let digest = Digest(bytes: sha256(yaml))
        try await api.uploadBlob(digest, from: file)
        let request = RunRequest(task: "quick", manifest: Manifest(entries: [Manifest.Entry(path: "ame.yaml", digest: digest, size: Int64(yaml.count))]))

        let total = 300
        let acknowledged = Acknowledged()
        let killed = Acknowledged()
        await withTaskGroup(of: Void.self) { group in
            for worker in 0..<6 {
                group.addTask {
                    for index in stride(from: worker, to: total, by: 6) {
                        if let record = try? await api.submitRun(request) { acknowledged.add(record.id) }
                        // Mid-way, the server dies the hard way, with runs accepted and not yet started.
                        if index == total / 2 {
                            sandbox.killServer()
                            killed.add("killed")
                        }
                    }
                }
            }
        }
        #expect(killed.count == 1)
        let ids = acknowledged.all
        #expect(ids.count >= total / 3, "too few submissions were answered to test anything: \(ids.count)")
        try sandbox.restartServer()

        var unfinished = Set(ids)
        var outcomes: [String: RunRecord] = [:]
        let deadline = ContinuousClock.now + .seconds(900)
        while !unfinished.isEmpty && ContinuousClock.now < deadline {
            for id in unfinished {
                if let run = try? await api.getRun(id), run.status.isTerminal {
                    outcomes[id] = run
                    unfinished.remove(id)
                }
            }
            if !unfinished.isEmpty { try await Task.sleep(for: .milliseconds(500)) }
        }
        #expect(unfinished.isEmpty, "\(unfinished.count) acknowledged runs never finished")
        let failed = outcomes.values.filter { $0.status != .succeeded }
        #expect(failed.isEmpty, "acknowledged runs that did not succeed: \(failed.prefix(5).map { "\($0.id) \($0.status): \($0.reason ?? "")" })")
    }
}
