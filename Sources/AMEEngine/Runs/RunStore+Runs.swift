import AMECore
import Foundation
import GRDB

extension RunStore {
    // MARK: Writing runs

    func insert(_ run: StoredRun) throws {
        try pool.write { db in
            try db.execute(sql: """
                INSERT INTO runs (id, owner, project, task, status, reason, created_at, request, task_spec, ports, labels, executor)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """, arguments: [
                    run.record.id, run.record.owner, run.record.project, run.record.task, run.record.status.rawValue,
                    run.record.reason, run.record.createdAt.timeIntervalSince1970, try Self.encode(run.request),
                    try Self.encode(run.task), try Self.encode(run.record.ports), try Self.encode(run.labels), run.executor.rawValue,
                ])
            for (position, step) in run.record.steps.enumerated() {
                try db.execute(sql: """
                    INSERT INTO steps (run_id, name, position, status, needs) VALUES (?, ?, ?, ?, ?)
                    """, arguments: [run.record.id, step.name, position, step.status.rawValue, try Self.encode(step.needs)])
            }
        }
    }

    /// Sets the run's status; `startedAt`/`finishedAt` are filled in the first time a run
    /// reaches running or a terminal status. A terminal status is never overwritten.
    @discardableResult
    func setStatus(_ id: String, _ status: RunStatus, reason: String?, exitCode: Int32? = nil, at date: Date = Date()) throws -> Bool {
        try pool.write { db in
            let current = try String.fetchOne(db, sql: "SELECT status FROM runs WHERE id = ?", arguments: [id])
            guard let current, let currentStatus = RunStatus(rawValue: current), !currentStatus.isTerminal else { return false }
            try db.execute(sql: """
                UPDATE runs SET status = ?, reason = ?,
                    exit_code = COALESCE(?, exit_code),
                    started_at = CASE WHEN started_at IS NULL AND ? IN ('preparing', 'running') THEN ? ELSE started_at END,
                    finished_at = CASE WHEN ? THEN ? ELSE finished_at END
                WHERE id = ?
                """, arguments: [status.rawValue, reason, exitCode, status.rawValue, date.timeIntervalSince1970,
                                 status.isTerminal, date.timeIntervalSince1970, id])
            return true
        }
    }

    func setReason(_ id: String, _ reason: String?) throws {
        try pool.write { db in
            try db.execute(sql: "UPDATE runs SET reason = ? WHERE id = ?", arguments: [reason, id])
        }
    }

    func setPorts(_ id: String, _ ports: [PortSpec]) throws {
        try pool.write { db in
            try db.execute(sql: "UPDATE runs SET ports = ? WHERE id = ?", arguments: [try Self.encode(ports), id])
        }
    }

    /// Records the run's agent process. `ifUnset`: only when none is recorded yet (the
    /// launcher's record; the agent itself records for sure once it holds the run).
    func setAgent(_ id: String, pid: Int32, startTime: UInt64?, ifUnset: Bool = false) throws {
        try pool.write { db in
            try db.execute(sql: "UPDATE runs SET agent_pid = ?, agent_start = ? WHERE id = ?" + (ifUnset ? " AND agent_pid IS NULL" : ""),
                           arguments: [pid, startTime.map { Int64(bitPattern: $0) }, id])
        }
    }

    /// Marks the run for cancellation; returns the run's agent pid, if any.
    func requestCancel(_ id: String) throws {
        try pool.write { db in
            try db.execute(sql: "UPDATE runs SET cancel_requested = 1 WHERE id = ?", arguments: [id])
        }
    }

    func isCancelRequested(_ id: String) throws -> Bool {
        try pool.read { db in
            try Bool.fetchOne(db, sql: "SELECT cancel_requested FROM runs WHERE id = ?", arguments: [id]) ?? false
        }
    }

    func updateStep(_ runID: String, _ step: String, status: RunStatus, exitCode: Int32? = nil, reason: String? = nil) throws {
        try pool.write { db in
            try db.execute(sql: """
                UPDATE steps SET status = ?, exit_code = COALESCE(?, exit_code), reason = COALESCE(?, reason)
                WHERE run_id = ? AND name = ?
                """, arguments: [status.rawValue, exitCode, reason, runID, step])
        }
    }

