import AMECore
import CAMESQLite
import Foundation
import GRDB

/// The engine's database: runs, their steps and attempts, artifacts, sealed secrets,
/// tokens and schedules. SQLite in WAL mode, shared safely by the server or CLI, and the
/// run agents (separate processes) that execute runs.
public final class RunStore: Sendable {
    let pool: DatabasePool

    public init(path: URL) throws {
        var configuration = Configuration()
        // Several processes write (the CLI submitting, agents reporting): wait for the
        // lock instead of failing at once.
        configuration.busyMode = .timeout(30)
        configuration.label = "ame"
        configuration.foreignKeysEnabled = true
        // In WAL mode, NORMAL keeps the database consistent through crashes and only risks
        // the last commits on power loss; FULL would fsync on every status update, which
        // sits on the path from 'ame run' to the first line of output.
        configuration.prepareDatabase { db in
            try db.execute(sql: "PRAGMA synchronous = NORMAL")
            // Every `ame` process is short (the CLI, each run's agent): checkpointing the WAL
            // when the last connection closes made each one fsync twice on its way out, a few
            // milliseconds of every run. SQLite still checkpoints on commit once the WAL
            // passes its 1,000-page threshold, so the log stays small; what a crash or power
            // loss can cost is as with NORMAL above.
            _ = ame_sqlite_skip_checkpoint_on_close(UnsafeMutableRawPointer(db.sqliteConnection))
        }
        pool = try DatabasePool(path: path.path, configuration: configuration)
        try Self.migrator.migrate(pool)
        // The database holds sealed secrets and token hashes: keep it private.
        chmod(path.path, 0o600)
        // Its write-ahead log holds the same (it stays between processes, see above).
        chmod(path.path + "-wal", 0o600)
        chmod(path.path + "-shm", 0o600)
    }

    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1: runs, steps, attempts, artifacts, secrets") { db in
            try db.execute(sql: """
                CREATE TABLE runs (
                    seq INTEGER PRIMARY KEY AUTOINCREMENT,
                    id TEXT NOT NULL UNIQUE,
                    owner TEXT NOT NULL,
                    project TEXT NOT NULL,
                    task TEXT NOT NULL,
                    status TEXT NOT NULL,
                    reason TEXT,
                    exit_code INTEGER,
                    created_at REAL NOT NULL,
                    started_at REAL,
                    finished_at REAL,
                    request BLOB NOT NULL,
                    task_spec BLOB NOT NULL,
                    ports BLOB NOT NULL,
                    labels BLOB NOT NULL,
                    executor TEXT NOT NULL,
                    agent_pid INTEGER,
                    agent_start INTEGER,
                    cancel_requested INTEGER NOT NULL DEFAULT 0
                );
                CREATE INDEX runs_owner ON runs(owner, seq);
                CREATE INDEX runs_status ON runs(status);
                CREATE TABLE steps (
                    run_id TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
                    name TEXT NOT NULL,
                    position INTEGER NOT NULL,
                    status TEXT NOT NULL,
                    needs BLOB NOT NULL,
                    exit_code INTEGER,
                    reason TEXT,
                    PRIMARY KEY (run_id, name)
                );
                CREATE TABLE attempts (
                    run_id TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
                    step TEXT NOT NULL,
                    number INTEGER NOT NULL,
                    status TEXT NOT NULL,
                    resources BLOB NOT NULL,
                    outcome TEXT,
                    exit_code INTEGER,
                    reason TEXT,
                    started_at REAL,
                    finished_at REAL,
                    session INTEGER,
                    PRIMARY KEY (run_id, step, number)
                );
                CREATE TABLE reservations (
                    run_id TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
                    step TEXT NOT NULL,
                    cpu_millis INTEGER NOT NULL,
                    memory INTEGER NOT NULL,
                    gpus BLOB NOT NULL,
                    since REAL NOT NULL,
                    PRIMARY KEY (run_id, step)
                );
                CREATE TABLE waiting (
                    run_id TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
                    step TEXT NOT NULL,
                    owner TEXT NOT NULL,
                    cpu_millis INTEGER NOT NULL,
                    memory INTEGER NOT NULL,
                    gpus INTEGER NOT NULL,
                    since REAL NOT NULL,
                    PRIMARY KEY (run_id, step)
                );
                CREATE TABLE artifacts (
                    run_id TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
                    path TEXT NOT NULL,
                    digest TEXT NOT NULL,
                    size INTEGER NOT NULL,
                    executable INTEGER NOT NULL,
                    PRIMARY KEY (run_id, path)
                );
                CREATE TABLE secrets (
                    owner TEXT NOT NULL,
                    name TEXT NOT NULL,
                    sealed BLOB NOT NULL,
                    created_at REAL NOT NULL,
                    updated_at REAL NOT NULL,
                    PRIMARY KEY (owner, name)
                );
                """)
        }
        migrator.registerMigration("v2: access tokens") { db in
            // Only a token's SHA-256 is stored: the token itself is shown once, when made.
            try db.execute(sql: """
                CREATE TABLE tokens (
                    id TEXT PRIMARY KEY,
                    user TEXT NOT NULL,
                    admin INTEGER NOT NULL,
                    hash TEXT NOT NULL UNIQUE,
                    description TEXT,
                    created_at REAL NOT NULL,
                    last_used_at REAL,
                    revoked_at REAL
                );
                CREATE INDEX tokens_user ON tokens(user);
                """)
        }
        // Tokens that a run's Pods use (Kubernetes): they fetch and upload that run's files
        // only, and stop working when the run ends.
        migrator.registerMigration("v3: tokens scoped to a run") { db in
            try db.execute(sql: "ALTER TABLE tokens ADD COLUMN run_id TEXT")
        }
        registerTrackingMigration(&migrator)
        // A run's secret env (`RunRequest.secretEnv`), sealed like the vault's secrets and
        // deleted when the run ends.
        migrator.registerMigration("v5: run secrets") { db in
            try db.execute(sql: """
                CREATE TABLE run_secrets (
                    run_id TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
                    key TEXT NOT NULL,
                    position INTEGER NOT NULL,
                    sealed BLOB NOT NULL,
                    PRIMARY KEY (run_id, key)
                );
                """)
        }
        // Who may read which blob (whoever proved to hold its bytes), the unprivileged user
        // each AME user's sandboxed runs execute as on a server run as root, and when each
        // user was last given capacity (so users take turns).
        migrator.registerMigration("v6: blob claims, sandbox users") { db in
            try db.execute(sql: """
                CREATE TABLE blob_claims (
                    owner TEXT NOT NULL,
                    digest TEXT NOT NULL,
                    PRIMARY KEY (owner, digest)
                ) WITHOUT ROWID;
                CREATE TABLE sandbox_users (
                    user TEXT PRIMARY KEY,
                    uid INTEGER NOT NULL UNIQUE
                );
                CREATE INDEX runs_owner_status ON runs(owner, status);
                CREATE TABLE admission_turns (
                    owner TEXT PRIMARY KEY,
                    last_admitted REAL NOT NULL
                );
                """)
        }
        // A store with a million runs: every filter of the runs list (owner, status, task,
        // project, each alone and with the owner) has an index ending in the cursor's `seq`,
        // so a page is an index range read newest first, never a scan; counts by status are
        // kept by triggers for the metrics; `pruned_at` marks runs whose log and workspace
        // the retention setting removed (the record stays).
        migrator.registerMigration("v7: indexes for a million runs, status counts, retention") { db in
            try db.execute(sql: """
                DROP INDEX IF EXISTS runs_status;
                DROP INDEX IF EXISTS runs_owner_status;
                CREATE INDEX runs_status_seq ON runs(status, seq);
                CREATE INDEX runs_owner_status_seq ON runs(owner, status, seq);
                CREATE INDEX runs_task_seq ON runs(task, seq);
                CREATE INDEX runs_owner_task_seq ON runs(owner, task, seq);
                CREATE INDEX runs_project_seq ON runs(project, seq);
                CREATE INDEX runs_owner_project_seq ON runs(owner, project, seq);
                ALTER TABLE runs ADD COLUMN pruned_at REAL;
                CREATE INDEX runs_unpruned_finished ON runs(finished_at) WHERE pruned_at IS NULL AND finished_at IS NOT NULL;
                CREATE INDEX firings_source ON firings(source_id, id);
                CREATE INDEX firings_pending ON firings(fired_at) WHERE outcome = 'pending';
                CREATE TABLE run_counts (
                    status TEXT PRIMARY KEY,
                    n INTEGER NOT NULL
                ) WITHOUT ROWID;
                INSERT INTO run_counts (status, n) SELECT status, COUNT(*) FROM runs GROUP BY status;
                CREATE TRIGGER run_counts_insert AFTER INSERT ON runs BEGIN
                    INSERT INTO run_counts (status, n) VALUES (NEW.status, 1) ON CONFLICT(status) DO UPDATE SET n = n + 1;
                END;
                CREATE TRIGGER run_counts_delete AFTER DELETE ON runs BEGIN
                    UPDATE run_counts SET n = n - 1 WHERE status = OLD.status;
                END;
                CREATE TRIGGER run_counts_update AFTER UPDATE OF status ON runs WHEN OLD.status != NEW.status BEGIN
                    UPDATE run_counts SET n = n - 1 WHERE status = OLD.status;
                    INSERT INTO run_counts (status, n) VALUES (NEW.status, 1) ON CONFLICT(status) DO UPDATE SET n = n + 1;
                END;
                """)
        }
        return migrator
    }

    /// A write transaction that takes the database lock at once (`BEGIN IMMEDIATE`), so
    /// read-then-write decisions such as admission are atomic across processes.
    func immediate<T>(_ body: (Database) throws -> T) throws -> T {
        try pool.writeWithoutTransaction { db in
            var result: T?
            try db.inTransaction(.immediate) {
                result = try body(db)
                return .commit
            }
            guard let result else { throw APIError(.internal, "transaction produced no result") }
            return result
        }
    }

    static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return encoder
    }()

    static let decoder = JSONDecoder()

    static func encode(_ value: some Encodable) throws -> Data { try encoder.encode(value) }
    static func decode<T: Decodable>(_ type: T.Type, _ data: Data?) throws -> T {
        guard let data else { throw APIError(.internal, "missing stored value for \(T.self)") }
        return try decoder.decode(type, from: data)
    }
}
