import AMECore
import Foundation

extension RunCoordinator {
    /// Runs one attempt of `step`: through the executor, or for a step on several nodes, as
    /// a gang of them (`NodeGang`), each node in its own view of the sandbox.
    func runAttempt(_ attempt: StepAttempt, of step: TaskSpec, stored: StoredRun, sandbox: RunSandbox?, readOnlyPaths: [String],
                    log: StepLog) async -> AttemptResult {
        guard step.nodeCount > 1 else { return await executor.execute(attempt, log: log) }
        let gang = NodeGang(engine: engine, executor: executor, step: step, materializer: materializer(for: sandbox), sandbox: sandbox,
                            keepsEveryNodesFiles: (step.artifacts ?? stored.task.artifacts)?.from == .all)
        return await gang.execute(attempt, log: log) { directory, gpus in
            sandbox?.stepView(workspace: directory, readOnly: readOnlyPaths, storage: attempt.resources.storage,
                              devices: GPUInventory.deviceFiles(for: gpus))
        }
    }
}
