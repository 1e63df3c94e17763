import AMECore
import Foundation
import GRDB

/// Decides, in one database transaction shared by every process of the engine, whether a
/// step may start now: it must fit in what the other running steps leave free, a user may
/// not exceed their concurrent-run limit, and among waiters that fit, capacity is shared
/// fairly: the user with the fewest runs holding capacity goes first, then the user served
/// least recently, then the oldest waiter. So when capacity frees, users take turns, and one
/// user's burst of runs cannot hold another user's run for longer than one of those runs lasts.
struct Admission {
    enum Decision: Equatable {
        case admitted(gpus: [Int])
        case waiting(reason: String)
    }

    let store: RunStore
    let capacity: Capacity
    let maxConcurrentRunsPerUser: Int?

    /// `request` is the whole step's: for a step on several `nodes`, all of them together
    /// (a gang is admitted whole or not at all, so no node holds capacity while the others
    /// wait for theirs).
    func tryAdmit(runID: String, step: String, owner: String, request: ResourceRequest, nodes: Int = 1, now: Date = Date()) throws -> Decision {
        try store.immediate { db in
            if let existing = try Row.fetchOne(db, sql: "SELECT gpus FROM reservations WHERE run_id = ? AND step = ?", arguments: [runID, step]) {
                // Already admitted (a restarted agent asking again).
                return .admitted(gpus: (try? RunStore.decode([Int].self, existing["gpus"])) ?? [])
            }
            try db.execute(sql: """
                INSERT OR IGNORE INTO waiting (run_id, step, owner, cpu_millis, memory, gpus, since) VALUES (?, ?, ?, ?, ?, ?, ?)
                """, arguments: [runID, step, owner, request.cpuMillis, request.memoryBytes, request.gpus, now.timeIntervalSince1970])
            let reservations = try Row.fetchAll(db, sql: "SELECT run_id, cpu_millis, memory, gpus FROM reservations")
            var usedCPU: Int64 = 0, usedMemory: Int64 = 0
            var usedGPUs = Set<Int>()
            var holders = Set<String>()
            for reservation in reservations {
                usedCPU += reservation["cpu_millis"]
                usedMemory += reservation["memory"]
                usedGPUs.formUnion((try? RunStore.decode([Int].self, reservation["gpus"])) ?? [])
                holders.insert(reservation["run_id"])
            }
            let freeGPUs = capacity.gpus.filter { !usedGPUs.contains($0) }
            func fits(_ cpu: Int64, _ memory: Int64, _ gpus: Int) -> Bool {
                usedCPU + cpu <= capacity.cpuMillis && usedMemory + memory <= capacity.memoryBytes && gpus <= freeGPUs.count
            }

            // A user at their limit waits, unless this run already holds resources (a later
            // step of a pipeline).
            if let limit = maxConcurrentRunsPerUser, !holders.contains(runID) {
                let running = try Int.fetchOne(db, sql: """
                    SELECT COUNT(DISTINCT r.run_id) FROM reservations r JOIN runs ON runs.id = r.run_id
                    WHERE runs.owner = ? AND r.run_id != ?
                    """, arguments: [owner, runID]) ?? 0
                if running >= limit {
                    return .waiting(reason: "waiting: \(owner) already has \(running) run\(running == 1 ? "" : "s") running (limit \(limit) at once)")
                }
            }
            guard fits(request.cpuMillis, request.memoryBytes, request.gpus) else {
                var needs: [String] = []
                if usedCPU + request.cpuMillis > capacity.cpuMillis {
                    needs.append("\(Quantity.millicores(request.cpuMillis)) cpu (\(Quantity.millicores(max(0, capacity.cpuMillis - usedCPU))) of \(Quantity.millicores(capacity.cpuMillis)) free)")
                }
                if usedMemory + request.memoryBytes > capacity.memoryBytes {
                    needs.append("\(Quantity.bytes(request.memoryBytes)) memory (\(Quantity.bytes(max(0, capacity.memoryBytes - usedMemory))) free)")
                }
                if request.gpus > freeGPUs.count {
                    needs.append("\(request.gpus) gpu\(request.gpus == 1 ? "" : "s") (\(freeGPUs.count) free)")
                }
                let others = holders.subtracting([runID]).sorted()
                let users = others.isEmpty ? "" : "; in use by \(others.prefix(3).joined(separator: ", "))\(others.count > 3 ? "…" : "")"
                let what = nodes > 1 ? "\(nodes) nodes' worth, all at once: " : ""
                return .waiting(reason: "waiting for \(what)\(needs.joined(separator: ", "))\(users)")
            }
            // Turns: a waiter that could start now (it fits, and its user is under their limit)
            // goes first if its user holds fewer runs than this one's; or as many, and was
            // given capacity less recently; or both, and it has waited longer. A later step of
            // a run that already holds capacity counts its user's runs without itself.
            let since = try Double.fetchOne(db, sql: "SELECT since FROM waiting WHERE run_id = ? AND step = ?", arguments: [runID, step])
                ?? now.timeIntervalSince1970
            var heldRuns: [String: Set<String>] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT DISTINCT r.run_id, runs.owner FROM reservations r JOIN runs ON runs.id = r.run_id") {
                heldRuns[row["owner"] as String, default: []].insert(row["run_id"] as String)
            }
            var lastServed: [String: Double] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT owner, last_admitted FROM admission_turns") {
                lastServed[row["owner"] as String] = row["last_admitted"]
            }
            func turn(owner: String, run: String, since: Double) -> (Int, Double, Double) {
                (heldRuns[owner, default: []].subtracting([run]).count, lastServed[owner] ?? 0, since)
            }
            let mine = turn(owner: owner, run: runID, since: since)
            let others = try Row.fetchAll(db, sql: """
                SELECT run_id, step, owner, cpu_millis, memory, gpus, since FROM waiting WHERE NOT (run_id = ? AND step = ?)
                ORDER BY since
                """, arguments: [runID, step])
            for waiter in others where fits(waiter["cpu_millis"], waiter["memory"], waiter["gpus"]) {
                let otherRun: String = waiter["run_id"]
                let otherOwner: String = waiter["owner"]
                guard turn(owner: otherOwner, run: otherRun, since: waiter["since"]) < mine else { continue }
                if let limit = maxConcurrentRunsPerUser, !holders.contains(otherRun),
                   heldRuns[otherOwner, default: []].count >= limit {
                    continue
                }
                let status = try String.fetchOne(db, sql: "SELECT status FROM runs WHERE id = ?", arguments: [otherRun])
                if let status, RunStatus(rawValue: status)?.isActive == true {
                    let why = otherOwner == owner ? "which was queued first" : "as \(otherOwner) has had a turn less recently"
                    return .waiting(reason: "waiting behind run \(otherRun), \(why)")
                }
                // A waiter of a run that has ended is stale.
                try db.execute(sql: "DELETE FROM waiting WHERE run_id = ?", arguments: [otherRun])
            }
            let assigned = Array(freeGPUs.prefix(request.gpus))
            try db.execute(sql: """
                INSERT INTO reservations (run_id, step, cpu_millis, memory, gpus, since) VALUES (?, ?, ?, ?, ?, ?)
                """, arguments: [runID, step, request.cpuMillis, request.memoryBytes, try RunStore.encode(assigned), now.timeIntervalSince1970])
            try db.execute(sql: "DELETE FROM waiting WHERE run_id = ? AND step = ?", arguments: [runID, step])
            try db.execute(sql: "INSERT OR REPLACE INTO admission_turns (owner, last_admitted) VALUES (?, ?)",
                           arguments: [owner, now.timeIntervalSince1970])
            return .admitted(gpus: assigned)
        }
    }

    func release(runID: String, step: String) throws {
        try store.pool.write { db in
            try db.execute(sql: "DELETE FROM reservations WHERE run_id = ? AND step = ?", arguments: [runID, step])
            try db.execute(sql: "DELETE FROM waiting WHERE run_id = ? AND step = ?", arguments: [runID, step])
        }
    }

    static func releaseAll(runID: String, store: RunStore) throws {
        try store.pool.write { db in
            try db.execute(sql: "DELETE FROM reservations WHERE run_id = ?", arguments: [runID])
            try db.execute(sql: "DELETE FROM waiting WHERE run_id = ?", arguments: [runID])
        }
    }
}
