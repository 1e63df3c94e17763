import AMECore
import AMESystem
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Carries one run from queued to finished: materializes the workspace, runs the steps in
/// the order their `needs` allow (in parallel where they can), admits each step against
/// the engine's capacity, retries steps killed for memory with more of it, collects the
/// artifacts, and records every transition. It runs inside a run agent process, so a run
/// outlives the CLI that started it.
public final class RunCoordinator: Sendable {
    let engine: Engine
    let executor: any Executor
    let runID: String
    /// The environment the agent was started with: the base of every step's environment.
    let baseEnvironment: [String: String]
    /// The S3 client for `data` inputs and artifact destinations (nil: steps that need
    /// one fail with a clear message).
    let objectStores: (any ObjectStoreProvider)?
    /// Where the run's commands (its steps and its environment builds) run confined; nil:
    /// as the agent's own user.
    let sandbox: Sandbox?
    /// The run's records of its progress, and whether they all went through.
    let recorder = RunRecorder()
    let clock = ContinuousClock()

    public init(engine: Engine, executor: any Executor, runID: String, baseEnvironment: [String: String],
                objectStores: (any ObjectStoreProvider)? = nil, sandbox: Sandbox? = nil) {
        self.engine = engine
        self.executor = executor
        self.runID = runID
        self.baseEnvironment = baseEnvironment
        self.objectStores = objectStores
        self.sandbox = sandbox
    }

    /// Runs the run to its end and returns its exit code. Exactly one agent carries a run:
    /// another one started for it (a launch repeated after a server crash) returns at once.
    public func run() async -> Int32 {
        Trace.mark("agent: coordinator start")
        guard let hold = FileLock.tryLock(path: engine.layout.workspaces.appendingPathComponent("\(runID).lock").path) else { return 0 }
        defer {
            unlink(engine.layout.workspaces.appendingPathComponent("\(runID).lock").path)
            hold.unlock()
        }
        // Without the run's record there is nothing to run, nor anywhere to say so.
        guard let stored = try? engine.store.storedRun(runID) else { return 1 }
        guard stored.record.status.isActive else { return stored.record.exitCode ?? 1 }
        if stored.executor == .local {
            recorder.record("this agent as the run's") {
                try engine.store.setAgent(runID, pid: getpid(), startTime: ProcessTable.entry(pid: getpid())?.startTime)
            }
        }
        let writer: LogWriter
        do {
            writer = try engine.logs.writer(for: runID)
        } catch {
            engine.endRun(runID, Engine.RunEnding(.failed, reason: "cannot open the run's log: \(error)", exitCode: 1))
            return 1
        }
        let runLog = StepLog(writer: writer, step: stored.task.name)
        let ending = await execute(stored, writer: writer, runLog: runLog)
        engine.endRun(runID, ending, log: writer)
        // After the end record: whoever follows the log is told at once, and removing a
        // large workspace (thousands of links) does not delay them.
        // What removal leaves (a file the run made read-only as another user, say) is only
        // disk space: the run's record and its artifacts are kept already.
        for folder in [engine.layout.workspaces.appendingPathComponent(runID), NodeGang.copiesDirectory(engine: engine, runID: runID),
                       engine.layout.sandboxes.appendingPathComponent(runID)] {
            try? FileManager.default.removeItem(at: folder)
        }
        return ending.exitCode
    }

