import AMECore
@testable import AMEEngine
import AMETestSupport
import Foundation
import Testing

/// `retention: {runs: 90d}`: old runs lose their log and workspace, keep their record.
@Suite struct RetentionTests {
    @Test func oldFinishedRunsLoseTheirLogsAndKeepTheirRecords() async throws {
        let scratch = try TemporaryDirectory(prefix: "retention")
        var configuration = try EngineConfiguration.load(path: nil, environment: [:])
        configuration.runRetentionSeconds = 90 * 86400
        let engine = try Engine(layout: EngineLayout(dataDirectory: scratch.file("data"), cacheDirectory: scratch.file("cache")),
                                configuration: configuration)
        let now = Date()
        for (id, finishedDaysAgo) in [("r-old", 100.0), ("r-recent", 10.0), ("r-running", nil)] as [(String, Double?)] {
            let record = RunRecord(id: id, owner: "ada", project: "p", task: "t", status: .queued, createdAt: now.addingTimeInterval(-200 * 86400),
                                   steps: [StepRecord(name: "t", status: .queued)])
            try engine.store.insert(StoredRun(record: record, request: RunRequest(task: "t", manifest: Manifest(entries: [])),
                                              task: TaskSpec(name: "t", runCommand: "true"), executor: .local, labels: [:],
                                              agentPID: nil, agentStartTime: nil, cancelRequested: false))
            let writer = try engine.logs.writer(for: id)
            _ = try writer.append(.stdout, step: "t", data: Data("hello from \(id)\n".utf8))
            writer.close()
            try FileManager.default.createDirectory(at: engine.layout.workspaces.appendingPathComponent(id), withIntermediateDirectories: true)
            if let days = finishedDaysAgo {
                try engine.store.setStatus(id, .running, reason: nil, at: now.addingTimeInterval(-(days + 1) * 86400))
                try engine.store.setStatus(id, .succeeded, reason: nil, exitCode: 0, at: now.addingTimeInterval(-days * 86400))
            } else {
                try engine.store.setStatus(id, .running, reason: nil)
            }
        }
        #expect(try RunRetention(engine: engine).prune(olderThan: 90 * 86400, now: now) == 1)
        #expect(engine.logs.size(runID: "r-old") == 0)
        #expect(!FileManager.default.fileExists(atPath: engine.layout.workspaces.appendingPathComponent("r-old").path))
        #expect(engine.logs.size(runID: "r-recent") > 0)
        #expect(engine.logs.size(runID: "r-running") > 0)
        // The record stays, as it was.
        #expect(try engine.store.storedRun("r-old")?.record.status == .succeeded)
        #expect(try engine.store.isPruned("r-old"))
        // Visited once: a second pass finds nothing to do.
        #expect(try RunRetention(engine: engine).prune(olderThan: 90 * 86400, now: now) == 0)
        // Asking for the log says what happened instead of showing nothing.
        let api = EmbeddedJobsAPI(engine: engine, launcher: AgentProcessLauncher(agentExecutable: "/bin/false", environment: [:], engineConfigPath: nil),
                                  owner: "ada")
        do {
            for try await _ in api.logs("r-old", from: 0, follow: false) {}
            Issue.record("expected an error")
        } catch let error as APIError {
            #expect(error.message.contains("was removed"))
            #expect(error.hint?.contains("90 days") == true)
        }
    }

    @Test func theSettingIsReadFromEngineYaml() throws {
        let scratch = try TemporaryDirectory(prefix: "retention-config")
        let good = try scratch.write("good.yaml", "retention: {runs: 90d}\n")
        #expect(try EngineConfiguration.load(path: good, environment: [:]).runRetentionSeconds == 90 * 86400)
        #expect(try EngineConfiguration.load(path: nil, environment: [:]).runRetentionSeconds == nil)
        let bad = try scratch.write("bad.yaml", "retention:\n  runs: forever\n")
        do {
            _ = try EngineConfiguration.load(path: bad, environment: [:])
            Issue.record("expected an error")
        } catch let error as EngineConfiguration.LoadError {
            #expect(error.description.contains("bad.yaml:2:9"), "\(error)")
            #expect(error.description.contains("'retention.runs' must be a duration such as 90d"), "\(error)")
        }
    }
}