    func insertAttempt(_ runID: String, step: String, number: Int, resources: Resources, status: RunStatus) throws {
        try pool.write { db in
            try db.execute(sql: """
                INSERT OR REPLACE INTO attempts (run_id, step, number, status, resources, started_at)
                VALUES (?, ?, ?, ?, ?, ?)
                """, arguments: [runID, step, number, status.rawValue, try Self.encode(resources), Date().timeIntervalSince1970])
        }
    }

    func setAttemptSession(_ runID: String, step: String, number: Int, session: Int32) throws {
        try pool.write { db in
            try db.execute(sql: "UPDATE attempts SET session = ?, status = 'running' WHERE run_id = ? AND step = ? AND number = ?",
                           arguments: [session, runID, step, number])
        }
    }

    /// The attempt's command has started (a service's: it accepts connections).
    func markAttemptRunning(_ runID: String, step: String, number: Int) throws {
        try pool.write { db in
            try db.execute(sql: "UPDATE attempts SET status = 'running' WHERE run_id = ? AND step = ? AND number = ? AND status = 'preparing'",
                           arguments: [runID, step, number])
        }
    }

    func finishAttempt(_ runID: String, step: String, number: Int, status: RunStatus, outcome: AttemptRecord.Outcome,
                       exitCode: Int32?, reason: String?) throws {
        try pool.write { db in
            try db.execute(sql: """
                UPDATE attempts SET status = ?, outcome = ?, exit_code = ?, reason = ?, finished_at = ?
                WHERE run_id = ? AND step = ? AND number = ?
                """, arguments: [status.rawValue, outcome.rawValue, exitCode, reason, Date().timeIntervalSince1970,
                                 runID, step, number])
        }
    }

    /// Sessions of attempts still marked running (to kill what a lost agent left behind).
    func runningSessions(_ runID: String) throws -> [Int32] {
        try pool.read { db in
            try Int32.fetchAll(db, sql: "SELECT session FROM attempts WHERE run_id = ? AND session IS NOT NULL AND status IN ('running', 'preparing')",
                               arguments: [runID])
        }
    }

    func recordArtifacts(_ runID: String, _ artifacts: [ArtifactRecord]) throws {
        try pool.write { db in
            for artifact in artifacts {
                try db.execute(sql: """
                    INSERT OR REPLACE INTO artifacts (run_id, path, digest, size, executable) VALUES (?, ?, ?, ?, ?)
                    """, arguments: [runID, artifact.path, artifact.digest.hex, artifact.size, artifact.executable])
            }
        }
    }

    // MARK: Reading runs

    func storedRun(_ id: String) throws -> StoredRun? {
        try pool.read { db in
            guard let row = try Row.fetchOne(db, sql: "SELECT * FROM runs WHERE id = ?", arguments: [id]) else { return nil }
            return try Self.storedRun(from: row, db: db)
        }
    }

