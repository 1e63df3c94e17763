import AMECore
import AMEEngine
import AMESystem
import Foundation

/// Carries each run inside the server process with the Kubernetes executor: a run's
/// coordinator (queueing, retries, artifacts) runs here, and each of its step attempts
/// runs as a Pod. Nothing of a run lives in a local process that could outlast the server,
/// so after a restart `resumeActiveRuns()` takes every unfinished run up again; the
/// executor then adopts the Pods it finds by their labels instead of creating new ones.
///
/// When a run ends, its Pods, its Secrets and its agent tokens are deleted.
public final class KubernetesRunLauncher: RunLauncher {
    public let executor: KubernetesExecutor
    /// The base of each step's environment as the coordinator sees it (for `data` inputs
    /// and artifact destinations; the Pod's own environment comes from the translator).
    let baseEnvironment: [String: String]
    let objectStores: (any ObjectStoreProvider)?
    let report: @Sendable (String) -> Void
    private let running = Locked<[String: Task<Void, Never>]>([:])

    public init(executor: KubernetesExecutor, baseEnvironment: [String: String], objectStores: (any ObjectStoreProvider)? = nil,
                report: @escaping @Sendable (String) -> Void = { _ in }) {
        self.executor = executor
        self.baseEnvironment = baseEnvironment
        self.objectStores = objectStores
        self.report = report
    }

    public var executorKind: ExecutorKind { .kubernetes }

    public func launch(_ run: StoredRun, engine: Engine) throws {
        start(run.id)
    }

    /// The coordinator polls the run's cancel request and, on seeing it, cancels the step
    /// attempts, which deletes their Pods.
    public func cancel(_ run: StoredRun) -> Bool {
        running.value[run.id] != nil
    }

    /// Tunnels reach a service at its Pod's IP (the server must be able to route to Pods,
    /// as it can when it runs in the cluster).
    public func connectService(_ run: StoredRun, port: Int) async throws -> any ByteStream {
        try await executor.connectService(runID: run.id, port: port)
    }

    /// The runs carried now (for tests and metrics).
    public var activeRunIDs: [String] { running.value.keys.sorted() }

    /// Waits until every run carried now has ended (for tests and orderly shutdown).
    public func waitForRuns() async {
        for task in running.value.values { await task.value }
    }

    private func start(_ runID: String) {
        running.withLock { tasks in
            guard tasks[runID] == nil else { return }
            tasks[runID] = Task {
                let coordinator = RunCoordinator(engine: executor.engine, executor: executor, runID: runID,
                                                 baseEnvironment: baseEnvironment, objectStores: objectStores)
                let exitCode = await coordinator.run()
                await executor.cleanUp(runID: runID)
                report("run \(runID) ended (exit code \(exitCode)); its Pods and Secrets are deleted")
                running.withLock { $0[runID] = nil }
            }
        }
    }

    /// After a restart: takes up every unfinished Kubernetes run (re-attaching to its Pods)
    /// and deletes what finished runs left in the namespace. Returns the runs taken up.
    @discardableResult
    public func resumeActiveRuns() async -> [String] {
        let engine = executor.engine
        var resumed: [String] = []
        do {
            for run in try engine.activeRuns() where run.executor == executorKind {
                // The capacity it held was counted by the process that died; admit afresh.
                engine.releaseCapacity(runID: run.id)
                start(run.id)
                resumed.append(run.id)
            }
        } catch {
            report("could not list the unfinished runs to take up again: \(error)")
        }
        do {
            let carried = Set(running.value.keys)
            for runID in try await executor.runsWithPods().keys where !carried.contains(runID) {
                let active = (try? engine.storedRun(runID))??.record.status.isActive ?? false
                if !active { await executor.cleanUp(runID: runID) }
            }
        } catch {
            report("could not look for Pods that finished runs left behind: \(error)")
        }
        return resumed
    }
}
