import AMECLI
import AMECore
import Foundation

/// An in-memory engine for host-method tests: records what plugins ask for and finishes
/// every run at once with `exitCode`, its log holding `logText`.
///
/// (When the embedded engine is merged, the round-trip test can run against it instead.)
final class FakeJobsAPI: JobsAPI, @unchecked Sendable {
    private let lock = NSLock()
    private var runs: [String: RunRecord] = [:]
    private(set) var submitted: [RunRequest] = []
    private(set) var uploaded: [Digest] = []
    private(set) var askedMissing: [Digest] = []
    private(set) var cancelled: [String] = []
    let exitCode: Int32
    let logText: String
    /// Logs never end (until the reader is cancelled): for cancellation tests.
    let endlessLogs: Bool

    init(exitCode: Int32 = 0, logText: String = "", endlessLogs: Bool = false) {
        self.exitCode = exitCode
        self.logText = logText
        self.endlessLogs = endlessLogs
    }

    var submittedRequests: [RunRequest] { lock.withLock { submitted } }
    var uploadedDigests: [Digest] { lock.withLock { uploaded } }

    /// Host services with this engine behind them; the project "scan" gives each file a
    /// made-up digest (the fake engine does not check content).
    func services() -> PluginServices {
        PluginServices(
            jobsAPI: { self },
            submitProject: { submission in
                try await ProjectUpload.submit(submission, api: self, scan: FakeJobsAPI.scan)
            },
            openTunnel: { _ in throw ServiceUnavailable("tunnels are not available on this engine") })
    }

    @Sendable static func scan(_ directory: URL) async throws -> Manifest {
        let names = try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted()
        return Manifest(entries: names.enumerated().compactMap { index, name in
            let hex = String(repeating: "0", count: 63) + String(index % 10)
            guard let digest = Digest(hex: hex) else { return nil }
            return Manifest.Entry(path: name, digest: digest, size: 1)
        })
    }

    func whoami() async throws -> Identity { Identity(user: "tester", admin: false, server: "embedded") }

    func missingBlobs(_ digests: [Digest]) async throws -> [Digest] {
        lock.withLock { askedMissing += digests }
        return digests
    }

    func uploadBlob(_ digest: Digest, from file: URL) async throws {
        lock.withLock { uploaded.append(digest) }
    }

    func downloadBlob(_ digest: Digest, to file: URL) async throws {
        throw APIError.notFound("blob \(digest)")
    }

    func submitRun(_ request: RunRequest) async throws -> RunRecord {
        lock.withLock {
            submitted.append(request)
            let id = "r-\(submitted.count)"
            let record = RunRecord(id: id, owner: "tester", project: "demo", task: request.task, status: .succeeded,
                                   exitCode: exitCode, createdAt: Date(timeIntervalSince1970: 0),
                                   logSize: Int64(logText.utf8.count))
            runs[id] = record
            var queued = record
            queued.status = .queued
            queued.exitCode = nil
            return queued
        }
    }

    func listRuns(_ query: RunQuery) async throws -> RunPage {
        RunPage(runs: lock.withLock { Array(runs.values) }, nextCursor: nil)
    }

    func getRun(_ id: String) async throws -> RunRecord {
        guard let record = lock.withLock({ runs[id] }) else { throw APIError.notFound("run \(id)", hint: "list runs with 'ame runs'") }
        return record
    }

    func cancelRun(_ id: String) async throws -> RunRecord {
        lock.withLock { cancelled.append(id) }
        return try await getRun(id)
    }

    func logs(_ id: String, from offset: Int64, follow: Bool) -> AsyncThrowingStream<LogEvent, any Error> {
        let text = logText
        let exitCode = exitCode
        let endless = endlessLogs
        return AsyncThrowingStream { continuation in
            let size = Int64(text.utf8.count)
            if !text.isEmpty {
                continuation.yield(LogEvent(offset: 0, next: size, kind: .stdout, step: nil, time: Date(), data: Data(text.utf8)))
            }
            if endless { return }
            continuation.yield(LogEvent(offset: size, next: size, kind: .end, step: nil, time: Date(), data: Data(), exitCode: exitCode))
            continuation.finish()
        }
    }

    func artifacts(_ id: String) async throws -> [ArtifactRecord] { [] }
    func setSecret(_ name: String, value: Data) async throws {}
    func listSecrets() async throws -> [SecretInfo] { [] }
    func deleteSecret(_ name: String) async throws {}
}
