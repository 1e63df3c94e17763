import AMECore
import AMEEngine
import AMESystem
import Foundation

/// Runs each step attempt as a Pod (`PodTranslator` describes it): mirrors the step's secrets into per-run
/// Secrets, creates the Pod `PodTranslator` describes, follows it by watch (listing again
/// when a watch breaks), streams its containers' logs into the run's log through the
/// secret masker, and reads how it ended: `OOMKilled` becomes `.outOfMemory`, so the
/// coordinator retries with more memory as on the local executor.
///
/// Idempotent per attempt: when a Pod for the attempt already exists (the server restarted
/// mid-run), it is adopted by its labels and followed from where its log was read up to.
/// Cancelling deletes the Pod; `cleanUp(runID:)` deletes a finished run's Pods and Secrets.
public final class KubernetesExecutor: Executor {
    public let client: KubernetesClient
    public let engine: Engine
    public let translator: PodTranslator
    public let options: Options
    let mirror: SecretMirror
    let tokens: any AgentTokenIssuer
    let workspaces = RunWorkspaces()
    let cursors: LogCursors
    let services = ServiceEndpoints()

    public struct Options: Sendable {
        /// How long a Pod may fail to pull its image before the attempt fails.
        public var imagePullGrace: Duration
        /// After a Pod ends, how long the rest of its log may take to arrive.
        public var logDrainTimeout: Duration
        /// The pause before listing again after a watch broke.
        public var rewatchDelay: Duration
        /// Watches are renewed at least this often.
        public var watchTimeoutSeconds: Int
        /// How long after a delete for cancelling the Pod may take to stop.
        public var cancelGrace: Duration

        public init(imagePullGrace: Duration = .seconds(300), logDrainTimeout: Duration = .seconds(15),
                    rewatchDelay: Duration = .milliseconds(500), watchTimeoutSeconds: Int = 300, cancelGrace: Duration = .seconds(45)) {
            self.imagePullGrace = imagePullGrace
            self.logDrainTimeout = logDrainTimeout
            self.rewatchDelay = rewatchDelay
            self.watchTimeoutSeconds = watchTimeoutSeconds
            self.cancelGrace = cancelGrace
        }
    }

    public init(client: KubernetesClient, engine: Engine, settings: KubernetesSettings, tokens: any AgentTokenIssuer,
                options: Options = Options()) {
        var settings = settings
        settings.namespace = client.namespace
        self.client = client
        self.engine = engine
        self.translator = PodTranslator(settings: settings)
        self.mirror = SecretMirror(settings: settings)
        self.tokens = tokens
        self.options = options
        self.cursors = LogCursors(directory: engine.layout.dataDirectory.appendingPathComponent("kubernetes/logs", isDirectory: true))
    }

    /// The Pod's agent builds Python; secrets reach it by `secretKeyRef`, never through
    /// the attempt's environment.
    public var preparesStepEnvironment: Bool { true }
    public var runsImages: Bool { true }
    /// Each Pod fetches the files and brings back what it produced.
    public var copiesWorkspace: Bool { true }

    /// The nodes' Pods by name under the attempt's headless Service; rank 0 listens on
    /// torch's default port, which a Pod has to itself.
    public func nodeAddresses(for attempt: StepAttempt, count: Int) throws -> (addresses: [String], port: Int) {
        (PodTranslator.nodeAddresses(runID: attempt.runID, step: attempt.step, attempt: attempt.number, count: count), NodeRank.defaultPort)
    }

    public func execute(_ attempt: StepAttempt, log: StepLog) async -> AttemptResult {
        let signal = CancelSignal()
        // Unstructured, so that cancelling the caller does not cancel the calls that delete
        // the Pod and collect what it wrote; the signal tells it to stop instead.
        let work = Task { await self.run(attempt, log: log, cancel: signal) }
        return await withTaskCancellationHandler {
            await work.value
        } onCancel: {
            signal.fire()
        }
    }

    // MARK: One attempt

