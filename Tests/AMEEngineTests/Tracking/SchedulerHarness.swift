import AMECore
@testable import AMEEngine
import AMETestSupport
import Foundation

/// An engine in a temporary directory whose runs are real `ame agent` processes, a
/// scheduler on a manual clock, and a git repository to track.
final class SchedulerHarness: @unchecked Sendable {
    let directory: TemporaryDirectory
    let repository: GitTestRepository
    let clock: ManualClock
    private(set) var engine: Engine
    private(set) var scheduler: RecurringScheduler

    init(start: Date = ManualClock.at(11, 59, 30)) throws {
        directory = try TemporaryDirectory(prefix: "ame-scheduler")
        repository = try GitTestRepository(at: directory.url.appendingPathComponent("repo"))
        clock = ManualClock(start)
        let opened = try Self.open(directory: directory, clock: clock)
        engine = opened.0
        scheduler = opened.1
    }

    static func open(directory: TemporaryDirectory, clock: ManualClock) throws -> (Engine, RecurringScheduler) {
        let layout = EngineLayout(dataDirectory: directory.url.appendingPathComponent("data"),
                                  cacheDirectory: AMESandbox.sharedCache.appendingPathComponent("ame"))
        var environment = ProcessInfo.processInfo.environment
        environment["HOME"] = directory.path
        let engine = try Engine(layout: layout, configuration: try EngineConfiguration.load(path: nil, environment: environment))
        let launcher = AgentProcessLauncher(agentExecutable: Fixtures.ameBinary.path, environment: environment, engineConfigPath: nil)
        return (engine, RecurringScheduler(engine: engine, launcher: launcher, clock: clock))
    }

    /// A second engine and scheduler on the same data directory: what a restarted server
    /// (or a second one) opens.
    func reopen() throws -> RecurringScheduler {
        let (engine, scheduler) = try Self.open(directory: directory, clock: clock)
        self.engine = engine
        self.scheduler = scheduler
        return scheduler
    }

    func advance(to date: Date) { clock.set(date) }

    func source(_ id: String) throws -> TrackedSource {
        guard let source = try engine.store.source(id: id) else { throw HarnessError(description: "source \(id) is gone") }
        return source
    }

    struct HarnessError: Error, CustomStringConvertible { var description: String }

    /// Waits for the run to end; its status and its whole output.
    func finish(_ runID: String, timeout: TimeInterval = 120) async throws -> (status: RunStatus, output: String) {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if let run = try engine.store.storedRun(runID), run.record.status.isTerminal {
                var output = ""
                var cursor: Int64 = 0
                while true {
                    let chunk = try engine.logs.read(runID: runID, from: cursor)
                    for event in chunk.events where event.kind == .stdout || event.kind == .stderr { output += event.text }
                    if chunk.events.isEmpty || chunk.next == cursor { break }
                    cursor = chunk.next
                }
                return (run.record.status, output)
            }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw HarnessError(description: "run \(runID) did not finish in \(Int(timeout)) s")
    }

    func runsOfSchedule(_ fullName: String) throws -> [RunRecord] {
        try engine.store.listRuns(owner: nil, query: RunQuery(limit: 1000)).runs.filter { record in
            (try? engine.store.storedRun(record.id))?.labels["ame.dev/schedule"] == fullName
        }
    }
}
