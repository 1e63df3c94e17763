@testable import AMEEngine
import AMECore
import AMETestSupport
import Foundation
import GRDB
import Testing

/// A store with a million runs stays fast only if no page reads more than a page: every
/// statement behind the runs list (each filter, alone, with the owner, with a cursor), a
/// run's status, the schedule pages and the maintenance queries is checked with
/// `EXPLAIN QUERY PLAN` to be an index search, never a scan of a table nor a sort of it.
/// (`scripts/bench-store` times them with a million runs.)
@Suite struct QueryPlanTests {
    /// A store whose planner sees what `ANALYZE` reports for a million runs (100 users,
    /// 50 projects, 20 tasks, three statuses: `scripts/bench-store`'s), so the plans are
    /// those of a full store, not of an empty one.
    static func millionRunStore(_ temporary: TemporaryDirectory) throws -> RunStore {
        let path = temporary.file("ame.sqlite")
        let seeding = try RunStore(path: path)
        try seeding.pool.write { db in
            try db.execute(sql: "ANALYZE")
            try db.execute(sql: "DELETE FROM sqlite_stat1")
            for (table, index, stat) in [
                ("runs", "runs_owner", "1000001 10001 1"), ("runs", "runs_owner_project_seq", "1000001 10001 10001 1"),
                ("runs", "runs_owner_status_seq", "1000001 10001 9901 1"), ("runs", "runs_owner_task_seq", "1000001 10001 10001 1"),
                ("runs", "runs_project_seq", "1000001 20001 1"), ("runs", "runs_status_seq", "1000001 333334 1"),
                ("runs", "runs_task_seq", "1000001 50001 1"), ("runs", "runs_unpruned_finished", "1000001 1"),
                ("runs", "sqlite_autoindex_runs_1", "1000001 1"), ("steps", "sqlite_autoindex_steps_1", "1000001 1 1"),
                ("attempts", "sqlite_autoindex_attempts_1", "1000001 1 1 1"), ("artifacts", "sqlite_autoindex_artifacts_1", "1000001 1 1"),
                ("firings", "firings_schedule", "1000000 1000 100 1"), ("firings", "firings_source", "1000000 1000 1"),
                ("firings", "firings_once", "1000000 1000 100 1"),
            ] {
                try db.execute(sql: "INSERT INTO sqlite_stat1 (tbl, idx, stat) VALUES (?, ?, ?)", arguments: [table, index, stat])
            }
        }
        // New connections load the statistics.
        return try RunStore(path: path)
    }

    static func plan(_ store: RunStore, _ sql: String, _ arguments: StatementArguments = []) throws -> [String] {
        try store.pool.read { db in
            try Row.fetchAll(db, sql: "EXPLAIN QUERY PLAN " + sql, arguments: arguments).map { $0["detail"] as String }
        }
    }

