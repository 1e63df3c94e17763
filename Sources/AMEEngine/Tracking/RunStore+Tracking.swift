import AMECore
import Foundation
import GRDB

/// Rows of tracked sources, their schedules and the firings of those schedules.
extension RunStore {
    static func registerTrackingMigration(_ migrator: inout DatabaseMigrator) {
        migrator.registerMigration("v4: tracked sources, schedules, firings") { db in
            try db.execute(sql: """
                CREATE TABLE tracked_sources (
                    id TEXT PRIMARY KEY,
                    owner TEXT NOT NULL,
                    name TEXT NOT NULL,
                    kind TEXT NOT NULL,
                    url TEXT,
                    branch TEXT,
                    secret TEXT,
                    interval INTEGER NOT NULL,
                    last_commit TEXT,
                    last_checked_at REAL,
                    has_project_file INTEGER NOT NULL DEFAULT 0,
                    diagnostics BLOB,
                    scheduled_commit TEXT,
                    manifest BLOB,
                    last_error TEXT,
                    created_at REAL NOT NULL,
                    UNIQUE (owner, name)
                );
                CREATE TABLE schedules (
                    source_id TEXT NOT NULL REFERENCES tracked_sources(id) ON DELETE CASCADE,
                    name TEXT NOT NULL,
                    definition BLOB NOT NULL,
                    commit_sha TEXT,
                    cursor REAL NOT NULL,
                    PRIMARY KEY (source_id, name)
                );
                CREATE TABLE firings (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    source_id TEXT NOT NULL,
                    schedule TEXT NOT NULL,
                    scheduled_for REAL NOT NULL,
                    fired_at REAL NOT NULL,
                    trigger TEXT NOT NULL,
                    outcome TEXT NOT NULL,
                    run_id TEXT,
                    commit_sha TEXT,
                    reason TEXT
                );
                CREATE INDEX firings_schedule ON firings(source_id, schedule, id);
                -- The guarantee that a cron time fires once, whatever restarts or second
                -- schedulers do: the row is written before the run starts.
                CREATE UNIQUE INDEX firings_once ON firings(source_id, schedule, scheduled_for) WHERE trigger != 'manual';
                """)
        }
    }

    // MARK: Sources

    func insertSource(_ source: TrackedSource, manifest: Manifest? = nil) throws {
        try pool.write { db in
            try db.execute(sql: """
                INSERT INTO tracked_sources (id, owner, name, kind, url, branch, secret, interval, created_at, manifest)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """, arguments: [source.id, source.owner, source.name, source.kind.rawValue, source.url, source.branch,
                                 source.secret, source.intervalSeconds, source.createdAt.timeIntervalSince1970,
                                 try manifest.map { try Self.encode($0) }])
        }
    }

    func sources(owner: String?) throws -> [TrackedSource] {
        try pool.read { db in
            let rows = owner == nil
                ? try Row.fetchAll(db, sql: "SELECT * FROM tracked_sources ORDER BY created_at, id")
                : try Row.fetchAll(db, sql: "SELECT * FROM tracked_sources WHERE owner = ? ORDER BY created_at, id", arguments: [owner])
            return try rows.map { try Self.source(from: $0, db: db) }
        }
    }

