import AMECore
import Foundation
import GRDB

/// `retention: {runs: 90d}` in engine.yaml: a finished run's log and anything left of its
/// workspace are removed once it finished longer ago than that. The run's record (status,
/// times, steps, artifacts) stays, so lists, history and `ame pull` keep working; the run is
/// marked `pruned_at`, so each run is visited once, through an index.
public struct RunRetention: Sendable {
    let engine: Engine

    public init(engine: Engine) {
        self.engine = engine
    }

    /// Prunes runs that finished before `now - seconds`, `batch` at a time; returns how many.
    @discardableResult
    public func prune(olderThan seconds: Int, now: Date = Date(), batch: Int = 500) throws -> Int {
        let cutoff = now.addingTimeInterval(-Double(seconds)).timeIntervalSince1970
        var total = 0
        while true {
            let ids = try engine.store.unprunedRuns(finishedBefore: cutoff, limit: batch)
            if ids.isEmpty { return total }
            for id in ids {
                engine.logs.delete(runID: id)
                try? FileManager.default.removeItem(at: engine.layout.workspaces.appendingPathComponent(id))
                try? FileManager.default.removeItem(at: engine.layout.sandboxes.appendingPathComponent(id))
            }
            try engine.store.markPruned(ids, at: now)
            total += ids.count
            if ids.count < batch { return total }
        }
    }
}

extension RunStore {
    /// Finished runs whose log is still kept, oldest first (`runs_unpruned_finished`).
    func unprunedRuns(finishedBefore cutoff: Double, limit: Int) throws -> [String] {
        try pool.read { db in
            try String.fetchAll(db, sql: """
                SELECT id FROM runs WHERE pruned_at IS NULL AND finished_at IS NOT NULL AND finished_at < ?
                ORDER BY finished_at LIMIT ?
                """, arguments: [cutoff, limit])
        }
    }

    func markPruned(_ ids: [String], at date: Date) throws {
        try pool.write { db in
            for id in ids {
                try db.execute(sql: "UPDATE runs SET pruned_at = ? WHERE id = ?", arguments: [date.timeIntervalSince1970, id])
            }
        }
    }

    /// Whether the run's log was removed by the retention setting.
    public func isPruned(_ id: String) throws -> Bool {
        try pool.read { db in
            try Bool.fetchOne(db, sql: "SELECT pruned_at IS NOT NULL FROM runs WHERE id = ?", arguments: [id]) ?? false
        }
    }
}