    /// Fails unless every step of the plan searches an index (or a primary key) and nothing
    /// is sorted in a temporary tree.
    static func expectIndexed(_ store: RunStore, _ sql: String, _ arguments: StatementArguments = [], allowSort: Bool = false,
                              sourceLocation: Testing.SourceLocation = #_sourceLocation) throws {
        let details = try plan(store, sql, arguments)
        #expect(!details.isEmpty, sourceLocation: sourceLocation)
        // The newest page of everyone's runs, unfiltered: the table read backwards from its
        // end (seq is the rowid), stopping after the page.
        if !sql.contains(" WHERE "), sql.contains("FROM runs ORDER BY seq DESC LIMIT"), details == ["SCAN runs"] { return }
        for detail in details {
            let scansTable = detail.hasPrefix("SCAN ") && !detail.contains("USING INDEX") && !detail.contains("USING COVERING INDEX")
            #expect(!scansTable, "\(sql): \(details)", sourceLocation: sourceLocation)
            #expect(!detail.hasPrefix("SCAN "), "a scan (of an index too) reads every run: \(sql): \(details)", sourceLocation: sourceLocation)
            if !allowSort { #expect(!detail.contains("TEMP B-TREE"), "\(sql): \(details)", sourceLocation: sourceLocation) }
        }
    }

    @Test func everyRunsListQueryUsesAnIndexInCursorOrder() throws {
        let temporary = try TemporaryDirectory()
        let store = try Self.millionRunStore(temporary)
        var checked = 0
        for owner in [nil, "ada"] as [String?] {
            for status in [nil, RunStatus.failed] as [RunStatus?] {
                for task in [nil, "train"] as [String?] {
                    for project in [nil, "quickstart"] as [String?] {
                        for cursor in [nil, "123456"] as [String?] {
                            let query = RunQuery(limit: 50, cursor: cursor, status: status, task: task, project: project)
                            let (sql, arguments, _) = try RunStore.listQuery(owner: owner, query: query)
                            try Self.expectIndexed(store, sql, arguments)
                            checked += 1
                        }
                    }
                }
            }
        }
        #expect(checked == 32)
    }

    @Test func aRunAndItsPartsAreFoundByKey() throws {
        let temporary = try TemporaryDirectory()
        let store = try Self.millionRunStore(temporary)
        try Self.expectIndexed(store, "SELECT * FROM runs WHERE id = ?", ["r1"])
        // Steps and attempts of one run: sorting a run's few rows is fine.
        try Self.expectIndexed(store, "SELECT * FROM steps WHERE run_id = ? ORDER BY position", ["r1"], allowSort: true)
        try Self.expectIndexed(store, "SELECT * FROM attempts WHERE run_id = ? ORDER BY step, number", ["r1"], allowSort: true)
        try Self.expectIndexed(store, "SELECT * FROM artifacts WHERE run_id = ? ORDER BY path", ["r1"])
        try Self.expectIndexed(store, "SELECT COUNT(*) FROM runs WHERE owner = ? AND status IN ('queued', 'preparing', 'running')", ["ada"])
        try Self.expectIndexed(store, "SELECT * FROM runs INDEXED BY runs_status_seq WHERE status IN ('queued', 'preparing', 'running') ORDER BY seq",
                               allowSort: true)
        // Without the hint, the planner reads every run (why activeRuns gives it).
        #expect(try Self.plan(store, "SELECT * FROM runs WHERE status IN ('queued', 'preparing', 'running') ORDER BY seq") == ["SCAN runs"])
        // The metrics' counts come from a table of a few rows, not from the runs.
        try Self.expectIndexed(store, "SELECT status, n FROM run_counts WHERE n > 0".replacingOccurrences(of: " WHERE n > 0", with: " WHERE status = 'failed'"))
        // Retention: the oldest finished runs not yet pruned.
        try Self.expectIndexed(store, """
            SELECT id FROM runs WHERE pruned_at IS NULL AND finished_at IS NOT NULL AND finished_at < ? ORDER BY finished_at LIMIT ?
            """, [1.0, 500])
    }

    @Test func schedulePagesUseTheirIndexes() throws {
        let temporary = try TemporaryDirectory()
        let store = try Self.millionRunStore(temporary)
        for schedule in [nil, "nightly"] as [String?] {
            for outcome in [nil, ScheduleFiring.Outcome.queued, .started] as [ScheduleFiring.Outcome?] {
                let (sql, arguments) = RunStore.firingsQuery(sourceID: "s1", schedule: schedule, outcome: outcome, limit: 50)
                try Self.expectIndexed(store, sql, arguments)
            }
        }
        try Self.expectIndexed(store, "SELECT * FROM firings WHERE outcome = 'pending' AND fired_at < ?", [1.0])
        try Self.expectIndexed(store, "SELECT * FROM firings WHERE source_id = ? AND schedule = ? AND run_id IS NOT NULL ORDER BY id DESC LIMIT 1", ["s", "n"])
    }

    /// The counts the metrics show stay right through inserts, status changes and deletes.
    @Test func statusCountsFollowTheRuns() throws {
        let temporary = try TemporaryDirectory()
        let store = try Self.millionRunStore(temporary)
        try store.pool.write { db in
            for index in 0..<5 {
                try db.execute(sql: """
                    INSERT INTO runs (id, owner, project, task, status, created_at, request, task_spec, ports, labels, executor)
                    VALUES (?, 'ada', 'p', 't', 'queued', 0, x'7B7D', x'7B7D', x'5B5D', x'7B7D', 'local')
                    """, arguments: ["r\(index)"])
            }
            try db.execute(sql: "UPDATE runs SET status = 'succeeded' WHERE id IN ('r0', 'r1')")
            try db.execute(sql: "UPDATE runs SET status = 'succeeded' WHERE id = 'r1'")
            try db.execute(sql: "DELETE FROM runs WHERE id = 'r4'")
        }
        let counts = try store.runCountsByStatus()
        #expect(counts == [.queued: 2, .succeeded: 2])
    }
}
