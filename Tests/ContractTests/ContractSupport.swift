import AMECore
import AMETestSupport
import Foundation
import Testing

/// Helpers shared by the contract tests: decoding `--json` output and reading state.
enum Contract {
    static let decoder: JSONDecoder = {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return decoder
    }()

    static func decode<T: Decodable>(_ type: T.Type, _ result: ProcessResult, sourceLocation: Testing.SourceLocation = #_sourceLocation) throws -> T {
        do {
            return try decoder.decode(type, from: result.stdoutData)
        } catch {
            Issue.record("cannot decode \(T.self) from stdout: \(error)\nstdout: \(result.stdout)\nstderr: \(result.stderr)", sourceLocation: sourceLocation)
            throw error
        }
    }

    /// `ame status RUN --json`.
    static func status(_ sandbox: AMESandbox, _ id: String) async throws -> RunRecord {
        try decode(RunRecord.self, try await sandbox.ame(["status", id, "--json"]))
    }

    /// Polls the run until `predicate` holds (or the time is up).
    static func waitForRun(_ sandbox: AMESandbox, _ id: String, timeout: Duration = .seconds(120),
                           until predicate: (RunRecord) -> Bool) async throws -> RunRecord {
        let deadline = ContinuousClock.now + timeout
        var run = try await status(sandbox, id)
        while !predicate(run) && ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(100))
            run = try await status(sandbox, id)
        }
        return run
    }

    /// The submitted run's id, from `ame run --detach --json`.
    static func submit(_ sandbox: AMESandbox, _ task: String, in project: URL, extra: [String] = []) async throws -> RunRecord {
        let result = try await sandbox.ame(["run", task, "--detach", "--json"] + extra, in: project)
        #expect(result.exitCode == 0, "submit failed: \(result.stderr)")
        return try decode(RunRecord.self, result)
    }

    /// Every file under the engine's data directory (database, logs, blobs), for tests that
    /// look for what must never be stored.
    static func dataFiles(_ sandbox: AMESandbox) -> [URL] {
        let root = sandbox.server?.dataDirectory
            ?? URL(fileURLWithPath: sandbox.environment["XDG_DATA_HOME"] ?? "").appendingPathComponent("ame")
        guard let enumerator = FileManager.default.enumerator(at: root, includingPropertiesForKeys: [.isRegularFileKey]) else { return [] }
        return enumerator.compactMap { $0 as? URL }.filter { (try? $0.resourceValues(forKeys: [.isRegularFileKey]).isRegularFile) == true }
    }

    static func contains(_ file: URL, _ needle: String) -> Bool {
        guard let data = FileManager.default.contents(atPath: file.path) else { return false }
        return data.range(of: Data(needle.utf8)) != nil
    }

    /// Processes whose command line contains `marker` (a run's processes carry one).
    static func processes(containing marker: String) -> [Int32] {
        guard let entries = try? FileManager.default.contentsOfDirectory(atPath: "/proc") else { return [] }
        return entries.compactMap { Int32($0) }.filter { pid in
            guard let data = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline") else { return false }
            return data.range(of: Data(marker.utf8)) != nil
        }
    }
}