    /// Runs not yet finished.
    /// How many runs of `owner` are queued or running.
    func activeRunCount(owner: String) throws -> Int {
        try pool.read { db in
            try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM runs WHERE owner = ? AND status IN ('queued', 'preparing', 'running')",
                             arguments: [owner]) ?? 0
        }
    }

    func activeRuns() throws -> [StoredRun] {
        try pool.read { db in
            // The status index, always: with statistics of a store of finished runs, SQLite
            // would otherwise read every run in seq order rather than sort the few active ones.
            let rows = try Row.fetchAll(db, sql: "SELECT * FROM runs INDEXED BY runs_status_seq WHERE status IN ('queued', 'preparing', 'running') ORDER BY seq")
            return try rows.map { try Self.storedRun(from: $0, db: db) }
        }
    }

    /// Newest first; `owner` nil lists everyone's. The cursor is the last `seq` seen.
    func listRuns(owner: String?, query: RunQuery) throws -> RunPage {
        let (sql, arguments, limit) = try Self.listQuery(owner: owner, query: query)
        return try pool.read { db in
            let rows = try Row.fetchAll(db, sql: sql, arguments: arguments)
            let page = rows.prefix(limit)
            let runs = try page.map { try Self.runRecord(from: $0, db: db) }
            let next: String? = rows.count > limit ? page.last.map { String(($0["seq"] as Int64?) ?? 0) } : nil
            return RunPage(runs: runs, nextCursor: next)
        }
    }

    /// The statement behind `listRuns` (one more row than a page, to know whether another
    /// follows). Every combination of filters reads an index ending in `seq` (migration v7).
    static func listQuery(owner: String?, query: RunQuery) throws -> (sql: String, arguments: StatementArguments, limit: Int) {
        var conditions: [String] = []
        var arguments: StatementArguments = []
        if let owner { conditions.append("owner = ?"); _ = arguments.append(contentsOf: [owner]) }
        if let status = query.status { conditions.append("status = ?"); _ = arguments.append(contentsOf: [status.rawValue]) }
        if let task = query.task { conditions.append("task = ?"); _ = arguments.append(contentsOf: [task]) }
        if let project = query.project { conditions.append("project = ?"); _ = arguments.append(contentsOf: [project]) }
        if let cursor = query.cursor {
            guard let seq = Int64(cursor) else { throw APIError(.invalidRequest, "invalid cursor '\(cursor)'", hint: "use the nextCursor of the previous page") }
            conditions.append("seq < ?"); _ = arguments.append(contentsOf: [seq])
        }
        let limit = max(1, min(query.limit, 500))
        let whereClause = conditions.isEmpty ? "" : " WHERE " + conditions.joined(separator: " AND ")
        return ("SELECT \(recordColumns) FROM runs\(whereClause) ORDER BY seq DESC LIMIT \(limit + 1)", arguments, limit)
    }

    func artifacts(_ runID: String) throws -> [ArtifactRecord] {
        try pool.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM artifacts WHERE run_id = ? ORDER BY path", arguments: [runID]).compactMap { row in
                guard let digest = Digest(hex: row["digest"]) else { return nil }
                return ArtifactRecord(path: row["path"], digest: digest, size: row["size"], executable: row["executable"])
            }
        }
    }

    /// Every digest some run's request or artifacts refer to (what blob cleanup must keep).
    func runOwner(_ id: String) throws -> String? {
        try pool.read { db in try String.fetchOne(db, sql: "SELECT owner FROM runs WHERE id = ?", arguments: [id]) }
    }

    /// The columns a `RunRecord` is made of (not the request and task, which a list does
    /// not show and which are most of a row's bytes).
    static let recordColumns = "seq, id, owner, project, task, status, reason, exit_code, created_at, started_at, finished_at, ports, labels"

    static func storedRun(from row: Row, db: Database) throws -> StoredRun {
        let record = try runRecord(from: row, db: db)
        return StoredRun(
            record: record,
            request: try decode(RunRequest.self, row["request"]),
            task: try decode(TaskSpec.self, row["task_spec"]),
            executor: ExecutorKind(rawValue: row["executor"]) ?? .local,
            labels: record.labels ?? [:],
            agentPID: row["agent_pid"],
            agentStartTime: (row["agent_start"] as Int64?).map { UInt64(bitPattern: $0) },
            cancelRequested: row["cancel_requested"])
    }

    /// The run as the API shows it, with its steps and their attempts.
    static func runRecord(from row: Row, db: Database) throws -> RunRecord {
        let id: String = row["id"]
        let stepRows = try Row.fetchAll(db, sql: "SELECT * FROM steps WHERE run_id = ? ORDER BY position", arguments: [id])
        let attemptRows = try Row.fetchAll(db, sql: "SELECT * FROM attempts WHERE run_id = ? ORDER BY step, number", arguments: [id])
        var attemptsByStep: [String: [AttemptRecord]] = [:]
        for attempt in attemptRows {
            let record = AttemptRecord(
                number: attempt["number"],
                status: RunStatus(rawValue: attempt["status"]) ?? .lost,
                resources: (try? decode(Resources.self, attempt["resources"])) ?? Resources(),
                outcome: (attempt["outcome"] as String?).flatMap(AttemptRecord.Outcome.init(rawValue:)),
                exitCode: attempt["exit_code"],
                reason: attempt["reason"],
                startedAt: (attempt["started_at"] as Double?).map(Date.init(timeIntervalSince1970:)),
                finishedAt: (attempt["finished_at"] as Double?).map(Date.init(timeIntervalSince1970:)))
            attemptsByStep[attempt["step"], default: []].append(record)
        }
        let steps = try stepRows.map { step in
            StepRecord(name: step["name"], status: RunStatus(rawValue: step["status"]) ?? .lost,
                       needs: try decode([String].self, step["needs"]), exitCode: step["exit_code"], reason: step["reason"],
                       attempts: attemptsByStep[step["name"]] ?? [])
        }
        let record = RunRecord(
            id: id, owner: row["owner"], project: row["project"], task: row["task"],
            status: RunStatus(rawValue: row["status"]) ?? .lost, reason: row["reason"], exitCode: row["exit_code"],
            createdAt: Date(timeIntervalSince1970: row["created_at"]),
            startedAt: (row["started_at"] as Double?).map(Date.init(timeIntervalSince1970:)),
            finishedAt: (row["finished_at"] as Double?).map(Date.init(timeIntervalSince1970:)),
            steps: steps, ports: try decode([PortSpec].self, row["ports"]))
        var labelled = record
        labelled.labels = try decode([String: String].self, row["labels"])
        return labelled
    }

    // MARK: Run secrets (a run's sealed secret env; gone when the run ends)

    func putSealedRunSecrets(_ runID: String, _ sealed: [(key: String, sealed: Data)]) throws {
        try pool.write { db in
            for (position, entry) in sealed.enumerated() {
                try db.execute(sql: "INSERT OR REPLACE INTO run_secrets (run_id, key, position, sealed) VALUES (?, ?, ?, ?)",
                               arguments: [runID, entry.key, position, entry.sealed])
            }
        }
    }

    func sealedRunSecrets(_ runID: String) throws -> [(key: String, sealed: Data)] {
        try pool.read { db in
            try Row.fetchAll(db, sql: "SELECT key, sealed FROM run_secrets WHERE run_id = ? ORDER BY position", arguments: [runID]).map {
                (key: $0["key"], sealed: $0["sealed"])
            }
        }
    }

    func deleteRunSecrets(_ runID: String) throws {
        try pool.write { db in
            try db.execute(sql: "DELETE FROM run_secrets WHERE run_id = ?", arguments: [runID])
        }
    }

    // MARK: Secrets (sealed by SecretVault; never stored in clear)

    func putSealedSecret(owner: String, name: String, sealed: Data) throws {
        let now = Date().timeIntervalSince1970
        try pool.write { db in
            try db.execute(sql: """
                INSERT INTO secrets (owner, name, sealed, created_at, updated_at) VALUES (?, ?, ?, ?, ?)
                ON CONFLICT(owner, name) DO UPDATE SET sealed = excluded.sealed, updated_at = excluded.updated_at
                """, arguments: [owner, name, sealed, now, now])
        }
    }

    func sealedSecret(owner: String, name: String) throws -> Data? {
        try pool.read { db in
            try Data.fetchOne(db, sql: "SELECT sealed FROM secrets WHERE owner = ? AND name = ?", arguments: [owner, name])
        }
    }

    func secretInfos(owner: String) throws -> [SecretInfo] {
        try pool.read { db in
            try Row.fetchAll(db, sql: "SELECT name, created_at, updated_at FROM secrets WHERE owner = ? ORDER BY name", arguments: [owner]).map {
                SecretInfo(name: $0["name"], createdAt: Date(timeIntervalSince1970: $0["created_at"]),
                           updatedAt: Date(timeIntervalSince1970: $0["updated_at"]))
            }
        }
    }

    @discardableResult
    func deleteSecret(owner: String, name: String) throws -> Bool {
        try pool.write { db in
            try db.execute(sql: "DELETE FROM secrets WHERE owner = ? AND name = ?", arguments: [owner, name])
            return db.changesCount > 0
        }
    }
}