    private func run(_ attempt: StepAttempt, log: StepLog, cancel: CancelSignal) async -> AttemptResult {
        let stored: StoredRun
        do {
            guard let found = try engine.storedRun(attempt.runID) else {
                return AttemptResult(outcome: .failedToStart, exitCode: 1, reason: "the run \(attempt.runID) is not in the engine's store")
            }
            stored = found
        } catch {
            return AttemptResult(outcome: .failedToStart, exitCode: 1, reason: "cannot read the run \(attempt.runID): \(error)")
        }
        let step = stored.task.effectiveSteps.first { $0.name == attempt.step } ?? TaskSpec(name: attempt.step, runCommand: attempt.command)
        let name = KubernetesNames.podName(runID: attempt.runID, step: attempt.step, attempt: attempt.number, node: attempt.node?.rank)
        if cancel.hasFired { return AttemptResult(outcome: .cancelled, exitCode: 130, reason: "cancelled") }

        var secretValues = attempt.secretValues
        do {
            if let existing = try await existingPod(attempt) {
                log.note("↻ re-attached to Pod \(existing.name) (\(existing.status?.phase ?? "Pending")) in namespace \(client.namespace)")
                for secret in Set(step.secrets.map(\.name)) {
                    if let value = try? engine.vault.value(owner: stored.record.owner, name: secret) { secretValues.append(value) }
                }
                for variable in (try? engine.vault.runSecrets(runID: attempt.runID)) ?? [] where !variable.value.isEmpty {
                    secretValues.append(Data(variable.value.utf8))
                }
            } else {
                let manifest = await workspaces.manifest(runID: attempt.runID, base: stored.request.manifest)
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.sortedKeys]
                let digest = try engine.blobs.put(try encoder.encode(manifest), expected: nil)
                // The Pod fetches it with a token acting as the run's owner.
                try engine.store.claimBlobs([digest], owner: stored.record.owner)
                let runSecretEnv = try engine.vault.runSecrets(runID: attempt.runID)
                var request = StepPodRequest(runID: attempt.runID, owner: stored.record.owner, project: stored.record.project,
                                             task: stored.task.name, step: step, attempt: attempt.number, resources: attempt.resources,
                                             command: attempt.command, manifest: digest.description, timeoutSeconds: attempt.timeoutSeconds,
                                             ports: stored.record.ports, extraPackages: stored.request.extraPackages ?? [])
                request.secretEnvKeys = runSecretEnv.map(\.key)
                request.contributedEnvironment = attempt.environment
                request.node = attempt.node
                secretValues += try await mirrorSecrets(request, runSecretEnv: runSecretEnv, log: log)
                // A multi-node step's Pods find each other by the attempt's Service, and
                // may reach each other by its NetworkPolicy.
                if let service = translator.service(for: request) { try await client.ensureService(service) }
                if let policy = translator.networkPolicy(for: request) { try await client.ensureNetworkPolicy(policy) }
                let pod = translator.pod(for: request)
                do {
                    _ = try await client.createPod(pod)
                } catch let error as KubernetesError where error.kind == .conflict {
                    // Made by an earlier try whose answer was lost: the same Pod, adopt it.
                }
                log.note("▶ Pod \(name) in namespace \(client.namespace)")
            }
        } catch {
            return AttemptResult(outcome: .failedToStart, exitCode: 1, reason: "\(error)")
        }