    /// Carries the run to its end and says how it ended (`run` records it).
    private func execute(_ stored: StoredRun, writer: LogWriter, runLog: StepLog) async -> Engine.RunEnding {
        let workspace = engine.layout.workspaces.appendingPathComponent(runID)
        if stored.cancelRequested {
            return finish(status: .cancelled, reason: "cancelled before it started", exitCode: 130, log: runLog)
        }
        var runSandbox: RunSandbox?
        if let sandbox {
            do {
                runSandbox = try RunSandbox.prepare(sandbox: sandbox, engine: engine, runID: runID, owner: stored.record.owner,
                                                    environment: baseEnvironment)
                Trace.mark("agent: sandbox prepared")
            } catch {
                return finish(status: .failed, reason: "could not prepare the run's sandbox: \(error)", exitCode: 1, log: runLog)
            }
        }
        let materialized: MaterializedWorkspace
        do {
            materialized = try materializer(for: runSandbox).materialize(stored.request.manifest, into: workspace)
            runSandbox?.giveToRun(workspaceTree: workspace)
            Trace.mark("agent: materialized")
        } catch {
            return finish(status: .failed, reason: "could not prepare the workspace: \(error)", exitCode: 1, log: runLog)
        }

        // Service ports asked for as 0 get a free port of this machine, known from now on.
        var stored = stored
        if stored.record.ports.contains(where: { $0.port == 0 }) {
            do {
                stored.record.ports = try stored.record.ports.map { spec in
                    spec.port == 0 ? PortSpec(port: try TCPSocket.freePort(), name: spec.name) : spec
                }
                try engine.store.setPorts(runID, stored.record.ports)
            } catch {
                return finish(status: .failed, reason: "could not find a free port for the service: \(error)", exitCode: 1, log: runLog)
            }
        }

        let steps = stored.task.effectiveSteps
        if !executor.runsImages, let image = steps.compactMap(\.image).first {
            runLog.note("this engine runs steps on its own machine: 'image: \(image)' is used on Kubernetes only")
        }
        let graph = StepGraph(steps: steps)
        let state = StepStates(names: steps.map(\.name))
        // Env and wrappers that plugins contribute to every run of the project (docs/run-hooks.md).
        // Read at submit already (Engine.submit refuses a broken hook file): this read can only
        // fail on a blob gone since, and the steps then run as they would without hooks.
        let hooks = (try? RunHooks.load(stored.request.manifest, read: engine.blobs.read)) ?? RunHooks()
        let environments = EnvironmentCache(engine: engine, baseEnvironment: baseEnvironment, hooks: hooks, owner: stored.record.owner,
                                            sandbox: runSandbox)
        let resolver = StorageSettingsResolver(vault: engine.vault, owner: stored.record.owner,
                                               baseEnvironment: baseEnvironment.filter { !EnvironmentCache.withheld.contains($0.key) })
        let placeholders = S3URL.Placeholders(run: runID, task: stored.task.name, project: stored.record.project, date: stored.record.createdAt)
        let inputs = RunInputs(provider: objectStores, resolver: resolver, cache: DataCache(root: engine.layout.dataCache),
                               workspace: workspace, placeholders: placeholders)

        // Watch for cancellation requested through the API (the agent also gets SIGTERM).
        let cancelWatcher = Task {
            while !Task.isCancelled {
                // (The sleep throws only when this watch is cancelled; a read that fails is
                // asked again a moment later.)
                try? await Task.sleep(for: .milliseconds(250))
                if (try? engine.store.isCancelRequested(runID)) == true { return true }
            }
            return false
        }
        let running = stored
        let stepSandbox = runSandbox
        let cancelled = await withTaskGroup(of: Bool.self) { group -> Bool in
            group.addTask {
                await self.runGraph(graph, stored: running, workspace: workspace, state: state, environments: environments,
                                     inputs: inputs, writer: writer, sandbox: stepSandbox)
                return false
            }
            group.addTask { await cancelWatcher.value }
            let first = await group.next() ?? false
            group.cancelAll()
            cancelWatcher.cancel()
            // Wait for the steps to stop before collecting what they wrote.
            while await group.next() != nil {}
            return first || Task.isCancelled
        }

        // Whatever happened, bring back what the run produced: nothing is lost on failure.
        // Files fetched as inputs and left unchanged are not artifacts.
        await inputs.checkCache(log: runLog)
        let changed = changedFiles(stored: stored, workspace: workspace, materialized: materialized,
                                   inputs: await inputs.inputStamps, log: runLog)
        // Artifacts with a destination go there when every step succeeded; files uploaded
        // for blocks with 'local: false' do not come back.
        var uploadFailure: String?
        var remoteOnly = Set<String>()
        let succeeded = !cancelled && state.firstFailure(order: steps.map(\.name)) == nil
        if succeeded, !ArtifactPublisher.destinations(of: stored.task).isEmpty {
            let publisher = ArtifactPublisher(provider: objectStores, resolver: resolver, workspace: workspace, placeholders: placeholders)
            let outcome = await publisher.publish(changed, task: stored.task, log: runLog)
            uploadFailure = outcome.failure
            remoteOnly = outcome.remoteOnly
            if outcome.failure == nil, outcome.uploaded > 0 {
                runLog.note("uploaded \(RunInputs.count(outcome.uploaded, "artifact"))"
                            + (remoteOnly.isEmpty ? "" : " (\(remoteOnly.count) kept only in the bucket: 'local: false')"))
            }
        }
        let artifactCount = recordArtifacts(changed.filter { !remoteOnly.contains($0.path) }, workspace: workspace,
                                            owner: stored.record.owner, log: runLog)
        Trace.mark("agent: artifacts collected")
        let evicted = materializer(for: runSandbox).verifyLinks(materialized, in: workspace)
        for path in evicted {
            runLog.note("⚠ the run modified \(path) in place; its stored copy was discarded and will be uploaded again")
        }
        if artifactCount > 0 {
            runLog.note("collected \(artifactCount) artifact\(artifactCount == 1 ? "" : "s")")
        }

        if cancelled {
            state.markUnfinished(as: .cancelled)
            persist(state)
            return finish(status: .cancelled, reason: "cancelled", exitCode: 130, log: runLog)
        }
        persist(state)
        if let failure = recorder.failure {
            return finish(status: .failed, reason: "AME \(failure)", exitCode: 1, log: runLog)
        }
        if let uploadFailure {
            return finish(status: .failed, reason: uploadFailure, exitCode: 1, log: runLog)
        }
        if let failure = state.firstFailure(order: steps.map(\.name)) {
            let stepName = stored.task.isPipeline ? "step '\(failure.name)'" : "task '\(failure.name)'"
            let detail = failure.reason ?? "exit code \(failure.exitCode)"
            // "task 'x' could not start: …" (it never ran), else "task 'x' failed: …"; said
            // once in the log, where the step has not said it already.
            let reason = detail.hasPrefix("could not start: ") ? "\(stepName) \(detail)" : "\(stepName) failed: \(detail)"
            return finish(status: .failed, reason: reason, exitCode: failure.exitCode == 0 ? 1 : failure.exitCode,
                          log: failure.noted ? nil : runLog)
        }
        return finish(status: .succeeded, reason: nil, exitCode: 0, log: runLog)
    }

