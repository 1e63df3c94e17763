import AMECore
import AMESystem
import Foundation

/// Runs one attempt of a step that runs on several nodes (`nodes: N`) as one: N attempts
/// through the same executor at once, one per rank, each told where the others are
/// (`NodeRank.environment`), each line of each in the one log with its rank. The first node
/// to fail stops the others and is the attempt's reason ("node 2 exited 5"); an attempt ended
/// for memory is ended for memory as a whole, so the coordinator retries the whole gang.
///
/// Files: rank 0's are the step's, as if it had run alone (with `artifacts: {from: all}`,
/// every rank's, each into `node-RANK/`). On an executor that runs in the working directory
/// itself, each other node gets a copy of the workspace as it is when the step starts,
/// removed afterwards.
struct NodeGang {
    let engine: Engine
    let executor: any Executor
    let step: TaskSpec
    /// How the run's workspace was laid out: how node copies are.
    let materializer: WorkspaceMaterializer
    let sandbox: RunSandbox?
    /// Every node's files come back (`artifacts: {from: all}`), not only rank 0's.
    let keepsEveryNodesFiles: Bool

    var count: Int { step.nodeCount }

    /// Runs the nodes of `attempt` (whose resources and environment are one node's, and whose
    /// GPUs are all nodes' together) and says how the step ended. `placement` gives a node's
    /// sandbox from its working directory and GPUs.
    func execute(_ attempt: StepAttempt, log: StepLog,
                 placement: (URL, [Int]) -> Sandbox.Placement?) async -> AttemptResult {
        let network: (addresses: [String], port: Int)
        do {
            network = try executor.nodeAddresses(for: attempt, count: count)
        } catch {
            return AttemptResult(outcome: .failedToStart, exitCode: 1, reason: "could not choose the nodes' addresses: \(error)")
        }
        let copies: [Int: NodeCopy]
        do {
            copies = try makeCopies(of: attempt.workingDirectory, runID: attempt.runID)
        } catch {
            return AttemptResult(outcome: .failedToStart, exitCode: 1, reason: "could not copy the workspace for each node: \(error)")
        }
        defer { removeCopies(copies, runID: attempt.runID) }

        let attempts = (0..<count).map { rank in
            nodeAttempt(attempt, rank: rank, network: network, directory: copies[rank]?.directory, placement: placement)
        }
        log.note("▶ \(count) nodes; rank 0 listens at \(network.addresses[0]):\(network.port)")
        let (failure, cancelled) = await run(attempts, log: log)

        if !executor.copiesWorkspace && keepsEveryNodesFiles {
            bringBack(copies, into: attempt.workingDirectory, log: log)
        }
        if let (rank, result) = failure {
            return AttemptResult(outcome: result.outcome, exitCode: result.exitCode, reason: Self.describe(result, rank: rank))
        }
        if cancelled { return AttemptResult(outcome: .cancelled, exitCode: 130, reason: "cancelled") }
        return AttemptResult(outcome: .exited, exitCode: 0)
    }

    /// "node 2 exited 5", "node 1: killed: out of memory (…)".
    static func describe(_ result: AttemptResult, rank: Int) -> String {
        if result.outcome == .exited, result.reason == nil || result.reason == TerminationStatus.exited(result.exitCode).description {
            return "node \(rank) exited \(result.exitCode)"
        }
        return "node \(rank): \(result.reason ?? "exit code \(result.exitCode)")"
    }

    // MARK: Nodes

    private func nodeAttempt(_ attempt: StepAttempt, rank: Int, network: (addresses: [String], port: Int), directory: URL?,
                             placement: (URL, [Int]) -> Sandbox.Placement?) -> StepAttempt {
        var node = attempt
        let rankInfo = NodeRank(rank: rank, addresses: network.addresses, port: network.port)
        node.node = rankInfo
        node.environment.merge(rankInfo.environment) { _, contract in contract }
        // Each node gets its share of the GPUs admitted for all of them.
        let share = attempt.gpus.count / count
        node.gpus = Array(attempt.gpus.dropFirst(rank * share).prefix(share))
        let allGPUs = attempt.gpus.map(String.init).joined(separator: ",")
        if attempt.environment["CUDA_VISIBLE_DEVICES"] == allGPUs {
            node.environment["CUDA_VISIBLE_DEVICES"] = node.gpus.map(String.init).joined(separator: ",")
        }
        if executor.copiesWorkspace {
            node.keepsFilesUnder = keepsEveryNodesFiles ? rankInfo.filesFolder + "/" : (rank == 0 ? "" : nil)
        } else if let directory {
            node.workingDirectory = directory
            if node.environment["AME_WORKSPACE"] == attempt.workingDirectory.path { node.environment["AME_WORKSPACE"] = directory.path }
            if attempt.sandbox != nil { node.sandbox = placement(directory, node.gpus) }
        }
        return node
    }

