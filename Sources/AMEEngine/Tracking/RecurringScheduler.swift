import AMECore
import Foundation

/// Tracked sources and recurring tasks: polls repositories for their `ame.yaml`, registers
/// its `recurring_tasks`, fires them on their cron schedule, and keeps their history.
///
/// Time comes from `clock`, so tests drive firings without waiting. Every firing is
/// recorded (moving the schedule's cursor in the same transaction) before its run starts:
/// a crash after that loses at most that one run and never runs a cron time twice.
public final class RecurringScheduler: Sendable {
    public let engine: Engine
    public let launcher: any RunLauncher
    public let clock: any ScheduleClock
    public let policy: GitAccessPolicy
    /// A firing seen later than this after its time counts as missed (downtime), which
    /// `catchup` decides about.
    public let latenessTolerance: TimeInterval
    /// When this scheduler (this server process) started: a firing before it was missed
    /// while no scheduler ran.
    public let startedAt: Date
    public var store: ScheduleStore { ScheduleStore(store: engine.store) }

    public static let defaultInterval = 60

    public init(engine: Engine, launcher: any RunLauncher, clock: any ScheduleClock = SystemScheduleClock(),
                policy: GitAccessPolicy = GitAccessPolicy(), latenessTolerance: TimeInterval = 60) {
        self.engine = engine
        self.launcher = launcher
        self.clock = clock
        self.policy = policy
        self.latenessTolerance = latenessTolerance
        startedAt = clock.now()
    }

    var sourcesDirectory: URL { engine.layout.dataDirectory.appendingPathComponent("sources") }

    func repository(_ sourceID: String) throws -> GitRepository {
        let scratch = engine.layout.temporary.appendingPathComponent("git-\(sourceID)")
        return GitRepository(directory: sourcesDirectory.appendingPathComponent("\(sourceID).git"),
                             runner: GitRunner(executable: try GitRunner.locate(), scratch: scratch))
    }

    // MARK: Tracking