    /// Files the run's commands may change are theirs (copies, or when they run as a user
    /// of their own, links to blobs that user cannot write).
    func materializer(for runSandbox: RunSandbox?) -> WorkspaceMaterializer {
        let mayLink = runSandbox.map { $0.owner != nil } ?? (geteuid() != 0)
        return WorkspaceMaterializer(blobs: engine.blobs, linkFilesLargerThan: engine.configuration.linkFilesLargerThan, mayLink: mayLink)
    }

    /// How the run ended, with a failure's one "✗" line in `log` (what `ame run` shows as
    /// the reason the run failed; nil where a step has said it already).
    private func finish(status: RunStatus, reason: String?, exitCode: Int32, log: StepLog?) -> Engine.RunEnding {
        if let reason, status != .succeeded { log?.note(status == .failed ? "✗ \(reason)" : reason) }
        return Engine.RunEnding(status, reason: reason, exitCode: exitCode)
    }

    private func persist(_ state: StepStates) {
        for (name, result) in state.snapshot() {
            recorder.record("the end of step '\(name)'") {
                try engine.store.updateStep(runID, name, status: result.status, exitCode: result.exitCode, reason: result.reason)
            }
        }
    }

    // MARK: Steps

    private func runGraph(_ graph: StepGraph, stored: StoredRun, workspace: URL, state: StepStates, environments: EnvironmentCache,
                          inputs: RunInputs, writer: LogWriter, sandbox: RunSandbox?) async {
        await withTaskGroup(of: Void.self) { group in
            var started = Set<String>()
            func startReady() {
                for step in graph.ready(finished: state.succeeded(), started: started) where !state.anyFailed() && recorder.failure == nil {
                    started.insert(step.name)
                    group.addTask {
                        await self.runStep(step, stored: stored, workspace: workspace, state: state, environments: environments,
                                           inputs: inputs, writer: writer, sandbox: sandbox)
                    }
                }
            }
            startReady()
            while await group.next() != nil {
                guard !Task.isCancelled else { break }
                startReady()
            }
        }
        // Steps that never started because an earlier one failed.
        state.markUnfinished(as: .skipped)
    }