    /// Runs every node; the first to fail (unless the whole step is being cancelled) stops
    /// the others. Returns that node and its result, and whether the step was cancelled.
    private func run(_ attempts: [StepAttempt], log: StepLog) async -> (failure: (Int, AttemptResult)?, cancelled: Bool) {
        let executor = self.executor
        let count = self.count
        return await withTaskGroup(of: (Int, AttemptResult).self) { group in
            for (rank, attempt) in attempts.enumerated() {
                let nodeLog = log.forNode(rank: rank)
                group.addTask {
                    let result = await executor.execute(attempt, log: nodeLog)
                    nodeLog.flush()
                    return (rank, result)
                }
            }
            var failure: (Int, AttemptResult)?
            var cancelled = false
            for await (rank, result) in group {
                if Task.isCancelled { cancelled = true }
                guard failure == nil, !cancelled, !result.succeeded else { continue }
                failure = (rank, result)
                log.note("■ \(Self.describe(result, rank: rank)); stopping the other \(count == 2 ? "node" : "\(count - 1) nodes")")
                group.cancelAll()
            }
            return (failure, cancelled)
        }
    }

    // MARK: Files

    /// A node's own copy of the workspace, and how it was laid out.
    struct NodeCopy {
        var directory: URL
        var materialized: MaterializedWorkspace
        var baseline: Manifest
    }

    /// Where a run's node copies are (`workspaces/RUN.nodes/RANK`).
    static func copiesDirectory(engine: Engine, runID: String) -> URL {
        engine.layout.workspaces.appendingPathComponent("\(runID).nodes", isDirectory: true)
    }

    /// The workspace as it is now, laid out again for each node that does not run in it
    /// (every node but rank 0; with every node's files kept, rank 0 too, so that each node's
    /// changes can be told apart). None on an executor that copies the files itself.
    private func makeCopies(of workspace: URL, runID: String) throws -> [Int: NodeCopy] {
        guard !executor.copiesWorkspace else { return [:] }
        let current = try WorkspaceChanges.collect(workspace: workspace, baseline: Manifest(entries: []), stamps: [:], globs: [])
        for entry in current where entry.kind == .file {
            if let digest = entry.digest { _ = try engine.blobs.put(fileAt: workspace.appendingPathComponent(entry.path), expected: digest) }
        }
        let manifest = Manifest(entries: current)
        var copies: [Int: NodeCopy] = [:]
        for rank in (keepsEveryNodesFiles ? 0 : 1)..<count {
            let directory = Self.copiesDirectory(engine: engine, runID: runID).appendingPathComponent(String(rank), isDirectory: true)
            let materialized = try materializer.materialize(manifest, into: directory)
            sandbox?.giveToRun(workspaceTree: directory)
            copies[rank] = NodeCopy(directory: directory, materialized: materialized, baseline: manifest)
        }
        return copies
    }

    /// Copies what each node created or changed into `node-RANK/` of the run's workspace.
    private func bringBack(_ copies: [Int: NodeCopy], into workspace: URL, log: StepLog) {
        let manager = FileManager.default
        for (rank, copy) in copies.sorted(by: { $0.key < $1.key }) {
            do {
                let changed = try WorkspaceChanges.collect(workspace: copy.directory, baseline: copy.baseline,
                                                           stamps: copy.materialized.stamps, globs: [])
                let folder = workspace.appendingPathComponent("node-\(rank)", isDirectory: true)
                for entry in changed {
                    let source = copy.directory.appendingPathComponent(entry.path)
                    let target = folder.appendingPathComponent(entry.path)
                    try manager.createDirectory(at: target.deletingLastPathComponent(), withIntermediateDirectories: true)
                    try? manager.removeItem(at: target)
                    switch entry.kind {
                    case .file:
                        // Through the store, which keeps them anyway as the run's artifacts.
                        guard let digest = entry.digest else { continue }
                        _ = try engine.blobs.put(fileAt: source, expected: digest)
                        try engine.blobs.copy(digest, to: target, executable: entry.executable)
                    case .symlink:
                        try manager.createSymbolicLink(atPath: target.path, withDestinationPath: entry.target ?? "")
                    }
                }
            } catch {
                log.note("⚠ could not bring back the files of node \(rank): \(error)")
            }
        }
        sandbox?.giveToRun(workspaceTree: workspace)
    }

    private func removeCopies(_ copies: [Int: NodeCopy], runID: String) {
        // A blob a node altered in place through a link is evicted from the store.
        for copy in copies.values { _ = materializer.verifyLinks(copy.materialized, in: copy.directory) }
        try? FileManager.default.removeItem(at: Self.copiesDirectory(engine: engine, runID: runID))
    }
}