    func source(id: String) throws -> TrackedSource? {
        try pool.read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM tracked_sources WHERE id = ?", arguments: [id]).map { try Self.source(from: $0, db: db) }
        }
    }

    func sourceManifest(id: String) throws -> Manifest? {
        try pool.read { db in
            let data = try Data.fetchOne(db, sql: "SELECT manifest FROM tracked_sources WHERE id = ?", arguments: [id])
            return try data.map { try Self.decode(Manifest.self, $0) }
        }
    }

    /// After a poll: what was fetched and what the ame.yaml said.
    func recordPoll(sourceID: String, commit: String?, checkedAt: Date, hasProjectFile: Bool?, diagnostics: [Diagnostic]?,
                    error: String?) throws {
        try pool.write { db in
            try db.execute(sql: """
                UPDATE tracked_sources SET last_checked_at = ?, last_error = ?,
                    last_commit = COALESCE(?, last_commit),
                    has_project_file = COALESCE(?, has_project_file),
                    diagnostics = COALESCE(?, diagnostics)
                WHERE id = ?
                """, arguments: [checkedAt.timeIntervalSince1970, error, commit, hasProjectFile,
                                 try diagnostics.map { try Self.encode($0) }, sourceID])
        }
    }

    func deleteSource(id: String) throws {
        try pool.write { db in
            try db.execute(sql: "DELETE FROM tracked_sources WHERE id = ?", arguments: [id])
        }
    }

    /// Replaces the source's schedules with `definitions` from `commit`: a schedule that
    /// stays keeps its cursor (so re-registering never re-fires a past time); a new one
    /// starts at `now`.
    func replaceSchedules(sourceID: String, definitions: [RecurringTask], commit: String?, manifest: Manifest?, now: Date) throws {
        _ = try immediate { db in
            let existing = try Row.fetchAll(db, sql: "SELECT name, cursor FROM schedules WHERE source_id = ?", arguments: [sourceID])
            var cursors: [String: Double] = [:]
            for row in existing { cursors[row["name"]] = row["cursor"] }
            try db.execute(sql: "DELETE FROM schedules WHERE source_id = ?", arguments: [sourceID])
            for definition in definitions {
                try db.execute(sql: """
                    INSERT INTO schedules (source_id, name, definition, commit_sha, cursor) VALUES (?, ?, ?, ?, ?)
                    """, arguments: [sourceID, definition.name, try Self.encode(definition), commit,
                                     cursors[definition.name] ?? now.timeIntervalSince1970])
            }
            try db.execute(sql: """
                UPDATE tracked_sources SET scheduled_commit = ?, manifest = COALESCE(?, manifest) WHERE id = ?
                """, arguments: [commit, try manifest.map { try Self.encode($0) }, sourceID])
            return true
        }
    }

    // MARK: Schedules

    func schedules(owner: String?) throws -> [StoredSchedule] {
        try pool.read { db in
            let sql = """
                SELECT schedules.*, tracked_sources.name AS source_name, tracked_sources.owner AS owner
                FROM schedules JOIN tracked_sources ON tracked_sources.id = schedules.source_id
                \(owner == nil ? "" : "WHERE tracked_sources.owner = ?")
                ORDER BY tracked_sources.name, schedules.name
                """
            let rows = try Row.fetchAll(db, sql: sql, arguments: owner.map { [$0] } ?? [])
            return try rows.map { row in
                StoredSchedule(sourceID: row["source_id"], sourceName: row["source_name"], owner: row["owner"],
                               definition: try Self.decode(RecurringTask.self, row["definition"] as Data?),
                               commit: row["commit_sha"], cursor: Date(timeIntervalSince1970: row["cursor"]))
            }
        }
    }

    /// Records a cron firing and moves the schedule's cursor to `to`, in one transaction,
    /// only if the cursor is still `from`: of two schedulers (or a scheduler before and
    /// after a restart) only one records a given time. Nil when it lost the race.
    func claimFiring(_ schedule: StoredSchedule, from: Date, to: Date, scheduledFor: Date, at now: Date,
                     trigger: ScheduleFiring.Trigger, outcome: ScheduleFiring.Outcome, reason: String?) throws -> ScheduleFiring? {
        try immediate { db -> ScheduleFiring? in
            let current = try Double.fetchOne(db, sql: "SELECT cursor FROM schedules WHERE source_id = ? AND name = ?",
                                              arguments: [schedule.sourceID, schedule.definition.name])
            guard let current, current == from.timeIntervalSince1970 else { return nil }
            try db.execute(sql: "UPDATE schedules SET cursor = ? WHERE source_id = ? AND name = ?",
                           arguments: [to.timeIntervalSince1970, schedule.sourceID, schedule.definition.name])
            let exists = try Bool.fetchOne(db, sql: """
                SELECT 1 FROM firings WHERE source_id = ? AND schedule = ? AND scheduled_for = ? AND trigger != 'manual'
                """, arguments: [schedule.sourceID, schedule.definition.name, scheduledFor.timeIntervalSince1970]) ?? false
            guard !exists else { return nil }
            return try Self.insertFiring(db, schedule: schedule, scheduledFor: scheduledFor, at: now, trigger: trigger,
                                         outcome: outcome, reason: reason)
        }
    }

    /// Records a manual firing (`ame schedule run`).
    func recordManualFiring(_ schedule: StoredSchedule, at now: Date) throws -> ScheduleFiring {
        try immediate { db in
            try Self.insertFiring(db, schedule: schedule, scheduledFor: now, at: now, trigger: .manual, outcome: .pending, reason: nil)
        }
    }

    private static func insertFiring(_ db: Database, schedule: StoredSchedule, scheduledFor: Date, at now: Date,
                                     trigger: ScheduleFiring.Trigger, outcome: ScheduleFiring.Outcome, reason: String?) throws -> ScheduleFiring {
        try db.execute(sql: """
            INSERT INTO firings (source_id, schedule, scheduled_for, fired_at, trigger, outcome, commit_sha, reason)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?)
            """, arguments: [schedule.sourceID, schedule.definition.name, scheduledFor.timeIntervalSince1970,
                             now.timeIntervalSince1970, trigger.rawValue, outcome.rawValue, schedule.commit, reason])
        return ScheduleFiring(id: db.lastInsertedRowID, schedule: schedule.definition.name, sourceID: schedule.sourceID,
                              scheduledFor: scheduledFor, firedAt: now, trigger: trigger, outcome: outcome,
                              commit: schedule.commit, reason: reason)
    }

    func updateFiring(_ id: Int64, outcome: ScheduleFiring.Outcome, runID: String? = nil, commit: String? = nil, reason: String?) throws {
        try pool.write { db in
            try db.execute(sql: """
                UPDATE firings SET outcome = ?, run_id = COALESCE(?, run_id), commit_sha = COALESCE(?, commit_sha), reason = ?
                WHERE id = ?
                """, arguments: [outcome.rawValue, runID, commit, reason, id])
        }
    }

    func firings(sourceID: String, schedule: String?, outcome: ScheduleFiring.Outcome? = nil, limit: Int) throws -> [ScheduleFiring] {
        let (sql, arguments) = Self.firingsQuery(sourceID: sourceID, schedule: schedule, outcome: outcome, limit: limit)
        return try pool.read { db in
            try Row.fetchAll(db, sql: sql, arguments: arguments).map(Self.firing(from:))
        }
    }

    /// The statement behind `firings`: an index range of `firings_schedule` (with a
    /// schedule) or `firings_source`, in id order.
    static func firingsQuery(sourceID: String, schedule: String?, outcome: ScheduleFiring.Outcome?, limit: Int) -> (String, StatementArguments) {
        var sql = "SELECT * FROM firings WHERE source_id = ?"
        var arguments: [(any DatabaseValueConvertible)?] = [sourceID]
        if let schedule { sql += " AND schedule = ?"; arguments.append(schedule) }
        if let outcome { sql += " AND outcome = ?"; arguments.append(outcome.rawValue) }
        sql += outcome == .queued ? " ORDER BY id ASC LIMIT ?" : " ORDER BY id DESC LIMIT ?"
        arguments.append(limit)
        return (sql, StatementArguments(arguments))
    }

    /// Firings recorded but never started (the server stopped in between).
    func pendingFirings(before: Date) throws -> [ScheduleFiring] {
        try pool.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM firings WHERE outcome = 'pending' AND fired_at < ?",
                             arguments: [before.timeIntervalSince1970]).map(Self.firing(from:))
        }
    }

    /// The newest firing of the schedule that made a run.
    func lastStartedFiring(sourceID: String, schedule: String) throws -> ScheduleFiring? {
        try pool.read { db in
            try Row.fetchOne(db, sql: """
                SELECT * FROM firings WHERE source_id = ? AND schedule = ? AND run_id IS NOT NULL ORDER BY id DESC LIMIT 1
                """, arguments: [sourceID, schedule]).map(Self.firing(from:))
        }
    }

    static func firing(from row: Row) -> ScheduleFiring {
        ScheduleFiring(id: row["id"], schedule: row["schedule"], sourceID: row["source_id"],
                       scheduledFor: Date(timeIntervalSince1970: row["scheduled_for"]),
                       firedAt: Date(timeIntervalSince1970: row["fired_at"]),
                       trigger: ScheduleFiring.Trigger(rawValue: row["trigger"]) ?? .cron,
                       outcome: ScheduleFiring.Outcome(rawValue: row["outcome"]) ?? .failed,
                       runID: row["run_id"], commit: row["commit_sha"], reason: row["reason"])
    }

    static func source(from row: Row, db: Database) throws -> TrackedSource {
        let id: String = row["id"]
        let names = try String.fetchAll(db, sql: "SELECT name FROM schedules WHERE source_id = ? ORDER BY name", arguments: [id])
        let diagnostics = try (row["diagnostics"] as Data?).map { try decode([Diagnostic].self, $0) } ?? []
        return TrackedSource(
            id: id, name: row["name"], owner: row["owner"], kind: TrackedSource.Kind(rawValue: row["kind"]) ?? .git,
            url: row["url"], branch: row["branch"], secret: row["secret"], intervalSeconds: row["interval"],
            lastCommit: row["last_commit"], lastCheckedAt: (row["last_checked_at"] as Double?).map(Date.init(timeIntervalSince1970:)),
            hasProjectFile: row["has_project_file"], diagnostics: diagnostics, scheduledCommit: row["scheduled_commit"],
            schedules: names, lastError: row["last_error"], createdAt: Date(timeIntervalSince1970: row["created_at"]))
    }
}