    private func runStep(_ step: TaskSpec, stored: StoredRun, workspace: URL, state: StepStates, environments: EnvironmentCache,
                         inputs: RunInputs, writer: LogWriter, sandbox: RunSandbox?) async {
        let log = StepLog(writer: writer, step: step.name)
        let label = stored.task.isPipeline ? "step '\(step.name)'" : "task '\(step.name)'"
        var resources = step.resources
        var number = 1
        var failures = 0
        while !Task.isCancelled {
            // 1. Wait for capacity.
            // A step on several nodes is admitted with all of them or not at all.
            let request = ResourceRequest(resources, nodes: step.nodeCount, capacity: engine.configuration.capacity)
            guard let gpus = await admit(step: step.name, owner: stored.record.owner, request: request, nodes: step.nodeCount,
                                         log: log, isFirstStep: !state.anyStarted()) else {
                state.set(step.name, .cancelled, exitCode: 130, reason: "cancelled while queued")
                return
            }
            // Released with the run in any case (Engine.endRun): a failure here only holds the
            // step's capacity until then.
            defer { try? engine.admission.release(runID: runID, step: step.name) }
            state.markStarted(step.name)
            let servicePorts = stored.record.ports.map(\.port)
            recorder.record("the start of \(label)") {
                if servicePorts.isEmpty {
                    try engine.store.setStatus(runID, .running, reason: nil)
                } else {
                    try engine.store.setStatus(runID, .preparing,
                                               reason: "starting: waiting for port \(servicePorts.map(String.init).joined(separator: ", ")) to accept connections")
                }
                try engine.store.updateStep(runID, step.name, status: .running)
                try engine.store.insertAttempt(runID, step: step.name, number: number, resources: resources, status: .preparing)
            }
            if stored.task.isPipeline || number > 1 {
                log.note("▶ \(label) — attempt \(number)\(resources.summary.isEmpty ? "" : " (\(resources.summary))")")
            }

            // 2. Inputs (`data`, through the executor's cache), then the environment:
            // Python, secrets, env.
            let environment: [String: String]
            let secretValues: [Data]
            var readOnlyPaths: [String] = []
            do {
                try await inputs.fetch(for: step, log: log)
                // What a fetch wrote belongs to the run's user.
                if let sandbox { sandbox.giveToRun(workspaceTree: workspace) }
                if executor.preparesStepEnvironment {
                    // Python and secrets are prepared where the step runs; what the project's
                    // hooks contribute is passed on (the Pod gets it as literals).
                    (environment, secretValues) = (environments.hooks.environment, [])
                } else {
                    let prepared = try await environments.environment(for: step, stored: stored, workspace: workspace, gpus: gpus, log: log)
                    (environment, secretValues, readOnlyPaths) = (prepared.variables, prepared.secretValues, prepared.readOnlyPaths)
                }
                Trace.mark("agent: environment ready")
            } catch {
                let reason = "\(error)"
                log.note("✗ \(label) could not start: \(reason)")
                recorder.record("the end of attempt \(number) of \(label)") {
                    try engine.store.finishAttempt(runID, step: step.name, number: number, status: .failed, outcome: .failedToStart,
                                                   exitCode: 1, reason: reason)
                }
                state.set(step.name, .failed, exitCode: 1, reason: "could not start: \(reason)", noted: true)
                return
            }
            guard let command = step.runCommand else {
                state.set(step.name, .failed, exitCode: 1, reason: "no command")
                return
            }

            // 3. Run it.
            let composed = StepCommand.compose(command: command, environment: environment, ports: stored.record.ports, hooks: environments.hooks,
                                               step: step, attempt: number, resources: resources,
                                               pipelineSteps: stored.task.isPipeline ? stored.task.effectiveSteps.map(\.name) : nil)
            var attempt = StepAttempt(runID: runID, step: step.name, number: number, command: composed.command, workingDirectory: workspace,
                                      environment: composed.environment, secretValues: secretValues, resources: resources, gpus: gpus,
                                      timeoutSeconds: step.timeout)
            attempt.sandbox = sandbox?.stepView(workspace: workspace, readOnly: readOnlyPaths, storage: resources.storage,
                                                devices: GPUInventory.deviceFiles(for: gpus))
            if !servicePorts.isEmpty {
                attempt.readinessPorts = servicePorts
                attempt.idleTimeoutSeconds = stored.request.idleTimeoutSeconds
                let engine = self.engine, runID = self.runID, stepName = step.name, attemptNumber = number, recorder = self.recorder
                attempt.onReady = {
                    recorder.record("that \(label) is serving") {
                        try engine.store.markAttemptRunning(runID, step: stepName, number: attemptNumber)
                        try engine.store.setStatus(runID, .running, reason: "serving on port \(servicePorts.map(String.init).joined(separator: ", "))")
                    }
                    log.note("▶ ready: port \(servicePorts.map(String.init).joined(separator: ", ")) accepts connections")
                }
            }
            if servicePorts.isEmpty {
                recorder.record("that \(label) is running") { try engine.store.markAttemptRunning(runID, step: step.name, number: number) }
            }
            let result = await runAttempt(attempt, of: step, stored: stored, sandbox: sandbox, readOnlyPaths: readOnlyPaths, log: log)
            Trace.mark("agent: command ended")
            let attemptStatus: RunStatus = result.succeeded ? .succeeded : (result.outcome == .cancelled ? .cancelled : .failed)
            recorder.record("the end of attempt \(number) of \(label)") {
                try engine.store.finishAttempt(runID, step: step.name, number: number, status: attemptStatus, outcome: result.outcome,
                                               exitCode: result.exitCode, reason: result.reason)
            }

            // 4. What follows: done, or again (with more memory after an out-of-memory kill,
            // or as many times as asked), or failed.
            // Each node gets the memory: all of a step's nodes must fit at once.
            let decision = RetryDecision.after(result, resources: resources, retry: step.retry, failures: failures,
                                               memoryCeiling: engine.configuration.capacity.memoryBytes / Int64(step.nodeCount),
                                               label: label, number: number, cancelled: Task.isCancelled)
            switch decision {
            case .succeeded:
                state.set(step.name, .succeeded, exitCode: 0, reason: nil)
                return
            case .cancelled(let reason):
                state.set(step.name, .cancelled, exitCode: 130, reason: reason)
                return
            case .retry(let next, let note, let afterFailure):
                log.note(note)
                resources = next
                if afterFailure { failures += 1 }
                number += 1
            case .failed(let reason, let exitCode, let note):
                if let note { log.note(note) }
                state.set(step.name, .failed, exitCode: exitCode, reason: reason, noted: note != nil)
                return
            }
        }
        state.set(step.name, .cancelled, exitCode: 130, reason: "cancelled")
    }