        let outcome = await monitor(podName: name, attempt: attempt, secrets: secretValues, log: log, cancel: cancel)
        services.forget(runID: attempt.runID)
        switch outcome {
        case .finished(let pod):
            let (result, agent) = PodReport.result(pod, memoryLimit: attempt.resources.memory)
            await restoreOutputs(agent, attempt: attempt, owner: stored.record.owner, log: log)
            return result
        case .startFailed(let problem):
            return AttemptResult(outcome: .failedToStart, exitCode: 1, reason: problem.sentence)
        case .cancelled(let pod, let idleSeconds):
            if let pod, let message = PodReport.status(of: PodReport.mainName, in: pod)?.state?.terminated?.message,
               let agent = try? JSONDecoder().decode(AgentResult.self, from: Data(message.utf8)) {
                await restoreOutputs(agent, attempt: attempt, owner: stored.record.owner, log: log)
            }
            if let idleSeconds {
                return AttemptResult(outcome: .cancelled, exitCode: 130,
                                     reason: "stopped after \(DurationText.format(seconds: idleSeconds)) without a connection (idle timeout)")
            }
            return AttemptResult(outcome: .cancelled, exitCode: 130, reason: "cancelled")
        case .vanished:
            return AttemptResult(outcome: .lost, exitCode: 1, reason: "the Pod \(name) was deleted outside AME before it finished")
        case .failed(let error):
            return AttemptResult(outcome: .lost, exitCode: 1, reason: "lost track of the Pod \(name): \(error)")
        }
    }

    /// The Pod of this attempt, if one exists (found by its labels).
    private func existingPod(_ attempt: StepAttempt) async throws -> Pod? {
        let pods = try await client.listPods(labelSelector: Self.attemptSelector(attempt))
        return pods.items.first { $0.metadata.annotations?[PodTranslator.Labels.step] == attempt.step && $0.metadata.deletionTimestamp == nil }
    }

    static func attemptSelector(_ attempt: StepAttempt) -> String {
        PodTranslator.runSelector(attempt.runID)
            + ",\(PodTranslator.Labels.step)=\(KubernetesNames.labelValue(attempt.step)),\(PodTranslator.Labels.attempt)=\(attempt.number)"
            + (attempt.node.map { ",\(PodTranslator.Labels.node)=\($0.rank)" } ?? "")
    }

    /// Creates (or refreshes) the run's Secrets for this step and returns their values, for
    /// masking. A secret missing from the vault gets no Secret: Kubernetes then refuses to
    /// start the container (`CreateContainerConfigError`), which is the reason reported.
    private func mirrorSecrets(_ request: StepPodRequest, runSecretEnv: [EnvVar], log: StepLog) async throws -> [Data] {
        let labels = PodTranslator.labels(for: request)
        let token = try await tokens.token(forRun: request.runID, owner: request.owner)
        try await client.applySecret(mirror.agentSecret(runID: request.runID, labels: labels, token: token))
        var values: [Data] = [Data(token.utf8)]
        var seen = Set<String>()
        for name in request.step.secrets.map(\.name) where seen.insert(name).inserted {
            guard let value = try engine.vault.value(owner: request.owner, name: name) else {
                log.note("⚠ the secret '\(name)' is not set ('ame secret set \(name)'), so its Kubernetes Secret is missing")
                continue
            }
            try await client.applySecret(mirror.secret(runID: request.runID, labels: labels, name: name, value: value))
            values.append(value)
        }
        if !runSecretEnv.isEmpty {
            try await client.applySecret(mirror.runEnvSecret(runID: request.runID, labels: labels, variables: runSecretEnv))
            values += runSecretEnv.filter { !$0.value.isEmpty }.map { Data($0.value.utf8) }
        }
        return values
    }

    // MARK: Following the Pod

    enum MonitorOutcome {
        case finished(Pod)
        case startFailed(PodReport.StartProblem)
        /// Cancelled, or stopped by AME after `idleSeconds` without a tunnel open.
        case cancelled(Pod?, idleSeconds: Int?)
        case vanished(Pod?)
        case failed(any Error)
    }

    enum Event: Sendable {
        case pod(Pod)
        case deleted(Pod?)
        case watchFailed(any Error)
        case logEnded(String)
        case cancel
        case ready
        case tick
    }

    private func monitor(podName: String, attempt: StepAttempt, secrets: [Data], log: StepLog, cancel: CancelSignal) async -> MonitorOutcome {
        let (events, sink) = AsyncStream<Event>.makeStream()
        cancel.onFire { sink.yield(.cancel) }
        let latest = Locked<Pod?>(nil)
        let selector = Self.attemptSelector(attempt)
        let clock = ContinuousClock()

        return await withTaskGroup(of: Void.self) { group -> MonitorOutcome in
            group.addTask { await self.watch(selector: selector, podName: podName, sink: sink) }
            group.addTask {
                while !Task.isCancelled {
                    try? await Task.sleep(for: .milliseconds(250))
                    sink.yield(.tick)
                }
            }
            if !attempt.readinessPorts.isEmpty {
                group.addTask { await self.probeReadiness(attempt, latest: latest, sink: sink) }
            }
            var outcome: MonitorOutcome?
            var endedAt: ContinuousClock.Instant?
            var logsStarted = Set<String>()
            var logsEnded = Set<String>()
            var cancelRequestedAt: ContinuousClock.Instant?
            var pullProblemSince: ContinuousClock.Instant?
            var lastNote: String?
            var ready = false
            var idleStop: Int?
            var unscheduledSince: ContinuousClock.Instant?
            // The nodes of a multi-node step are all placed within this, or the step fails
            // (with Kueue, it admits them together instead).
            let schedulingLimit: Duration? = attempt.node != nil && translator.settings.kueueQueue == nil
                ? .seconds(translator.settings.nodesSchedulingTimeoutSeconds) : nil

            func note(_ text: String) {
                guard text != lastNote else { return }
                lastNote = text
                log.note(text)
            }
            func end(_ result: MonitorOutcome) {
                guard outcome == nil else { return }
                outcome = result
                endedAt = clock.now
            }
            func deletePod() {
                let grace = translator.settings.terminationGracePeriodSeconds
                Task { try? await self.client.deletePod(podName, gracePeriodSeconds: grace) }
            }

            events: for await event in events {
                switch event {
                case .pod(let pod):
                    latest.set(pod)
                    for (container, kind) in [(PodReport.initName, LogEvent.Kind.setup), (PodReport.mainName, LogEvent.Kind.stdout)]
                    where !logsStarted.contains(container) && PodReport.hasStarted(container, in: pod) {
                        logsStarted.insert(container)
                        group.addTask {
                            await self.streamLog(pod: podName, container: container, kind: kind, runID: attempt.runID,
                                                 secrets: secrets, log: log, latest: latest)
                            sink.yield(.logEnded(container))
                        }
                    }
                    guard outcome == nil else { break }
                    if PodReport.isFinished(pod) {
                        end(cancelRequestedAt != nil ? .cancelled(pod, idleSeconds: idleStop) : .finished(pod))
                    } else if let problem = PodReport.startProblem(pod) {
                        if problem.fatal {
                            end(.startFailed(problem))
                            deletePod()
                        } else {
                            if pullProblemSince == nil { pullProblemSince = clock.now }
                            note("⏳ \(problem.sentence); waiting up to \(options.imagePullGrace) for it to pass")
                            if let since = pullProblemSince, clock.now - since > options.imagePullGrace {
                                end(.startFailed(problem))
                                deletePod()
                            }
                        }
                    } else if let problem = PodReport.schedulingProblem(pod) {
                        pullProblemSince = nil
                        if unscheduledSince == nil { unscheduledSince = clock.now }
                        note("⏳ waiting for a node: \(problem)")
                    } else {
                        pullProblemSince = nil
                        unscheduledSince = nil
                    }
                case .deleted(let pod):
                    if let pod { latest.set(pod) }
                    if cancelRequestedAt != nil {
                        end(.cancelled(pod ?? latest.value, idleSeconds: idleStop))
                    } else if let pod, PodReport.isFinished(pod) {
                        end(.finished(pod))
                    } else {
                        end(.vanished(pod))
                    }
                case .watchFailed(let error):
                    end(.failed(error))
                case .logEnded(let container):
                    logsEnded.insert(container)
                case .cancel:
                    guard outcome == nil, cancelRequestedAt == nil else { break }
                    cancelRequestedAt = clock.now
                    log.note("■ cancelling: deleting Pod \(podName)")
                    deletePod()
                case .ready:
                    ready = true
                case .tick:
                    if ready, outcome == nil, cancelRequestedAt == nil, let limit = attempt.idleTimeoutSeconds,
                       let quiet = services.quietSince(runID: attempt.runID), clock.now - quiet >= .seconds(limit) {
                        idleStop = limit
                        cancelRequestedAt = clock.now
                        log.note("■ no connection for \(DurationText.format(seconds: limit)) (idle timeout): deleting Pod \(podName)")
                        deletePod()
                    }
                    if outcome == nil, let since = pullProblemSince, clock.now - since > options.imagePullGrace,
                       let pod = latest.value, let problem = PodReport.startProblem(pod) {
                        end(.startFailed(problem))
                        deletePod()
                    }
                    if outcome == nil, cancelRequestedAt == nil, let limit = schedulingLimit, let since = unscheduledSince,
                       clock.now - since > limit, let pod = latest.value, let problem = PodReport.schedulingProblem(pod) {
                        end(.startFailed(PodReport.StartProblem(container: PodReport.mainName, reason: "Unschedulable",
                                                                message: "no node took it within \(DurationText.format(seconds: translator.settings.nodesSchedulingTimeoutSeconds)): \(problem)",
                                                                fatal: true)))
                        deletePod()
                    }
                    if outcome == nil, let requested = cancelRequestedAt, clock.now - requested > options.cancelGrace {
                        end(.cancelled(latest.value, idleSeconds: idleStop))
                    }
                }
                if outcome != nil, let endedAt {
                    // Done once every started log has been read to its end, or the wait is up.
                    if logsStarted.isSubset(of: logsEnded) || clock.now - endedAt > options.logDrainTimeout { break events }
                }
            }
            group.cancelAll()
            sink.finish()
            return outcome ?? .cancelled(latest.value, idleSeconds: idleStop)
        }
    }

    /// For a service: waits until its Pod runs and every port accepts connections at the
    /// Pod's IP — dialled from here, as tunnels will be — then records where it is, calls
    /// the attempt's `onReady` and reports `.ready`.
    private func probeReadiness(_ attempt: StepAttempt, latest: Locked<Pod?>, sink: AsyncStream<Event>.Continuation) async {
        while !Task.isCancelled {
            if let pod = latest.value, pod.status?.phase == "Running", let address = pod.status?.podIP, !address.isEmpty,
               PodReport.status(of: PodReport.mainName, in: pod)?.state?.running != nil {
                let ports = attempt.readinessPorts
                let accepting = (try? await TCPByteStream.onThread {
                    ports.allSatisfy { TCPSocket.isAccepting(host: address, port: $0) }
                }) ?? false
                if accepting {
                    services.record(runID: attempt.runID, address: address)
                    attempt.onReady?()
                    sink.yield(.ready)
                    return
                }
            }
            try? await Task.sleep(for: .milliseconds(250))
        }
    }

    /// A connection to `port` of service run `runID`'s Pod (see `ServiceEndpoints`).
    public func connectService(runID: String, port: Int) async throws -> any ByteStream {
        try await services.connect(runID: runID, port: port)
    }

    /// Lists and watches the attempt's Pod, yielding each version of it; lists again when
    /// a watch breaks or expires. Ends when the Pod is deleted or following it fails.
    private func watch(selector: String, podName: String, sink: AsyncStream<Event>.Continuation) async {
        var resourceVersion: String?
        var failures = 0
        while !Task.isCancelled {
            do {
                if resourceVersion == nil {
                    let list = try await client.listPods(labelSelector: selector)
                    guard let pod = list.items.first(where: { $0.name == podName }) else {
                        sink.yield(.deleted(nil))
                        return
                    }
                    sink.yield(.pod(pod))
                    resourceVersion = list.metadata.resourceVersion
                }
                stream: for try await event in client.watchPods(labelSelector: selector, resourceVersion: resourceVersion,
                                                                timeoutSeconds: options.watchTimeoutSeconds) {
                    switch event.kind {
                    case .added, .modified:
                        guard let pod = event.object else { continue }
                        resourceVersion = pod.metadata.resourceVersion ?? resourceVersion
                        if pod.name == podName { sink.yield(.pod(pod)) }
                    case .deleted:
                        guard let pod = event.object else { continue }
                        resourceVersion = pod.metadata.resourceVersion ?? resourceVersion
                        if pod.name == podName {
                            sink.yield(.deleted(pod))
                            return
                        }
                    case .bookmark:
                        resourceVersion = event.object?.metadata.resourceVersion ?? resourceVersion
                    case .error:
                        // Usually 410 Expired: the history is gone; list again.
                        resourceVersion = nil
                        break stream
                    }
                }
                failures = 0
            } catch is CancellationError {
                return
            } catch let error as KubernetesError where error.kind == .expired {
                resourceVersion = nil
            } catch {
                if Task.isCancelled { return }
                failures += 1
                let kind = (error as? KubernetesError)?.kind
                if kind == .forbidden || kind == .unauthorized || failures > 5 {
                    sink.yield(.watchFailed(error))
                    return
                }
                // The watch broke (a dropped connection, an API server restart): list again.
                resourceVersion = nil
                try? await Task.sleep(for: options.rewatchDelay)
            }
        }
    }

    /// Streams one container's log into the run's log, masked, from where it was read up
    /// to; reconnects when the connection drops while the container still runs.
    private func streamLog(pod: String, container: String, kind: LogEvent.Kind, runID: String, secrets: [Data],
                           log: StepLog, latest: Locked<Pod?>) async {
        var masker = SecretMasker(secrets: secrets)
        var last = cursors.load(runID: runID, pod: pod, container: container)
        // Updated after every line written, so a server killed at any moment (not only
        // one shut down in order) re-attaches without repeating what it stored.
        let cursor = cursors.open(runID: runID, pod: pod, container: container)
        defer {
            let rest = masker.flush()
            if !rest.isEmpty { log.write(kind, rest) }
        }
        while !Task.isCancelled {
            var endedCleanly = false
            do {
                for try await line in client.podLog(pod, container: container, follow: true, timestamps: true, sinceTime: last?.date) {
                    let (stamp, payload) = LogTimestamp.split(line)
                    if let stamp {
                        if let last, stamp <= last { continue }
                        last = stamp
                    }
                    let safe = masker.process(payload)
                    if !safe.isEmpty { log.write(kind, safe) }
                    if let stamp { cursor?.record(stamp) }
                }
                endedCleanly = true
            } catch is CancellationError {
                return
            } catch {
                if Task.isCancelled { return }
            }
            // A follow ends when the container does; if the status does not say so yet, or
            // the connection broke, read again from the last line (nothing repeats). The
            // monitor stops this task once the Pod is over and the drain time has passed.
            let over = latest.value.map { PodReport.hasEnded(container, in: $0) || PodReport.isFinished($0) } ?? false
            if endedCleanly && over { return }
            try? await Task.sleep(for: .milliseconds(300))
        }
    }

    // MARK: Outputs

    /// Copies the files the Pod produced (uploaded by its agent) into the run's workspace,
    /// where the coordinator collects artifacts, and lays them over the files later steps
    /// start from.
    private func restoreOutputs(_ agent: AgentResult?, attempt: StepAttempt, owner: String, log: StepLog) async {
        if let error = agent?.error, agent?.stage == .command { log.note("⚠ \(error)") }
        // A node other than rank 0 keeps nothing (unless every node's files are kept, in node-RANK/).
        guard let digest = agent?.outputs, let prefix = attempt.keepsFilesUnder else { return }
        let runID = attempt.runID, workspace = attempt.workingDirectory
        do {
            guard try engine.store.holdsBlob(digest, owner: owner) else {
                throw APIError(.forbidden, "the Pod named outputs it did not upload")
            }
            let manifest = try JSONDecoder().decode(Manifest.self, from: try engine.blobs.read(digest))
            try manifest.validate()
            // A Pod acts as the run's owner: it may name only blobs the owner holds.
            let foreign = try engine.store.unclaimedBlobs(Array(manifest.digests), owner: owner)
            guard foreign.isEmpty else {
                throw APIError(.forbidden, "the Pod named \(foreign.count) output file(s) it did not upload")
            }
            let manager = FileManager.default
            let placed = Manifest(entries: manifest.entries.map { entry in
                var entry = entry
                entry.path = prefix + entry.path
                return entry
            })
            for entry in placed.entries {
                let target = workspace.appendingPathComponent(entry.path)
                try manager.createDirectory(at: target.deletingLastPathComponent(), withIntermediateDirectories: true)
                switch entry.kind {
                case .file:
                    guard let blob = entry.digest else { continue }
                    try engine.blobs.copy(blob, to: target, executable: entry.executable)
                case .symlink:
                    guard let destination = entry.target else { continue }
                    try? manager.removeItem(at: target)
                    try manager.createSymbolicLink(atPath: target.path, withDestinationPath: destination)
                }
            }
            await workspaces.record(runID: runID, outputs: placed)
        } catch {
            log.note("⚠ could not bring back the files the Pod produced: \(error)")
        }
    }

    // MARK: After the run

    /// Deletes the run's Pods, Services and NetworkPolicies (found by label) and Secrets, and
    /// ends its agent token.
    public func cleanUp(runID: String) async {
        if let pods = try? await client.listPods(labelSelector: PodTranslator.runSelector(runID)) {
            for pod in pods.items {
                _ = try? await client.deletePod(pod.name, gracePeriodSeconds: 0)
            }
        }
        if let stored = try? engine.storedRun(runID), stored.task.effectiveSteps.contains(where: { $0.nodeCount > 1 }),
           let services = try? await client.listServices(labelSelector: PodTranslator.runSelector(runID)) {
            for service in services.items {
                _ = try? await client.deleteService(service.name)
            }
            for policy in (try? await client.listNetworkPolicies(labelSelector: PodTranslator.runSelector(runID)))?.items ?? [] {
                _ = try? await client.deleteNetworkPolicy(policy.name)
            }
        }
        var names = [KubernetesNames.agentSecretName(runID: runID), KubernetesNames.runEnvSecretName(runID: runID)]
        if let stored = try? engine.storedRun(runID) {
            names += stored.task.allSecretNames.map { KubernetesNames.secretName(runID: runID, secret: $0) }
        }
        for name in names {
            _ = try? await client.deleteSecret(name)
        }
        await tokens.revoke(runID: runID)
        await workspaces.forget(runID: runID)
        cursors.forget(runID: runID)
    }

    /// The runs that have Pods in the namespace, by run id (for re-attaching after a
    /// restart and for sweeping what finished runs left behind).
    public func runsWithPods() async throws -> [String: [Pod]] {
        let pods = try await client.listPods(labelSelector: "\(PodTranslator.Labels.managedBy)=ame")
        return Dictionary(grouping: pods.items) { $0.metadata.labels?[PodTranslator.Labels.run] ?? "" }.filter { !$0.key.isEmpty }
    }
}