    /// Tracks a repository: checks the request, fetches it once (so a wrong URL, branch or
    /// credential fails here, with git's reason), and registers what its ame.yaml says.
    public func track(_ request: TrackRequest, owner: String) async throws -> TrackedSource {
        let url = request.url.trimmingCharacters(in: .whitespaces)
        _ = try GitURL.check(url, allowedHosts: policy.allowedHosts)
        if let branch = request.branch {
            guard !branch.isEmpty, !branch.hasPrefix("-"), !branch.contains(".."),
                  !branch.contains(where: { $0.isWhitespace || "~^:?*[\\".contains($0) }) else {
                throw APIError(.invalidRequest, "'\(branch)' is not a branch name")
            }
        }
        let interval = request.intervalSeconds ?? Self.defaultInterval
        guard interval >= policy.minimumInterval, interval <= 7 * 24 * 3600 else {
            throw APIError(.invalidRequest, "the polling interval must be between \(policy.minimumInterval) s and 7 days, not \(interval) s")
        }
        if let secret = request.secret, try engine.store.sealedSecret(owner: owner, name: secret) == nil {
            throw APIError(.invalidRequest, "the secret '\(secret)' is not set",
                           hint: "store the token or SSH key first: ame secret set \(secret)")
        }
        let existing = try engine.store.sources(owner: owner)
        if let same = existing.first(where: { $0.url == url && $0.branch == request.branch }) {
            throw APIError(.conflict, "\(url) is already tracked as '\(same.name)'", hint: "see it with 'ame project list'")
        }
        var name = GitURL.name(of: url)
        let taken = Set(existing.map(\.name))
        if taken.contains(name) {
            var number = 2
            while taken.contains("\(name)-\(number)") { number += 1 }
            name = "\(name)-\(number)"
        }
        let source = TrackedSource(id: "src_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").prefix(16).lowercased(),
                                   name: name, owner: owner, kind: .git, url: url, branch: request.branch, secret: request.secret,
                                   intervalSeconds: interval, createdAt: clock.now())
        try engine.store.insertSource(source)
        do {
            try await refresh(source.id)
        } catch {
            try? untrack(source.id, owner: owner)
            throw error
        }
        guard let tracked = try engine.store.source(id: source.id) else { throw APIError.notFound("tracked project \(source.id)") }
        return tracked
    }

    /// Stops tracking; the schedules go with it, the history stays.
    @discardableResult
    public func untrack(_ reference: String, owner: String) throws -> TrackedSource {
        let source = try store.source(owner: owner, reference: reference)
        try engine.store.deleteSource(id: source.id)
        try? FileManager.default.removeItem(at: sourcesDirectory.appendingPathComponent("\(source.id).git"))
        return source
    }

    /// Registers the `recurring_tasks` of an uploaded project (`ame schedule push`),
    /// replacing those of an earlier push of the same project.
    public func push(_ request: PushRequest, owner: String) throws -> PushResult {
        do {
            try request.manifest.validate()
        } catch {
            throw APIError(.invalidRequest, "the project manifest is invalid: \(error)")
        }
        let missing = try engine.missingBlobs(Array(request.manifest.digests), owner: owner)
        guard missing.isEmpty else {
            throw APIError(.invalidRequest, "\(missing.count) file(s) of the project were not uploaded",
                           hint: "upload the blobs the missing-check returns before pushing")
        }
        let project = try engine.loadProject(RunRequest(task: "", manifest: request.manifest, projectFile: request.projectFile))
        guard !project.recurringTasks.isEmpty else {
            throw APIError(.invalidProject, "\(request.projectFile) has no recurring_tasks",
                           hint: "add one, e.g.  recurring_tasks: {nightly: {taskref: TASK, schedule: '0 3 * * *'}}")
        }
        let now = clock.now()
        let existing = try engine.store.sources(owner: owner).first { $0.name == project.projectName }
        if let existing, existing.kind != .push {
            throw APIError(.conflict, "a tracked repository is already called '\(project.projectName)'",
                           hint: "untrack it ('ame project untrack \(existing.name)') or rename the project")
        }
        let id = existing?.id ?? "src_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").prefix(16).lowercased()
        if existing == nil {
            try engine.store.insertSource(TrackedSource(id: id, name: project.projectName, owner: owner, kind: .push, url: nil,
                                                        branch: nil, secret: nil, intervalSeconds: 0, createdAt: now),
                                          manifest: request.manifest)
        }
        try engine.store.replaceSchedules(sourceID: id, definitions: project.recurringTasks, commit: nil,
                                          manifest: request.manifest, now: now)
        try engine.store.recordPoll(sourceID: id, commit: nil, checkedAt: now, hasProjectFile: true, diagnostics: [], error: nil)
        guard let source = try engine.store.source(id: id) else { throw APIError.notFound("project \(id)") }
        let schedules = try store.schedules(owner: owner, now: now).filter { $0.sourceID == id }
        return PushResult(project: source, schedules: schedules)
    }

    // MARK: Polling

    /// Fetches every git source whose polling interval has passed.
    public func pollDueSources() async {
        let now = clock.now()
        guard let sources = try? engine.store.sources(owner: nil) else { return }
        for source in sources where source.kind == .git {
            if let checked = source.lastCheckedAt, now.timeIntervalSince(checked) < Double(source.intervalSeconds) { continue }
            // Never fetched: `track` is fetching it right now (unless that was long ago and
            // the server died meanwhile); two fetches into one repository would collide.
            if source.lastCheckedAt == nil, now.timeIntervalSince(source.createdAt) < 300 { continue }
            try? await refresh(source.id)
        }
    }

    /// Fetches the source now; on a new commit reads its ame.yaml: valid, its schedules
    /// replace the old ones; invalid, the old ones stay and the diagnostics are kept;
    /// absent, the source has no schedules. Throws (after recording it) a fetch failure.
    public func refresh(_ sourceID: String) async throws {
        guard let source = try engine.store.source(id: sourceID), source.kind == .git, let url = source.url else { return }
        let now = clock.now()
        let repository = try repository(sourceID)
        var credentials = GitCredentials.none
        if let secret = source.secret {
            guard let value = try engine.vault.value(owner: source.owner, name: secret) else {
                let message = "the secret '\(secret)' is not set (any more)"
                try engine.store.recordPoll(sourceID: sourceID, commit: nil, checkedAt: now, hasProjectFile: nil, diagnostics: nil, error: message)
                throw APIError(.invalidRequest, message, hint: "set it again with 'ame secret set \(secret)'")
            }
            try FileManager.default.createDirectory(at: repository.runner.scratch, withIntermediateDirectories: true,
                                                    attributes: [.posixPermissions: 0o700])
            credentials = try GitCredentials.make(secret: value, scratch: repository.runner.scratch)
        }
        defer { credentials.cleanUp() }
        let commit: String
        do {
            commit = try await repository.fetch(url: url, branch: source.branch, credentials: credentials)
        } catch let error as APIError {
            try engine.store.recordPoll(sourceID: sourceID, commit: nil, checkedAt: now, hasProjectFile: nil, diagnostics: nil,
                                        error: error.message)
            throw error
        }
        guard commit != source.lastCommit else {
            try engine.store.recordPoll(sourceID: sourceID, commit: nil, checkedAt: now, hasProjectFile: nil, diagnostics: nil, error: nil)
            return
        }
        guard let data = try await repository.file(ProjectFile.fileName, at: commit) else {
            try engine.store.replaceSchedules(sourceID: sourceID, definitions: [], commit: nil, manifest: nil, now: now)
            try engine.store.recordPoll(sourceID: sourceID, commit: commit, checkedAt: now, hasProjectFile: false, diagnostics: [], error: nil)
            return
        }
        let result = ProjectFileDecoder(source: String(decoding: data, as: UTF8.self), file: ProjectFile.fileName).decode()
        if let project = result.project, result.errors.isEmpty {
            try engine.store.replaceSchedules(sourceID: sourceID, definitions: project.recurringTasks, commit: commit, manifest: nil, now: now)
        }
        try engine.store.recordPoll(sourceID: sourceID, commit: commit, checkedAt: now, hasProjectFile: true,
                                    diagnostics: result.diagnostics, error: nil)
    }

    // MARK: Firing

    /// Records and starts every firing due by now, and starts queued firings whose
    /// previous run has ended. Returns the firings recorded.
    @discardableResult
    public func tick() async -> [ScheduleFiring] {
        let now = clock.now()
        var recorded: [ScheduleFiring] = []
        guard let schedules = try? engine.store.schedules(owner: nil) else { return [] }
        for schedule in schedules {
            if let firing = await fireDue(schedule, now: now) { recorded.append(firing) }
            await startQueued(schedule)
        }
        return recorded
    }

    func fireDue(_ schedule: StoredSchedule, now: Date) async -> ScheduleFiring? {
        guard let cron = schedule.definition.cron else { return nil }
        let due = cron.firings(after: schedule.cursor, until: now, in: schedule.timeZone, limit: 100_000)
        guard let latest = due.last else { return nil }
        let late = latest < startedAt || now.timeIntervalSince(latest) > latenessTolerance
        var trigger = ScheduleFiring.Trigger.cron
        var outcome = ScheduleFiring.Outcome.pending
        var reason: String?
        if !late {
            // On time.
        } else if schedule.definition.catchup {
            trigger = .catchup
            reason = due.count == 1 ? "missed while the server was down; run once"
                                    : "\(due.count) firings missed while the server was down; run once"
        } else {
            outcome = .missed
            reason = "missed while the server was down (catchup: false)"
        }
        let claimed: ScheduleFiring?
        do {
            claimed = try engine.store.claimFiring(schedule, from: schedule.cursor, to: latest, scheduledFor: latest, at: now,
                                                   trigger: trigger, outcome: outcome, reason: reason)
        } catch {
            return nil
        }
        guard var firing = claimed else { return nil }
        if firing.outcome == .pending { firing = await dispatch(firing, schedule: schedule) }
        return firing
    }

    /// `ame schedule run`: fires now, outside the cron times (the concurrency rule holds).
    public func runNow(_ reference: String, owner: String) async throws -> ScheduleFiring {
        let schedule = try store.schedule(owner: owner, reference: reference)
        let firing = try engine.store.recordManualFiring(schedule, at: clock.now())
        return await dispatch(firing, schedule: schedule)
    }

    /// Marks firings recorded by a server that stopped before starting their run. They are
    /// not run now: the guarantee is never twice, and their time has passed.
    public func recoverInterruptedFirings() {
        guard let pending = try? engine.store.pendingFirings(before: clock.now()) else { return }
        for firing in pending {
            try? engine.store.updateFiring(firing.id, outcome: .failed,
                                           reason: "the server stopped before the run started; not retried, so this time never runs twice")
        }
    }

    /// Skips, queues or starts a recorded firing, as the schedule's concurrency says.
    func dispatch(_ firing: ScheduleFiring, schedule: StoredSchedule) async -> ScheduleFiring {
        if let active = activeRun(of: schedule) {
            let outcome: ScheduleFiring.Outcome = schedule.definition.concurrency == .queue ? .queued : .skipped
            let reason = outcome == .queued ? "waits for run \(active) of an earlier firing" : "run \(active) of an earlier firing still runs"
            try? engine.store.updateFiring(firing.id, outcome: outcome, reason: firing.reason.map { "\($0); \(reason)" } ?? reason)
            return (try? latest(firing)) ?? firing
        }
        await start(firing, schedule: schedule)
        return (try? latest(firing)) ?? firing
    }

    func latest(_ firing: ScheduleFiring) throws -> ScheduleFiring? {
        try engine.store.firings(sourceID: firing.sourceID, schedule: firing.schedule, limit: 200).first { $0.id == firing.id }
    }

    func activeRun(of schedule: StoredSchedule) -> String? {
        guard let last = try? engine.store.lastStartedFiring(sourceID: schedule.sourceID, schedule: schedule.definition.name),
              let runID = last.runID, let run = try? engine.store.storedRun(runID), run.record.status.isActive else { return nil }
        if RunRecovery(engine: engine).isLost(run, now: Date()) {
            RunRecovery(engine: engine).recoverLostRuns()
            return nil
        }
        return runID
    }

    func startQueued(_ schedule: StoredSchedule) async {
        guard schedule.definition.concurrency == .queue, activeRun(of: schedule) == nil,
              let next = try? engine.store.firings(sourceID: schedule.sourceID, schedule: schedule.definition.name,
                                                   outcome: .queued, limit: 1).first else { return }
        await start(next, schedule: schedule)
    }

    /// Makes the run: the schedule's commit (the newest with a valid ame.yaml) exported and
    /// stored as blobs, or the pushed project's files, submitted as the source's owner.
    func start(_ firing: ScheduleFiring, schedule: StoredSchedule) async {
        do {
            let manifest: Manifest
            if let commit = schedule.commit {
                manifest = try await ProjectSnapshot(engine: engine, repository: try repository(schedule.sourceID)).manifest(at: commit, owner: schedule.owner)
            } else {
                guard let pushed = try engine.store.sourceManifest(id: schedule.sourceID) else {
                    throw APIError(.internal, "the project's files are missing")
                }
                manifest = pushed
            }
            var env = [EnvVar(key: "AME_SCHEDULE", value: schedule.fullName)]
            var labels = ["ame.dev/schedule": schedule.fullName, "ame.dev/source": schedule.sourceName,
                          "ame.dev/firing": String(firing.id), "ame.dev/trigger": firing.trigger.rawValue]
            if let commit = schedule.commit {
                env.append(EnvVar(key: "AME_GIT_COMMIT", value: commit))
                labels["ame.dev/commit"] = commit
            }
            let request = RunRequest(task: schedule.definition.taskRef, manifest: manifest, env: env, labels: labels)
            let run = try engine.submit(request, owner: schedule.owner)
            // The run id is recorded before the agent starts, so the next tick sees it running.
            try engine.store.updateFiring(firing.id, outcome: .started, runID: run.id, commit: schedule.commit, reason: firing.reason)
            do {
                try launcher.launch(run, engine: engine)
            } catch {
                try? engine.store.setStatus(run.id, .failed, reason: "could not start the run agent: \(error)", exitCode: 1)
            }
        } catch let error as APIError {
            try? engine.store.updateFiring(firing.id, outcome: .failed, reason: error.message + (error.hint.map { " (\($0))" } ?? ""))
        } catch {
            try? engine.store.updateFiring(firing.id, outcome: .failed, reason: "\(error)")
        }
    }
}