    /// Waits until the step may start; nil when cancelled while waiting.
    private func admit(step: String, owner: String, request: ResourceRequest, nodes: Int, log: StepLog, isFirstStep: Bool) async -> [Int]? {
        var lastReason: String?
        var polls = 0
        while !Task.isCancelled {
            let decision: Admission.Decision
            do {
                decision = try engine.admission.tryAdmit(runID: runID, step: step, owner: owner, request: request, nodes: nodes)
            } catch {
                decision = .waiting(reason: "waiting: \(error)")
            }
            switch decision {
            case .admitted(let gpus):
                if lastReason != nil { log.note("▶ capacity free, starting") }
                return gpus
            case .waiting(let reason):
                if reason != lastReason {
                    recorder.record("why the run waits") {
                        if isFirstStep {
                            try engine.store.setStatus(runID, .queued, reason: reason)
                        } else {
                            try engine.store.setReason(runID, reason)
                        }
                    }
                    log.note("⏳ \(reason)")
                    lastReason = reason
                }
            }
            polls += 1
            // Free the capacity of runs whose agents died, so waiting cannot last forever.
            if polls % 8 == 0 { RunRecovery(engine: engine).recoverLostRuns() }
            try? await Task.sleep(for: .milliseconds(polls < 20 ? 50 : 250)) // throws only when cancelled: the loop ends
        }
        return nil
    }

    // MARK: Artifacts

    /// The files the run created or changed (within the `artifacts` globs, if any).
    private func changedFiles(stored: StoredRun, workspace: URL, materialized: MaterializedWorkspace,
                              inputs: [String: FileStamp], log: StepLog) -> [Manifest.Entry] {
        var globs = stored.task.effectiveSteps.flatMap { $0.artifacts?.paths ?? [] } + (stored.task.artifacts?.paths ?? [])
        // With `artifacts: {from: all}`, each node's files are in node-RANK/.
        if stored.task.allArtifactSpecs.contains(where: { $0.from == .all }) {
            globs += globs.map { "node-*/" + $0 }
        }
        do {
            return try WorkspaceChanges.collect(workspace: workspace, baseline: stored.request.manifest,
                                                stamps: materialized.stamps, globs: Array(Set(globs)).sorted(), inputs: inputs)
        } catch {
            log.note("⚠ could not collect artifacts: \(error)")
            return []
        }
    }

    /// Keeps `changed` in the blob store as the run's artifacts (what the CLI brings back).
    private func recordArtifacts(_ changed: [Manifest.Entry], workspace: URL, owner: String, log: StepLog) -> Int {
        do {
            var records: [ArtifactRecord] = []
            for entry in changed {
                guard entry.kind == .file, let digest = entry.digest else { continue }
                let file = workspace.appendingPathComponent(entry.path)
                _ = try engine.blobs.put(fileAt: file, expected: digest)
                records.append(ArtifactRecord(path: entry.path, digest: digest, size: entry.size, executable: entry.executable))
            }
            try engine.store.recordArtifacts(runID, records)
            // What the run produced is its owner's to download.
            try engine.store.claimBlobs(records.map(\.digest), owner: owner)
            return records.count
        } catch {
            log.note("⚠ could not collect artifacts: \(error)")
            return 0
        }
    }
}
